"""Times with places: where someone is now, will be soon, or goes regularly.

Each sentence is read on its own. A finding needs a *place*: a capitalised name after "at",
"in", "outside"... (not Parliament, a broadcaster or a weekday); a place word such as
"school gates" or "gym"; a 📍 pin; or an address, postcode or private place (a school on
the private list) found by an earlier detector. With a place, the sentence gives:

1. ``routine`` (high) with a regular time: "every Saturday", "on Sundays", "most
   mornings", or "usually/always/weekly" together with a time of day;
2. ``live_location`` (high) with a live cue close to the place: "heading to", "on my way
   to", "just arrived at", "stuck in traffic", "I'm at"/"we're outside" directly before it,
   "now" with "I"/"we" or at the end of a status update that starts with the place
   ("At the school gates now"), "out canvassing ... today". A routine sentence is a habit,
   not a live location;
3. ``live_location`` (medium) with a first-person plan and a time: "I'll be at ... at 9
   tomorrow", "join me at ... on Friday", "come along", or a time at a street address or
   postcode ("Come round to 14 Acacia Avenue on Sunday").

Past events are fine ("Great to visit Hillside School today", "Thanks to everyone at the
Co-op for having me yesterday"), and so are places where a representative is protected
anyway (Parliament, the Chamber), broadcasts ("on BBC Radio Anytown") and online events.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from civicshield.core.findings import Severity
from civicshield.core.privacy.detectors.address import STREET_TYPES
from civicshield.core.privacy.detectors.base import ScanContext, quote
from civicshield.core.privacy.model import (
    ADDRESS,
    LIVE_LOCATION,
    POSTCODE,
    PRIVATE_PERSON,
    ROUTINE,
    PrivacyFinding,
)

_DAYS = r"(?:mon|tues|wednes|thurs|fri|satur|sun)day"
_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_PLACE_WORDS = (
    r"school\s+gates?|school|nursery|playground|station|train\s+station|bus\s+stop|gym|pub|"
    r"caf[eé]|coffee\s+shop|park|church|mosque|temple|synagogue|gurdwara|library|"
    r"supermarket|shop|shops|pool|swimming\s+pool|leisure\s+centre|community\s+centre|"
    r"village\s+hall|market|high\s+street|pitch|club|golf\s+club|hospital|car\s+park|"
    r"playing\s+fields?|beach|pier|canal|towpath|riverside|common|woods|home|house|flat|"
    r"allotment|garage|corner\s+shop|chippy|takeaway|restaurant|bar|hairdresser'?s?|barber'?s?|"
    r"dentist|gp|doctor'?s?|vets?"
)
_PREPOSITION = r"(?i:at|in|outside|inside|near|to|on|by|along|around|into|from|opposite|behind)"
_CAPITALISED = r"[A-Z][\w'’&.-]*"
_PLACE = re.compile(
    rf"\b{_PREPOSITION}\s+(?:the\s+|my\s+|our\s+|a\s+|your\s+)?"
    rf"(?P<name>{_CAPITALISED}(?:\s+(?:on|of|&|and|de|la|upon)?\s*{_CAPITALISED}){{0,4}}"
    rf"|(?i:(?:[a-z][\w'’-]*\s+){{0,2}}?(?:{_PLACE_WORDS})s?)\b)"
)
# After "on", a place must clearly be somewhere you can stand: a street ("on Mill Road"),
# or after "on the", a place word ("on the high street"), not "on the Supreme Court".
_STREET_PLACE = re.compile(rf"\b(?:{STREET_TYPES})\.?$")
_WORD_PLACE = re.compile(rf"\b(?:{_PLACE_WORDS})$", re.IGNORECASE)
# A capitalised "place" that is not a place anyone can be found at.
_NOT_PLACES = re.compile(
    rf"^(?:I|I'm|I'll|Me|We|You|He|She|They|It|This|That|These|Those|Today|Tonight|Tomorrow|"
    rf"Now|Then|Here|There|Christmas|Easter|Eid|Diwali|Ramadan|Hanukkah|Halloween|Bonfire|"
    rf"(?i:{_DAYS}s?|{_MONTHS})|Parliament|Westminster|Commons|Lords|House|Chamber|Committee|"
    rf"PMQs|Hansard|Conference|BBC|ITV|Sky|LBC|GB|Channel|Radio|TV|Twitter|X|Facebook|"
    rf"Instagram|TikTok|YouTube|Zoom|Teams|Skype|Bluesky|Mastodon|Threads|Spotify|"
    rf"Government|Labour|Conservative|Tory|Tories|Lib|Liberal|Reform|Green|SNP|Plaid|"
    rf"Council|Cabinet|Brexit|EU|UK|Britain|England|Scotland|Wales|NHS|COVID|Covid|Ukraine|"
    rf"Gaza|Israel|Russia|America|USA|US|Europe|God|Jesus|Allah|Mr|Mrs|Ms|Dr|Sir|Dame|Lord|"
    rf"Lady|Question|Questions|Bill|Act|Budget|Statement|Debate|Opposition|Minister|"
    rf"Ministers|Secretary|Speaker|Order|URL|USER)\b"
)
_TIME = re.compile(
    rf"\b(?:\d{{1,2}}(?:[:.]\d{{2}})?\s*(?:am|pm|a\.m\.|p\.m\.)|"
    rf"(?:at|from|by|until|till|around|about)\s+\d{{1,2}}(?:[:.]\d{{2}})?(?:\s*(?:am|pm))?"
    rf"(?!\s*(?:%|per|years?|"
    rf"people|votes|[A-Za-z]+\s+(?:St|Street|Road|Rd|Avenue|Lane)))\b|"
    rf"\d{{1,2}}[:]\d{{2}}|noon|midday|midnight|o'clock|half\s+past\s+\w+|"
    rf"tonight|tomorrow|this\s+(?:morning|afternoon|evening|weekend)|later\s+today|"
    rf"(?:next|this|on)\s+{_DAYS}|{_DAYS}s?\s+(?:morning|afternoon|evening|night)|"
    rf"in\s+(?:\d+|a\s+few|ten|five|twenty|fifteen|thirty)\s+(?:minutes|mins|hours?))\b",
    re.IGNORECASE,
)
# Going somewhere: the place may come a little later ("heading down to the Co-op").
_LIVE_GOING = re.compile(
    r"(?:\b(?:heading|headed|off)|(?:^\s*|\b(?:i['’]?m|i\s+am|we['’]re|we\s+are)\s+)"
    r"(?:walking|driving|cycling|running|jogging))\s+"
    r"(?:down\s+|over\s+|back\s+|out\s+|up\s+|straight\s+)?(?:to|into|towards)\b|"
    r"\bon\s+(?:my|our)\s+way\b|"
    r"\b(?:just|now)\s+(?:arrived|got\s+to|pulled\s+up|walked\s+in(?:to)?|parked|landed)"
    r"(?:\s+up)?\b|"
    r"\bstuck\s+in\s+traffic\b|\blive\s+from\b|📍",
    re.IGNORECASE,
)
# Being somewhere: the place must follow the cue's preposition ("I'm at the Co-op"), so
# "I'm on the side of residents in Anytown" is not a location.
_LIVE_AT = re.compile(
    r"\b(?:(?:i['’]?m|i\s+am|we['’]re|we\s+are)\s+(?:now\s+|currently\s+|just\s+|still\s+|here\s+)?|"
    r"(?:sat|sitting|standing|waiting|queuing|queueing|parked|stuck)\s+|"
    r"here\s+|arrived\s+)(?=(?:at|in|outside|inside|near|by|on)\b)",
    re.IGNORECASE,
)
# Out doing something, said as it happens: counts with "now" or "today" and nothing past.
_OUT_DOING = re.compile(
    r"\bout\s+(?:and\s+about|canvassing|campaigning|leafleting|door[- ]?knocking|"
    r"knocking\s+(?:on\s+)?doors)\b",
    re.IGNORECASE,
)
_TODAY = re.compile(r"\b(?:today|this\s+(?:morning|afternoon|evening))\b", re.IGNORECASE)
# "We live on Beech Grove now" is about a home, not about where someone is at the moment.
_RESIDENCE = re.compile(r"\b(?:live|lives|living|moved|move)\b", re.IGNORECASE)
_NOW = re.compile(
    r"\b(?:right\s+now|currently|at\s+the\s+moment|atm|as\s+we\s+speak)\b|"
    r"\bnow\b(?=\s*(?:[.!?,;:)]|$|[^\w\s]))",
    re.IGNORECASE,
)
_FIRST_PERSON = re.compile(r"\b(?:i|me|my|we|us|our)\b", re.IGNORECASE)
_PLAN = re.compile(
    r"\b(?:i['’]?ll\s+be|i\s+will\s+be|we['’]?ll\s+be|we\s+will\s+be|i['’]?m\s+going\s+to\s+be|"
    r"i\s+am\s+going\s+to\s+be|i['’]?m\s+(?:going|heading|popping)|we['’]re\s+(?:going|heading)|"
    r"join\s+(?:me|us)|come\s+and\s+(?:see|meet|say\s+hello\s+to|find)\s+(?:me|us)|"
    r"(?:see|meet)\s+you\s+(?:at|in|outside)|find\s+(?:me|us)|meet\s+(?:me|us)|"
    r"pop\s+(?:along|by|down)|drop\s+by|come\s+(?:along|down)|i['’]?ll\s+be\s+popping)\b",
    re.IGNORECASE,
)
_ROUTINE_FIRM = re.compile(
    rf"\b(?:every|each)\s+(?:single\s+|other\s+)?(?:morning|afternoon|evening|night|"
    rf"weekday|weekend|{_DAYS})s?\b|"
    rf"\b(?:on\s+)?{_DAYS}s\b|\bweekends\b|"
    rf"\bmost\s+(?:days|mornings|evenings|nights|weekends)\b|"
    rf"\bmy\s+(?:usual|regular|daily|weekly|morning|evening|{_DAYS})\s+"
    rf"(?:run|walk|jog|swim|shop|coffee|commute|train|bus|pint|routine|gym)\b|"
    rf"\bthe\s+school\s+run\b",
    re.IGNORECASE,
)
_ROUTINE_SOFT = re.compile(
    r"\b(?:usually|always|normally|often|regularly|typically|daily|weekly|fortnightly)\b|"
    r"\b(?:every|each)\s+(?:single\s+|other\s+)?(?:day|week|fortnight|month)\b",
    re.IGNORECASE,
)
_PAST = re.compile(
    r"\b(?:yesterday|last\s+(?:night|week|weekend|month|year|\w+day)|earlier\s+today|"
    r"(?:was|were|been|visited|met|had|enjoyed|went|spent|joined|attended)\b|"
    r"(?:great|good|lovely|fantastic|brilliant|wonderful|pleasure|honoured|proud|delighted)"
    r"\s+to\s+(?:visit|meet|see|be|join|have\s+been|drop)|"
    r"thank(?:s|\s+you)\s+(?:to|for))",
    re.IGNORECASE,
)
# A private-list entry that names a place rather than a person ("Hillside Primary").
_PLACE_NAME = re.compile(
    rf"\b(?:School|Primary|Academy|Nursery|College|High|Club|Church|Gym|{STREET_TYPES})\b",
    re.IGNORECASE,
)
_PIN = re.compile(r"📍\s*[^\s,.!?;]+(?:\s+[A-Z][\w'’&-]*){0,4}")
# A live cue and its place must be close: "I'm on the side of people in Anytown" is not
# a location.
_LIVE_AFTER = 60
_LIVE_BEFORE = 40
# A full stop inside "3.15pm" or "St.Albans" does not end a sentence.
_SENTENCE = re.compile(r"(?:[^.!?\n;]|[.!?](?=[^\s.!?]))+(?:[.!?;]+|\n|$)")

DETAIL_LIVE = (
    "This says where you are, or are going, right now ({quoted}). Anyone reading it knows "
    "where to find you. Post about a place after you have left it."
)
DETAIL_PLAN = (
    "This tells people where you will be and when ({quoted}). Post about it after the event "
    "instead, or ask people to book through the office."
)
DETAIL_ROUTINE = (
    "This describes a regular pattern ({quoted}). A routine tells someone where and when to "
    "wait; leave out the day and time, or the place."
)


@dataclass(frozen=True, slots=True)
class _Sentence:
    start: int
    text: str


def _sentences(text: str) -> Iterator[_Sentence]:
    for match in _SENTENCE.finditer(text):
        if match.group(0).strip():
            yield _Sentence(match.start(), match.group(0))


def _places(
    text: str, sentence: _Sentence, earlier: Sequence[PrivacyFinding]
) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for match in _PLACE.finditer(sentence.text):
        name = match.group("name")
        if name[0].isupper() and _NOT_PLACES.match(name):
            continue
        # "sitting on the Supreme Court", "we are on Top": "on" needs a street or a place word.
        if match.group(0)[:3].lower() == "on ":
            after_the = match.group(0)[3:].lstrip().lower().startswith("the ")
            if not _WORD_PLACE.search(name) and (after_the or not _STREET_PLACE.search(name)):
                continue
        spans.append((sentence.start + match.start(), sentence.start + match.end()))
    for match in _PIN.finditer(sentence.text):
        spans.append((sentence.start + match.start(), sentence.start + match.end()))
    end = sentence.start + len(sentence.text)
    for finding in earlier:
        if not sentence.start <= finding.span[0] < end:
            continue
        if finding.kind in (ADDRESS, POSTCODE) or (
            finding.kind == PRIVATE_PERSON and _PLACE_NAME.search(text[slice(*finding.span)])
        ):
            spans.append(finding.span)
    return spans


def _addresses(sentence: _Sentence, earlier: Sequence[PrivacyFinding]) -> list[tuple[int, int]]:
    end = sentence.start + len(sentence.text)
    return [
        f.span
        for f in earlier
        if f.kind in (ADDRESS, POSTCODE) and sentence.start <= f.span[0] < end
    ]


def _cover(spans: Sequence[tuple[int, int]]) -> tuple[int, int]:
    return min(s for s, _ in spans), max(e for _, e in spans)


def _finding(
    text: str, kind: str, template: str, severity: Severity, spans: list[tuple[int, int]]
) -> PrivacyFinding:
    span = _cover(spans)
    detail = template.format(quoted=f"“{quote(text[span[0] : span[1]], 80)}”")
    return PrivacyFinding(kind, span, detail, severity)


def _spans(sentence: _Sentence, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
    return [
        (sentence.start + m.start(), sentence.start + m.end())
        for m in pattern.finditer(sentence.text)
    ]


def _near(cue: tuple[int, int], places: Sequence[tuple[int, int]]) -> bool:
    return any(-_LIVE_BEFORE <= start - cue[0] <= _LIVE_AFTER for start, _ in places)


def _follows(cue: tuple[int, int], places: Sequence[tuple[int, int]]) -> bool:
    return any(start == cue[1] for start, _ in places)


def _by_sentence(
    sentences: Sequence[_Sentence], earlier: Sequence[PrivacyFinding]
) -> list[list[PrivacyFinding]]:
    """Earlier findings grouped by the sentence they start in (one pass, not one per sentence)."""
    starts = [sentence.start for sentence in sentences]
    groups: list[list[PrivacyFinding]] = [[] for _ in sentences]
    for finding in earlier:
        at = bisect_right(starts, finding.span[0]) - 1
        if at >= 0:
            groups[at].append(finding)
    return groups


def detect(text: str, context: ScanContext) -> Iterator[PrivacyFinding]:
    sentences = list(_sentences(text))
    for sentence, earlier in zip(sentences, _by_sentence(sentences, context.earlier), strict=True):
        places = _places(text, sentence, earlier)
        if not places:
            continue
        addresses = _addresses(sentence, earlier)
        # "from 8 Windsor Gardens" is a house number, not a time.
        times = [
            t
            for t in _spans(sentence, _TIME)
            if not any(a[0] < t[1] and t[0] < a[1] for a in addresses)
        ]
        routine = _spans(sentence, _ROUTINE_FIRM)
        if not routine and times:
            routine = _spans(sentence, _ROUTINE_SOFT)
        if routine:
            yield _finding(text, ROUTINE, DETAIL_ROUTINE, Severity.HIGH, routine + places + times)
        past = bool(_PAST.search(sentence.text))
        live = [cue for cue in _spans(sentence, _LIVE_GOING) if _near(cue, places)]
        live += [cue for cue in _spans(sentence, _LIVE_AT) if _follows(cue, places)]
        now = _spans(sentence, _NOW)
        if now and not past and not _RESIDENCE.search(sentence.text):
            # "We're at ... now", or a status update that starts with the place.
            opens = sentence.start + len(sentence.text) - len(sentence.text.lstrip())
            if _FIRST_PERSON.search(sentence.text) or any(s == opens for s, _ in places):
                live += now
        if not past and (now or _spans(sentence, _TODAY)):
            live += [cue for cue in _spans(sentence, _OUT_DOING) if _near(cue, places)]
        if live and not routine:
            # With a routine, "I'm at the quiz every Wednesday" is a habit, not a location now.
            yield _finding(text, LIVE_LOCATION, DETAIL_LIVE, Severity.HIGH, live + now + places)
            continue
        plan = _spans(sentence, _PLAN)
        if plan and times and not routine:
            yield _finding(text, LIVE_LOCATION, DETAIL_PLAN, Severity.MEDIUM, plan + places + times)
            continue
        if addresses and times and not past and not routine:
            # A time at a street address: where people (likely you) will be, and when.
            yield _finding(text, LIVE_LOCATION, DETAIL_PLAN, Severity.MEDIUM, addresses + times)
