"""The security self-assessment's questions, in the shape of the public social-media security
assessment: NCSC principle → question → control. Each control may name a ``fact`` that
CivicShield can check itself (see ``services.facts_for_office``) to pre-fill its status.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Control:
    id: str
    """Stable id such as "2.1", used in saved answers and exports."""
    text: str
    """The control, as a statement the office can call met or not."""
    fact: str = ""
    """Name of the fact CivicShield checks to pre-fill it; "" when only people can answer."""


@dataclass(frozen=True)
class Question:
    text: str
    controls: tuple[Control, ...]


@dataclass(frozen=True)
class Principle:
    number: int
    title: str
    questions: tuple[Question, ...]


PRINCIPLES: tuple[Principle, ...] = (
    Principle(
        1,
        "Use reputable social media platforms and tools",
        (
            Question(
                "Which platforms and accounts does the office use, and does each support "
                "two-factor sign-in, account recovery and a way to report problems?",
                (
                    Control(
                        "1.1",
                        "Every account has two-factor sign-in on, not by text message",
                        "accounts_two_factor",
                    ),
                    Control(
                        "1.2",
                        "Every account's recovery email and phone were checked in the last year",
                        "accounts_recovery",
                    ),
                    Control(
                        "1.3",
                        "Every account's own report page is recorded, for use in an emergency",
                        "accounts_report_page",
                    ),
                    Control(
                        "1.4", "The office knows how each platform protects personal data (UK GDPR)"
                    ),
                    Control(
                        "1.5", "Accounts no longer used are closed, so they cannot be taken over"
                    ),
                ),
            ),
            Question(
                "Does the office's management tool support two-factor sign-in and log what people do?",
                (
                    Control(
                        "1.6",
                        "Everyone signs in to CivicShield with two-factor sign-in",
                        "staff_two_factor",
                    ),
                    Control(
                        "1.7",
                        "The tool records who did what and when, so nobody can deny an action",
                        "audit_log",
                    ),
                ),
            ),
        ),
    ),
    Principle(
        2,
        "Only authorised staff can publish, directly or through the tool",
        (
            Question(
                "Who has access to the accounts, and how is it controlled?",
                (
                    Control(
                        "2.1",
                        "Each person uses their own login; no account password is shared",
                        "no_shared_logins",
                    ),
                    Control(
                        "2.2",
                        "Leavers lose access at once and every password they knew is changed",
                        "rotations_done",
                    ),
                    Control(
                        "2.3",
                        "Everyone's access has been reviewed in the agreed period",
                        "access_review",
                    ),
                ),
            ),
            Question(
                "What is the office's password policy?",
                (
                    Control("2.4", "Passwords are three random words or longer, and never reused"),
                    Control("2.5", "A password manager is used for the office's accounts"),
                ),
            ),
        ),
    ),
    Principle(
        3,
        "Review and approve content before it is published",
        (
            Question(
                "How are posts checked before they go out?",
                (
                    Control(
                        "3.1", "Drafts are approved by someone else before publishing", "approvals"
                    ),
                    Control("3.2", "Only the roles that need it may publish", "roles"),
                    Control(
                        "3.3",
                        "Posts are checked for personal details (home address, routines, children) before publishing",
                    ),
                ),
            ),
        ),
    ),
    Principle(
        4,
        "Track what users do",
        (
            Question(
                "Can the office see who posted, changed or accessed what?",
                (
                    Control("4.1", "An append-only audit log records every change", "audit_log"),
                    Control("4.2", "Someone looks at the audit log regularly"),
                    Control(
                        "4.3",
                        "Mailboxes are checked for forwarding to outside addresses",
                        "forwarding_audit",
                    ),
                ),
            ),
        ),
    ),
    Principle(
        5,
        "Develop and test an incident management plan",
        (
            Question(
                "Does the office know what to do, and whom to call, when something goes wrong?",
                (
                    Control(
                        "5.1",
                        "The emergency plan lists the office's own contacts and the local police contact",
                        "plan_contacts",
                    ),
                    Control(
                        "5.2",
                        "A printed copy of the plan is kept where it can be reached without a phone",
                    ),
                    Control("5.3", "The plan was rehearsed in a drill in the last year", "drill"),
                    Control(
                        "5.4", "Every incident was closed with a short review", "incident_reviews"
                    ),
                ),
            ),
        ),
    ),
)

CONTROLS: dict[str, Control] = {
    c.id: c for p in PRINCIPLES for q in p.questions for c in q.controls
}


def principle_of(control_id: str) -> int:
    return int(control_id.split(".", 1)[0])
