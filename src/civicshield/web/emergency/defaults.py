"""The plan's starting contacts and playbooks, from public UK guidance.

Sources (see shared/research/guidance.md): saferpolitics.org toolkit (999/101, evidence);
NCSC "Recovering a hacked account" (the nine steps); Report Fraud, which replaced Action
Fraud on 4 December 2025 (0300 123 2040, press 9 for a live cyber attack); NCSC's
Suspicious Email Reporting Service; the NCSC incident report form; the ICO (reporting to
the police or NCSC does not tell the ICO); the joint police/CPS/Electoral Commission
guidance for candidates (the force's single point of contact for candidate security).
The wording is ours. Nothing here is emailed automatically except the office's own people.
"""

from __future__ import annotations

from dataclasses import dataclass

from civicshield.web.emergency.models import PlaybookKind


@dataclass(frozen=True)
class DefaultContact:
    name: str
    when: str
    phone: str = ""
    email: str = ""
    url: str = ""


DEFAULT_CONTACTS: tuple[DefaultContact, ...] = (
    DefaultContact("Police (emergency)", "Someone is in immediate danger.", phone="999"),
    DefaultContact(
        "Police (non-emergency)",
        "Threats, harassment or stalking when nobody is in immediate danger.",
        phone="101",
    ),
    DefaultContact(
        "Local police single point of contact for candidate security",
        "Any threat or intimidation linked to the representative's role. Ask the force for "
        "the name and number in advance and fill them in here.",
    ),
    DefaultContact(
        "Parliamentary security",
        "MPs and their staff: threats, security concerns and advice. Fill in the number "
        "Parliament gave the office.",
    ),
    DefaultContact(
        "Report Fraud (England, Wales and Northern Ireland)",
        "Fraud and cyber crime, including a hacked account. For an attack happening now, "
        "call and press 9. (Report Fraud replaced Action Fraud in December 2025.)",
        phone="0300 123 2040",
        url="https://www.reportfraud.police.uk/",
    ),
    DefaultContact(
        "Police Scotland",
        "Fraud and cyber crime in Scotland.",
        phone="101",
    ),
    DefaultContact(
        "NCSC incident report form",
        "A serious cyber incident affecting the office's systems.",
        url="https://report.ncsc.gov.uk/",
    ),
    DefaultContact(
        "Suspicious Email Reporting Service (NCSC)",
        "Forward suspicious emails to this address; forward suspicious texts to 7726.",
        email="report@phishing.gov.uk",
    ),
    DefaultContact(
        "Information Commissioner's Office (ICO)",
        "Personal data has leaked and could harm people: report within 72 hours of finding "
        "out. Telling the police or NCSC does not tell the ICO.",
        phone="0303 123 1113",
        url="https://ico.org.uk/for-organisations/report-a-breach/",
    ),
    DefaultContact(
        "The platform's own support",
        "A hacked or impersonating account. Use the recovery and report pages recorded in the "
        "account inventory, never a link from a message.",
    ),
    DefaultContact("The party", "Fill in the party's press or security contact."),
    DefaultContact("IT support", "Fill in who looks after the office's computers and email."),
)

# Step texts. A step that starts with FORWARDING_STEP runs the mail forwarding audit.
FORWARDING_STEP = "Check the email inbox linked to the account for forwarding rules and filters"

HACKED_ACCOUNT_STEPS = (
    "Go to the platform's own recovery page (from the account inventory; never a link from a message) and recover the account",
    FORWARDING_STEP
    + ": attackers add a rule to get copies of every email, which lets them reset passwords",
    "Change the password (three random words), then every other account that used the same one",
    "Sign every device and app out of the account, and remove connected apps you do not recognise",
    "Turn on two-step verification with an authenticator app or security key, not text messages",
    "Check the recovery email and phone number are still the office's own",
    "Delete anything the attacker posted or sent, after taking screenshots for evidence",
    "Update the office's devices and run the antivirus where there is one",
    "Tell followers and contacts: treat recent messages from the account with suspicion",
    "Check bank statements and online shopping accounts linked to it",
    "Report it to Report Fraud (Police Scotland in Scotland) and note the reference number",
)

DEFAULT_PLAYBOOKS: dict[str, tuple[str, ...]] = {
    PlaybookKind.HACKED_ACCOUNT: HACKED_ACCOUNT_STEPS,
    PlaybookKind.DAMAGING_POST: (
        "Pause every scheduled post (incident mode has done this)",
        "Screenshot the post, its link and the time, for the record",
        "Remove or hide the post on the platform",
        "Agree a short statement with the representative before saying anything",
        "Check who posted it and how: the audit log shows who did what",
        "If a staff member posted it deliberately, offboard them and change every password they knew",
        "Review the approval rules so it cannot happen again, then resume posting",
    ),
    PlaybookKind.THREAT_TO_SAFETY: (
        "If anyone is in immediate danger, call 999 now",
        "Screenshot the message, and also the sender's profile page to show it was public",
        "Record it as evidence in CivicShield so it can be handed to the police",
        "Tell the local police single point of contact for candidate security (or 101)",
        "MPs: tell parliamentary security",
        "Report the account to the platform",
        "Do not announce where the representative will be; post events afterwards",
        "Check on the person who was targeted and whoever read it first",
    ),
    PlaybookKind.LOST_DEVICE: (
        "Sign the device out of every account it was signed in to (each platform's list of sessions)",
        "Change the passwords that were saved or used on it",
        "Reset the person's two-factor sign-in in CivicShield and set it up again on a new device",
        "Wipe the device remotely if it was set up for that",
        "If it was stolen, report it to the police on 101 and note the crime reference number",
        "If personal data was on it, follow the data breach playbook",
    ),
    PlaybookKind.DATA_BREACH: (
        "Stop it getting worse: remove the shared file, recall the email, change the password",
        "Write down what leaked, whose data it was, when and how you found out",
        "Decide with the representative whether it could harm people; if so, report it to the ICO within 72 hours",
        "Tell the people affected if the risk to them is high, and what they can do",
        "If it came from a cyber attack, also report it to Report Fraud or the NCSC",
        "Keep a record of the decision, even when you decide not to report",
    ),
}
