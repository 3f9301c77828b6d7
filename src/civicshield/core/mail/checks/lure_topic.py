"""What the email is about: the handful of topics that nearly all scam mail is about.

Crypto "opportunities", prizes and vouchers, dating, miracle cures and pre-approved credit
are the bait of bulk scams in every language they arrive in. An office does get genuine mail on
these topics (a constituent's raffle, a briefing on crypto regulation), so a topic is only a
finding when the subject line uses the bait or the body uses it at least twice, and a topic
alone never makes an email ``phishing`` (see scoring.py).
"""

from __future__ import annotations

import re

from civicshield.core.findings import Severity
from civicshield.core.mail.checks.base import Check, CheckContext, Hit
from civicshield.core.mail.parse import ParsedMail
from civicshield.core.mail.text import fold

MAX_CHARS = 10_000
BODY_MATCHES = 2
"""Distinct bait phrases the body needs (one in the subject line is enough)."""

TOPICS: dict[str, re.Pattern[str]] = {
    "crypto": re.compile(
        r"\b(bitcoin|btc|ethereum|steth|usdt|tether|xrp|xlm|solana|crypto(?:currency)?|"
        r"stak(?:e|ing) (?:your|rewards?)|staking|airdrop|nft|mint(?:ing)? (?:your|now|for free)|"
        r"(?:claim|withdraw) your (?:\w+ )?(?:tokens?|coins?|rewards?|funds|balance|assets)|"
        r"seed phrase|recovery phrase|(?:your )?wallet|yields?|apy|mining balance|"
        r"blockchain|token(?:s)? (?:sale|launch|presale))\b"
    ),
    "prize": re.compile(
        r"\b(you(?:'ve| have) (?:won|been (?:selected|chosen))|winner|jackpot|free spins|"
        r"sweepstakes?|giveaway|gift ?cards?|vouchers?|coupon|(?:cash|grand) prizes?|"
        r"congratulations|congrats|claim your|enter to win|win (?:a|an|the|\$|£|€)|"
        r"no deposit|casino|bonus|gutschein|gewinn(?:en|spiel)?|gratulieren|ausgew[aä]hlt|"
        r"bon d'achat|gagn(?:ez|er|[ée])|cadeau|f[ée]licitations|pr[eê]mio|ganhou|sorteio|"
        r"parab[eé]ns|premio|ganaste|sorteo|felicidades|prijs|gewonnen|winnaar|cadeaubon)\b"
    ),
    "dating": re.compile(
        r"\b((?:hot|lonely|single|beautiful|ukrainian|russian|asian|local) (?:girls?|women|"
        r"ladies|singles|brides?|beauties|wom[ae]n)|singles? (?:in|near) your|meet (?:hot |"
        r"beautiful |lonely )?(?:singles|women|girls)|dating|hookup|sex ?dates?|nackte|"
        r"geile|singles|meisjes|schoonheden|daten|rencontre[rz]?|c[ée]libataires|"
        r"namoro|solteir[ao]s|citas|mujeres|privébericht|like your photo)\b"
    ),
    "health": re.compile(
        r"\b(weight ?loss|lose (?:\d+ )?(?:pounds|lbs|kg|weight|belly fat)|belly fat|"
        r"fat[- ]burn\w*|keto|joint (?:pain|health)|blood sugar|viagra|cialis|erectile|"
        r"miracle (?:cure|pill)|hearing (?:loss|aids?)|tinnitus|gewichtsverlust|abnehmen|"
        r"emagrecer|perder peso|afvallen|maigrir|ritual)\b"
    ),
    "credit": re.compile(
        r"\b((?:pre-?)?approved (?:for )?(?:a |an |your )?(?:loan|credit|visa|card|mortgage)|"
        r"instant approval|(?:gold|platinum) (?:visa|card|mastercard)|un-?secured (?:\w+ )?"
        r"(?:loan|card)|credit limit|bad credit|payday loan|loan offer|"
        r"empr[eé]stimo|pr[eé]stamo|kredit ohne|cr[ée]dit imm[ée]diat)\b"
    ),
    "advance_fee": re.compile(
        r"\b(donation (?:fund|of)|next of kin|inheritance|beneficiary|late client|"
        r"(?:business|investment) (?:proposal|collaboration|opportunity|partner)|"
        r"compensation (?:fund|payment)|consignment|unclaimed (?:fund|funds|sum)|"
        r"us\$ ?\d|barrister|atm card|fund transfer|transfer of (?:the )?funds)\b"
    ),
    "job": re.compile(
        r"\b(part[- ]time (?:job|work|position)|work from home|remote (?:job|position) offer|"
        r"earn (?:up to )?(?:\$|£|€)\s?\d+|(?:\$|£|€)\s?\d+ (?:per|a) (?:day|hour|week)|"
        r"job offer|no experience (?:needed|required)|flexible hours and high pay)\b"
    ),
    "scareware": re.compile(
        r"\b((?:\d+ )?virus(?:es)? (?:detected|found)|(?:your )?(?:device|computer|pc|phone) "
        r"(?:is|may be|has been) (?:infected|vulnerable|at risk|hacked|compromised)|"
        r"(?:antivirus|protection|subscription) (?:has )?expired|virussen|"
        r"ihr (?:ger[aä]t|computer) (?:ist|wurde) infiziert)\b"
    ),
}

_WHAT = {
    "crypto": "a crypto-currency \u201copportunity\u201d (rewards, staking, tokens, wallets)",
    "prize": "a prize, voucher or bonus",
    "dating": "dating or meeting women",
    "health": "a miracle cure or diet",
    "credit": "a loan or credit card you are already \u201capproved\u201d for",
    "advance_fee": "a fortune waiting for you (an inheritance, a donation, a business deal)",
    "job": "easy money from a job you did not apply for",
    "scareware": "a virus or danger on your device",
}


class LureTopicCheck(Check):
    """One feature per bait topic found in the subject line or (twice) in the body."""

    name = "lure_topic"

    def run(self, mail: ParsedMail, context: CheckContext) -> list[Hit]:
        # "Your_transfer_0.7495_BTC": underscores for spaces keep words from filters' view.
        subject = fold(mail.subject.replace("_", " "))
        body = fold(mail.body_text[:MAX_CHARS])
        hits: list[Hit] = []
        for topic, pattern in TOPICS.items():
            in_subject = pattern.search(subject)
            in_body = {m.group(0) for m in pattern.finditer(body)}
            if not in_subject and len(in_body) < BODY_MATCHES:
                continue
            example = in_subject.group(0) if in_subject else sorted(in_body)[0]
            hits.append(
                Hit(
                    f"lure_topic.{topic}",
                    Severity.LOW,
                    f"The email is about {_WHAT[topic]} (\u201c{example}\u201d), the bait of most "
                    "scam mail. Do not reply, click or pay on the strength of this email.",
                )
            )
        return hits
