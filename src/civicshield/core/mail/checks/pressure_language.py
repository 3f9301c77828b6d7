"""Words that rush, hush or ask for money or passwords: the levers of social engineering."""

from __future__ import annotations

import re

import phonenumbers

from civicshield.core.findings import Severity
from civicshield.core.mail.checks.base import Check, CheckContext, Hit
from civicshield.core.mail.parse import ParsedMail
from civicshield.core.mail.text import fold

MAX_CHARS = 10_000
"""Only the start of the body is read: the lure is always near the top."""

# What is locked, closed or suspended in a threat ("your account will be suspended"); the bare
# verb alone ("the GPSDO is locked") is everyday technical language.
_THING = (
    r"(?:account|mailbox|card|access|password|profile|wallet|subscription|service|e-?mail|"
    r"domain|membership|inbox|storage|id)s?"
)
PATTERNS: dict[str, re.Pattern[str]] = {
    "urgency": re.compile(
        r"\b(urgent(?:ly)? (?:action|attention|response|reply|request|payment|transfer|update|"
        r"verification|notice)|^urgent\b|immediate action|(?:respond|act|verify|update|confirm|"
        r"reply|pay) immediately|act now|"
        r"within (?:the next )?(?:\d+|twenty[- ]four|forty[- ]eight) ?(?:hours?|hrs?)|"
        r"final (?:notice|reminder|warning)|last (?:chance|reminder|warning)|"
        r"expires? (?:today|soon)|"
        rf"{_THING} (?:will be|has been|have been|is|are|was|were|been|may be|could be) "
        r"(?:temporarily |permanently )?(?:suspended|disabled|deactivated|terminated|locked|"
        r"blocked|restricted|closed|deleted|on hold)|unusual (?:sign[- ]?in|activity|login)|"
        r"suspicious (?:activity|sign[- ]?in|login)|failure to (?:comply|respond|verify)|"
        r"unauthori[sz]ed (?:payment|transaction|charge|purchase|access|sign[- ]?in|login)s?|"
        r"time[- ]sensitive|limited time|before it'?s too late|"
        # The same levers in the other languages lures commonly arrive in (pt, es, fr, de).
        r"urgente|imediatamente|inmediatamente|immediatement|dringend|"
        r"(?:conta|cuenta|compte|konto) (?:sera |será |ha sido |foi |wird )?(?:bloquead[ao]|"
        r"suspens[ao]|suspendid[ao]|suspendu|bloqu[ée]|gesperrt)|ultimo aviso|último aviso|"
        r"dernier (?:avis|rappel)|letzte mahnung)\b",
        re.MULTILINE,
    ),
    "secrecy": re.compile(
        r"\b(keep (?:this|it) (?:confidential|private|between us|to yourself|quiet)|"
        r"(?:strictly|highly) confidential|don'?t (?:tell|mention|discuss)|do not (?:tell|mention|"
        r"discuss|share this)|i'?m (?:in a meeting|stuck in|travelling|traveling)|"
        r"can'?t (?:talk|take calls)|discreet(?:ly)?|between (?:you and me|us))\b"
    ),
    "payment": re.compile(
        r"\b(wire transfer|bank transfer|gift ?cards?|itunes card|google play card|"
        r"(?:new|updated|change of) (?:bank|account|payment) details|"
        r"payment (?:details|information|overdue|failed|declined|pending)|"
        r"outstanding (?:balance|payment|invoice)|overdue invoice|"
        r"transfer (?:the )?funds|bitcoin|btc wallet|crypto ?wallet|airdrop|"
        r"(?:tax|pending) refund|tax rebate|unclaimed|claim (?:your|the) (?:prize|reward|funds|"
        r"refund|bonus|gift)|you(?:'ve| have) won|(?:you are|you're|lucky|selected as) (?:a |the )?"
        r"winner|free spins|(?:welcome|deposit|casino|cash|sign-?up) bonus|cash ?prize|lottery|"
        r"inheritance|beneficiary|pay (?:now|immediately)|billing (?:information|details|problem)|"
        r"fatura|factura|facture|rechnung|pagamento|boleto|pr[eê]mio|premio|ganhou|ganaste|"
        r"gagn[ée]|gewonnen|reembolso|rembourse?ment|r[uü]ckerstattung|transfer[eê]ncia|"
        r"grátis|gratuit|kostenlos)\b"
    ),
    "credentials": re.compile(
        r"\b(verify (?:your|the) (?:account|identity|email|mailbox|information|details|payment)|"
        r"confirm (?:your|the) (?:account|identity|password|details|information|email|payment)|"
        r"update (?:your|the) (?:account|payment|billing|card|personal) ?(?:details|information|"
        r"info)?|(?:reset|change|update|validate|re-?enter) your password|your password "
        r"(?:expires?|has expired|expired|will expire)|(?:log ?in|sign ?in) (?:now |here )?to "
        r"(?:verify|confirm|restore|unlock|keep|continue|avoid)|login (?:credentials|details)|"
        r"security (?:alert|verification|notice|notification)|(?:confirm|verify|update|access) "
        r"your online banking|(?:mailbox|storage|quota) (?:is )?(?:full|exceeded|"
        r"almost full|limit)|re-?activate your|validate your|one[- ]time (?:code|passcode|"
        r"password)|restore (?:your )?(?:account|access)|"
        r"(?:verify|validate|confirm) your (?:\w+ )?(?:wallet|account|identity|mailbox|payment|"
        r"card|details|information)|storage quota|of your mailbox|mailbox (?:quota|storage)|"
        r"senha|contrase[nñ]a|mot de passe|passwort|(?:atualize|actualice|mettez à jour|"
        r"aktualisieren sie) (?:seus|sus|vos|ihre) dados|confirme (?:seus|sus) dados|"
        r"verifique (?:sua|su) (?:conta|cuenta|identidade|identidad))\b"
    ),
}

# Lures go to thousands of people, so they cannot greet you by name.
GENERIC_GREETING = re.compile(
    r"(?:^|\n|\. )\s*(?:dear|hello|hi|attention|greetings),? (?:valued |dear |our )?(?:customer|"
    r"client|user|member|account ?holder|beneficiary|friend|sir(?:/| or )madam|email user|"
    r"subscriber|webmail user|mailbox user|recipient)s?\b|"
    r"\b(?:prezad[oa]\(?a?\)? cliente|caro cliente|estimad[oa] cliente|cher client|"
    r"sehr geehrte(?:r)? kunde)"
)

# "Call us to cancel": callback scams send no link at all, only an invoice or renewal they say
# you did not make and a phone number, where someone talks you into paying or installing
# remote-access software. The wording alone is ordinary in receipts; with a phone number to
# ring about it, it is the scam's shape.
CALLBACK = re.compile(
    r"\b(if (?:you|u) (?:did not|didn'?t|do not|don'?t) (?:authori[sz]e|make|request|place|"
    r"recogni[sz]e|initiate|approve)|(?:call|contact|dial|ring) (?:us |our \w+ (?:team|desk|"
    r"department|line) )?(?:to|for) (?:cancel|a refund|dispute)|auto[- ]?renew(?:al|ed)|"
    r"(?:has|have) been (?:charged|debited|renewed))\b"
)
_PHONE_REGIONS = ("GB", "US")


def _phone_number(text: str) -> str:
    """The first valid phone number in ``text`` (UK or North American, or with a + prefix)."""
    for region in _PHONE_REGIONS:
        for match in phonenumbers.PhoneNumberMatcher(text, region, phonenumbers.Leniency.VALID):
            return match.raw_string
    return ""


_WHAT = {
    "urgency": "rushes you (deadlines, threats to close an account)",
    "secrecy": "asks you to keep it quiet or says the sender cannot be reached",
    "payment": "talks about money (payments, transfers, prizes or refunds)",
    "credentials": "asks you to sign in, verify or update account details",
}


class PressureLanguageCheck(Check):
    """Urgency, secrecy, payment and credential requests, one feature each (plus 'several')."""

    name = "pressure_language"

    def run(self, mail: ParsedMail, context: CheckContext) -> list[Hit]:
        text = fold(mail.subject + "\n" + mail.body_text[:MAX_CHARS])
        hits: list[Hit] = []
        matched = []
        for kind, pattern in PATTERNS.items():
            found = pattern.search(text)
            if found:
                matched.append(kind)
                hits.append(
                    Hit(
                        f"pressure_language.{kind}",
                        Severity.LOW,
                        f"The email {_WHAT[kind]} (\u201c{found.group(0)}\u201d). Pressure like "
                        "this is how scams stop people from checking. Take your time.",
                    )
                )
        greeting = GENERIC_GREETING.search(text[:3000])
        if greeting:
            hits.append(
                Hit(
                    "pressure_language.generic_greeting",
                    Severity.LOW,
                    f"The email greets you as \u201c{greeting.group(0).strip(' .')}\u201d rather "
                    "than by name, as mass-mailed lures do. Someone who knows you uses your name.",
                )
            )
        callback = CALLBACK.search(text)
        phone = _phone_number(text) if callback else ""
        if callback and phone:
            hits.append(
                Hit(
                    "pressure_language.callback",
                    Severity.MEDIUM,
                    f"The email says \u201c{callback.group(0)}\u201d and gives a phone number "
                    f"({phone}) to ring about it. Scammers send fake charges so that you call "
                    "them, then talk you into paying or letting them into your computer. If you "
                    "are worried about a charge, use the number on your card or on the "
                    "company's own website.",
                )
            )
        if len(matched) >= 3:
            hits.append(
                Hit(
                    "pressure_language.several",
                    Severity.MEDIUM,
                    "The email combines several pressure tactics at once, typical of scams.",
                )
            )
        return hits
