"""The sender's name says one thing, the sender's address another."""

from __future__ import annotations

import re

from civicshield.core.findings import Severity
from civicshield.core.lookalike import (
    display_name_match,
    normalise_name,
    registered_domain,
    skeleton,
)
from civicshield.core.mail.checks.base import Check, CheckContext, Hit
from civicshield.core.mail.parse import ParsedMail
from civicshield.core.mail.trusted import FREE_MAIL_DOMAINS

# Names criminals put in the From name, with the domains that really send as them.
BRANDS: dict[str, tuple[str, ...]] = {
    "paypal": ("paypal.com", "paypal.co.uk", "paypal.de"),
    "microsoft": (
        "microsoft.com",
        "office.com",
        "outlook.com",
        "microsoftonline.com",
        "office365.com",
        "sharepoint.com",
        "live.com",
        "microsoft.co.uk",
        "microsoftstore.com",
        "onmicrosoft.com",
        "xbox.com",
        "skype.com",
    ),
    "office 365": ("microsoft.com", "office.com", "office365.com"),
    "microsoft 365": ("microsoft.com", "office.com"),
    "outlook": ("microsoft.com", "outlook.com", "office.com", "live.com"),
    "onedrive": ("microsoft.com", "onedrive.com", "live.com", "sharepoint.com"),
    "sharepoint": ("microsoft.com", "sharepoint.com"),
    "amazon": (
        "amazon.com",
        "amazon.co.uk",
        "amazon.de",
        "amazon.fr",
        "amazonses.com",
        "amazon.ca",
        "amazon.it",
        "amazon.es",
        "amazonaws.com",
        "amazon.in",
    ),
    "apple": ("apple.com", "icloud.com", "apple.co.uk"),
    "icloud": ("apple.com", "icloud.com"),
    "netflix": ("netflix.com",),
    "hmrc": ("hmrc.gov.uk", "gov.uk"),
    "dvla": ("dvla.gov.uk", "gov.uk"),
    "royal mail": ("royalmail.com", "royalmail.co.uk"),
    "dhl": ("dhl.com", "dhl.co.uk", "dhl.de"),
    "fedex": ("fedex.com",),
    "docusign": ("docusign.com", "docusign.net"),
    "dropbox": ("dropbox.com", "dropboxmail.com"),
    "wetransfer": ("wetransfer.com",),
    "google": ("google.com", "gmail.com", "googlemail.com", "youtube.com", "google.co.uk"),
    "gmail": ("google.com", "gmail.com", "googlemail.com"),
    "facebook": ("facebook.com", "facebookmail.com", "meta.com", "fb.com"),
    "instagram": ("instagram.com", "facebookmail.com", "meta.com"),
    "whatsapp": ("whatsapp.com", "facebookmail.com"),
    "linkedin": ("linkedin.com",),
    "binance": ("binance.com",),
    "metamask": ("metamask.io",),
    "coinbase": ("coinbase.com",),
    "barclays": ("barclays.co.uk", "barclays.com"),
    "hsbc": ("hsbc.co.uk", "hsbc.com"),
    "lloyds bank": ("lloydsbank.co.uk", "lloydsbank.com"),
    "natwest": ("natwest.com",),
    "santander": ("santander.co.uk", "santander.com"),
    "nationwide building society": ("nationwide.co.uk",),
    "monzo": ("monzo.com",),
    "wells fargo": ("wellsfargo.com",),
    "bank of america": ("bankofamerica.com", "bofa.com"),
    "ebay": ("ebay.com", "ebay.co.uk", "ebay.de"),
    "adobe": ("adobe.com",),
    "norton": ("norton.com", "nortonlifelock.com", "gen.com"),
    "mcafee": ("mcafee.com",),
    "ncsc": ("ncsc.gov.uk",),
    "nhs": ("nhs.uk", "nhs.net"),
    "gov.uk": ("gov.uk",),
    "ups": ("ups.com",),
    "usps": ("usps.com",),
    "proton": ("proton.me", "protonmail.com"),
    "trust wallet": ("trustwallet.com",),
    "zoom": ("zoom.us", "zoom.com"),
    # UK services an office and its constituents deal with.
    "ipsa": ("theipsa.org.uk",),
    "companies house": ("companieshouse.gov.uk", "gov.uk"),
    "tv licensing": ("tvlicensing.co.uk",),
    "post office": ("postoffice.co.uk",),
    "evri": ("evri.com",),
    "dpd": ("dpd.co.uk", "dpd.com", "dpdlocal.co.uk"),
    "british gas": ("britishgas.co.uk",),
    "octopus energy": ("octopus.energy",),
    "virgin media": ("virginmedia.com", "virginmedia.co.uk"),
    "vodafone": ("vodafone.co.uk", "vodafone.com"),
    "tesco": ("tesco.com", "tesco.co.uk", "tescobank.com"),
    "sainsbury's": ("sainsburys.co.uk",),
    "argos": ("argos.co.uk",),
    "currys": ("currys.co.uk",),
    "john lewis": ("johnlewis.co.uk", "johnlewis.com"),
    "starling bank": ("starlingbank.com",),
    "revolut": ("revolut.com",),
    "first direct": ("firstdirect.com",),
    "metro bank": ("metrobankonline.co.uk",),
    "capital one": ("capitalone.co.uk", "capitalone.com"),
    "citibank": ("citi.com", "citibank.com"),
    "spotify": ("spotify.com",),
    "disney+": ("disneyplus.com",),
    "github": ("github.com", "githubapp.com"),
    "irs": ("irs.gov",),
    # Brands much imitated in the scam mail that reaches UK inboxes from abroad.
    "ledger": ("ledger.com",),
    "trezor": ("trezor.io",),
    "kraken": ("kraken.com",),
    "opensea": ("opensea.io",),
    "tether": ("tether.to",),
    "ripple": ("ripple.com",),
    "stellar.org": ("stellar.org",),
    "correios": ("correios.com.br",),
    "bradesco": ("bradesco.com.br",),
    "nubank": ("nubank.com.br",),
    "itau": ("itau.com.br",),
    "edeka": ("edeka.de",),
    "fressnapf": ("fressnapf.de",),
    "lidl": ("lidl.co.uk", "lidl.de", "lidl.com"),
    "aldi": ("aldi.co.uk", "aldi.de", "aldi.com"),
    "leclerc": ("e.leclerc", "leclerc.com"),
    "darty": ("darty.com",),
    "norauto": ("norauto.fr",),
    "gls": ("gls-group.eu", "gls-group.com", "gls-uk.com"),
    "chronopost": ("chronopost.fr",),
    "la poste": ("laposte.fr", "laposte.net"),
    "postnl": ("postnl.nl",),
    "starbucks": ("starbucks.com", "starbucks.co.uk"),
    "walmart": ("walmart.com",),
    "costco": ("costco.com", "costco.co.uk"),
    "lowe's": ("lowes.com",),
    "louis vuitton": ("louisvuitton.com",),
    "sirius xm": ("siriusxm.com",),
    "washington mutual": ("wamu.com",),
    "suntrust": ("suntrust.com",),
    "regions bank": ("regions.com",),
    "smith barney": ("smithbarney.com",),
    "bank of the west": ("bankofthewest.com",),
}
# Names that claim an organisation or department rather than a person.
_ORGANISATION_WORDS = re.compile(
    r"(?<![a-z])(support|service|services|team|bank|security|billing|accounts?|admin|"
    r"administrator|help ?desk|service ?desk|it desk|notifications?|customer|department|alerts?|"
    r"verification|payroll|finance|invoices?|delivery|courier|official|council|government|"
    r"webmail|mailbox|postmaster|no-?reply|helpline|compliance|fraud|tax|gov|"
    # The same in the languages of the bulk scams the office also receives.
    r"aviso|avisos|protocolo|atendimento|suporte|soporte|servicio|kundenservice|kundendienst|"
    r"notificacao|notificacion|seguranca|seguridad|banco|receita|correios)(?![a-z])"
    # A case or protocol number in the name ("Protocolo:7164942633959263").
    r"|[0-9]{6,}"
)
# People and departments an attacker pretends to be inside the office's own organisation.
_IT_DESK = re.compile(
    r"(?<![a-z])(it support|it service|it help ?desk|help ?desk|service ?desk|system "
    r"administrator|sysadmin|mail administrator|email administrator|webmail|mailbox|"
    r"postmaster|mail delivery|e-?mail admin|account team|security team)(?![a-z])"
)
_BRAND_PATTERN = re.compile(
    r"(?<![a-z0-9])("
    + "|".join(re.escape(b) for b in sorted(BRANDS, key=len, reverse=True))
    + r")(?![a-z0-9])"
)
# Distinctive brand names also found with dots or spaces squeezed out ("Pay.Pal.", "P a y P a l").
_SQUASHED_PATTERN = re.compile(
    "(" + "|".join(re.escape(b) for b in BRANDS if len(b) >= 6 and b.isalpha()) + ")"
)
_EVERYDAY_BRANDS = frozenset({"apple", "ups", "zoom", "proton", "norton", "outlook", "google"})
_EVERYDAY_BRAND_PATTERN = re.compile(
    "(" + "|".join(sorted(_EVERYDAY_BRANDS)) + r")(?: (?:support|id|account|accounts|team|"
    r"services?|security|billing|store|pay|care|notifications?|alerts?|help ?desk|customer "
    r"service|no-?reply|mail|delivery|meetings?|drive|workspace))?"
)
# Famous people whose names sell investment, energy and "cost of living" scams (the UK's most
# impersonated in scam adverts and emails). A person writing to the office is not called this
# (names that many ordinary people share, such as Peter Jones or Martin Lewis on its own, are
# left out).
_CELEBRITY = re.compile(
    r"(?<![a-z])(elon musk|elon['’ ]?s|musk['’ ]?s|martin lewis(?:'?s| s)? (?:tips|money|savings|guide)|"
    r"richard branson|deborah meaden|"
    r"jeremy clarkson|holly willoughby|ant (?:and|&) dec|dolly parton|bill gates|"
    r"jeff bezos|warren buffett|mark zuckerberg|oprah|money ?saving ?expert)(?![a-z])"
)
_VIA_LIST = re.compile(r"\bvia\b", re.IGNORECASE)
_NOT_LETTER = re.compile(r"[^a-z]")
# Any letters, not only ASCII: "service@lnt.ҏaypal.com" is shown to the reader as an address.
_ADDRESS_IN_NAME = re.compile(r"[\w.%+-]+@([\w-]+(?:\.[\w-]+)+)", re.IGNORECASE)


def _owned_by(domain: str, owners: tuple[str, ...]) -> bool:
    return any(domain == d or domain.endswith("." + d) for d in owners)


class DisplayNameCheck(Check):
    """A trusted contact's or a well-known organisation's name on an address not theirs."""

    name = "display_name"

    def run(self, mail: ParsedMail, context: CheckContext) -> list[Hit]:
        if not mail.from_name or not mail.from_address:
            return []
        hits: list[Hit] = []
        trusted = context.trusted
        contact = display_name_match(mail.from_name, trusted.contacts)
        if contact and mail.from_address not in trusted.contacts[contact]:
            # Mail from an own or trusted domain is the authentication check's job.
            first = contact.split()[0] if contact.split() else contact
            who = "colleague" if trusted.is_colleague(contact) else "contact"
            if trusted.is_trusted_address(mail.from_address):
                pass
            elif mail.is_mailing_list and _VIA_LIST.search(mail.from_name):
                # Mailing lists rewrite "Sarah Jones <sarah@...>" into "Sarah Jones via List
                # <list@...>" (DMARC mitigation): a reason to check, not proof of a forgery.
                hits.append(
                    Hit(
                        "display_name.trusted_contact_via_list",
                        Severity.MEDIUM,
                        f"This mailing-list message shows your contact {contact}'s name but comes "
                        f"from the list address {mail.from_address}. Lists do this, but if it asks "
                        f"you to do anything unusual, check with {first} by phone first.",
                    )
                )
            else:
                hits.append(
                    Hit(
                        "display_name.trusted_contact",
                        Severity.HIGH,
                        f"This email claims to be from your {who} {contact}, but it was sent "
                        f"from a different address ({mail.from_address}). Check with {first} by "
                        "phone, on a number you already have, before you click anything or reply.",
                    )
                )
        folded = skeleton(normalise_name(mail.from_name))
        squashed = _NOT_LETTER.sub("", folded)
        brand_match = _BRAND_PATTERN.search(folded) or _SQUASHED_PATTERN.search(squashed)
        if brand_match and brand_match.group(1) in _EVERYDAY_BRANDS:
            # "Apple", "Chase", "Zoom" are also ordinary words and names ("Lockergnome Apple
            # Core", "Chase Smith"): count them only as the whole name or with a service word.
            brand_match = _EVERYDAY_BRAND_PATTERN.fullmatch(folded)
        if brand_match and not contact:
            brand = brand_match.group(1)
            if not _owned_by(mail.from_domain, BRANDS[brand]) and not context.is_trusted_domain(
                mail.from_domain
            ):
                hits.append(
                    Hit(
                        "display_name.brand",
                        Severity.MEDIUM,
                        f"The sender's name says \u201c{mail.from_name.strip()}\u201d, but the "
                        f"email came from {mail.from_domain or 'an unknown address'}, which does "
                        f"not belong to that organisation. Do not use its links; go to the "
                        "organisation's website yourself.",
                    )
                )
        celebrity = _CELEBRITY.search(folded)
        if celebrity and not contact and not context.is_trusted_domain(mail.from_domain):
            hits.append(
                Hit(
                    "display_name.celebrity",
                    Severity.MEDIUM,
                    f"The sender's name uses a famous name (\u201c{mail.from_name.strip()}\u201d). "
                    "Scams borrow well-known people to sell investments, energy savings and "
                    "prizes; the real person does not email you.",
                )
            )
        free_mail = registered_domain(mail.from_domain) in FREE_MAIL_DOMAINS
        if not brand_match and not contact and not context.is_trusted_domain(mail.from_domain):
            if _IT_DESK.search(folded):
                hits.append(
                    Hit(
                        "display_name.it_support",
                        Severity.MEDIUM,
                        f"The sender calls itself \u201c{mail.from_name.strip()}\u201d, an IT or "
                        "mailbox service, but writes from "
                        f"{mail.from_domain or 'no real address'}, outside your organisation. "
                        "Your own IT team would not. Ask them by phone.",
                    )
                )
            elif free_mail and _ORGANISATION_WORDS.search(folded):
                hits.append(
                    Hit(
                        "display_name.organisation_on_free_mail",
                        Severity.MEDIUM,
                        f"The sender calls itself \u201c{mail.from_name.strip()}\u201d, an "
                        f"organisation, but writes from a free personal address "
                        f"({mail.from_address}). Organisations write from their own domain.",
                    )
                )
        shown = _ADDRESS_IN_NAME.search(mail.from_name)
        if shown and registered_domain(shown.group(1)) != registered_domain(mail.from_domain):
            hits.append(
                Hit(
                    "display_name.shows_address",
                    Severity.MEDIUM,
                    f"The sender's name shows the address {shown.group(0)}, but the email really "
                    f"came from {mail.from_address}. That is a common disguise.",
                )
            )
        return hits
