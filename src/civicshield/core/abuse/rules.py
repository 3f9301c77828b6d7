# ruff: noqa: E501 - pattern tables: long regex alternations read better unbroken
"""Hand-written patterns for what a model learns badly: threats, doxxing, slurs, scams.

Every pattern runs over the normalised text (see ``normalise.py``) except the doxxing
details (phone numbers, postcodes, street addresses), which are read from the original.
Each hit is then checked for negation ("I would never hurt you") and counter-speech
("calling her a ... is disgusting", a quoted threat being reported), and such hits are
kept but marked, so they do not make a message abusive.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from civicshield.core.findings import Severity

_VOWELS = "aeiou"


def fz(word: str) -> str:
    """A forgiving regex for one word: repeated letters, masked vowels (f*ck), doubled letters."""
    out: list[str] = []
    previous = ""
    for ch in word:
        if ch == previous and ch.isalpha():
            if ch not in _VOWELS:
                out[-1] = f"{ch}{{2,}}"
            continue
        previous = ch
        if ch == " ":
            out.append(r"[\s\-_]*")
        elif ch in _VOWELS:
            out.append(f"[{ch}*]+")
        elif ch.isalpha():
            out.append(f"{ch}+")
        else:
            out.append(re.escape(ch))
    return "".join(out)


def words(*items: str, suffix: str = "") -> str:
    """An alternation of forgiving words, longest first, each with an optional suffix group."""
    body = "|".join(fz(w) for w in sorted(items, key=len, reverse=True))
    return f"(?:{body}){suffix}"


# --- threats --------------------------------------------------------------------------

_VERBS = words(
    "kill",
    "murder",
    "shoot",
    "shot",
    "stab",
    "hang",
    "lynch",
    "behead",
    "strangle",
    "burn",
    "bomb",
    "gas",
    "batter",
    "hurt",
    "harm",
    "rape",
    "slaughter",
    "butcher",
    "execute",
    "torture",
    "maim",
    "choke",
    "drown",
    "gut",
    "punch",
    "kick",
    "bash",
    "knife",
    "shank",
    "slap",
    "decapitate",
    "mutilate",
    "assault",
    "attack",
    "beat up",
    "beat",
    "run over",
    "string up",
    "blow up",
    "firebomb",
    "petrol bomb",
    "acid",
    "smash",
    "slit",
    "bury",
    "glass",
    "whack",
    "waste",
    "snipe",
    "hunt down",
    "break",
    "cut",
    "end",
    "get",
    "find",
    "take out",
    "deal with",
    "sort out",
    "do in",
    "finish off",
    suffix=r"(?:s|es|ed|d|ing|in|ering|ered|ered)?",
)
_STRONG_VERBS = words(
    "kill",
    "murder",
    "shoot",
    "shot",
    "stab",
    "hang",
    "lynch",
    "behead",
    "strangle",
    "burn",
    "bomb",
    "gas",
    "hurt",
    "harm",
    "rape",
    "slaughter",
    "butcher",
    "execute",
    "torture",
    "maim",
    "choke",
    "drown",
    "gut",
    "punch",
    "kick",
    "bash",
    "knife",
    "shank",
    "slap",
    "decapitate",
    "mutilate",
    "assault",
    "attack",
    "beat up",
    "batter",
    "run over",
    "string up",
    "blow up",
    "firebomb",
    "petrol bomb",
    "acid",
    "slit",
    "bury",
    "snipe",
    "hunt down",
    "take out",
    "finish off",
    "do in",
    suffix=r"(?:s|es|ed|d|ing|in)?",
)
_KIN = r"(?:family|kids?|children|child|wife|husband|partner|mum|mother|mom|dad|father|daughters?|sons?|sister|brother|baby|babies|parents|staff|grandchildren)"
_TARGET = (
    r"(?:you|u|ya|yah|yer|yourself|urself|yourselves|him|her|them|"
    rf"(?:your|ur|his|her|their|yer)\s+(?:\w+\s+)?{_KIN}|"
    r"(?:the|that|this|every|our|your|an?)\s+(?:\w+\s+)?(?:mp|councillor|minister|traitors?|bitch|"
    r"bastard|cunt|slag|whore|rat|scum|witch|pig|twat|woman|man|cow|hag|tory|remoaner)|"
    r"(?:this|that)\s+(?:\w+\s+)?(?:beaner|retard|nigga|nigger|faggot|hoe|whore|slut|idiot|moron|prick|dick|"
    r"fool|guy|dude|girl|bitch|bastard|person|paki|tranny|dyke|fag|boy|kid|kiddo)|"
    r"(?:your|ur|his|her|their)\s+(?:\w+\s+)?(?:house|home|office|car|windows|surgery|door|legs?|arms?|neck|"
    r"face|head|jaw|skull|teeth|nose|fingers|kneecaps|throat)|"
    r"traitors?|all of you|(?:every|each) (?:one|last one) of (?:you|them)|the lot of you)"
)
_INTENT = re.compile(
    r"(?:\bi'?ll\b|\bill\b|\bi will\b|\bi'?ma\b|\bimma\b|\bima\b|\bfinna\b|\bmight\b|\bmay\b|\bcould\b|\bi say\b|\bwe should\b|\bi'?m (?:gonna|gunna|going to|about to|coming to)|\bim (?:gonna|gunna|going to|about to|coming to)|"
    r"\bgonna\b|\bgunna\b|\bgoing to\b|\bi'?d\b|\bi would\b|\bi want to\b|\bwanna\b|\bwe'?ll\b|"
    r"\bwe will\b|\bwe'?re (?:gonna|going to|coming to)|\bsome(?:one|body) (?:should|needs to|ought to|will|is going to|has to|must|gonna)|"
    r"\bshould\b|\bdeserves?\b|\bhope\b|\blet'?s\b|\bneeds? to\b|\bmust\b|\bought to\b|\bcan'?t wait to\b|"
    r"\bwould love to\b|\bwill\b|\bi swear\b|\bcoming to\b|\bcome and\b|\bcome to\b|\bwhen i\b|\bif i\b|\buntil i\b|"
    r"\bi'?m going\b|\btime to\b|\bready to\b|\bplan to\b|\bgo and\b|\bgo\b|\bjust\b|\btry to\b|\bwait till i\b)[^.!?\n]{0,40}$"
)
_START = re.compile(
    r"(?:^|[.!?\n,]|@user)\s*(?:(?:and|now|so|pls|please|just|somebody|someone|go|then)\s+){0,4}$"
)

_HARMLESS_AFTER = re.compile(
    r"\s+(?:out|off|back|elected|re-?elected|removed|voted|deselected|sacked|fired|a|an|some|the|help|home|"
    r"right|wrong|on|in|through|over|to|into|from|with|more|all|answers?|reply|replies)\b"
)
_DIRECT = re.compile(
    rf"\b(?P<verb>{_VERBS})\s+(?:(?:the\s+)?(?:fuck|shit|hell|crap|living daylights)\s+out\s+of\s+)?{_TARGET}\b"
)
_PASSIVE = re.compile(
    rf"\b(?:you|u|ya|he|she|they|him|her|them|traitors?|mps?|the mp|this mp|that mp|every \w+|all of them|people like you|people like (?:him|her))\s+"
    rf"(?:\w+\s+)?(?:should|shall|must|will|gonna|need to|needs to|ought to|deserves? to|are going to|is going to|want to)\s+(?:be|get|got)\s+(?:\w+\s+)?"
    rf"(?:{_STRONG_VERBS}|killed|shot|hanged|hung|stabbed|raped|beheaded|lynched|murdered|executed|strung up|taken out|put down|done in|burnt|burned|gassed)\b"
)
_DEATH_WISH = re.compile(
    r"\b(?:(?:i\s+)?(?:hope|wish|pray)\s+(?:you|u|he|she|they|your \w+)\s+(?:\w+\s+)?(?:dies?|die|rots?|burns?|chokes?|gets? (?:cancer|killed|shot|stabbed|raped|hit by)|drops? dead|suffers?)|"
    r"(?:you|u|ya)\s+(?:should|deserve to|will|are going to|are gonna|gonna|need to|must|better|'?ll|r gonna)\s+(?:\w+\s+)?die|"
    r"\bdie\s+(?:in a (?:fire|ditch|hole)|slow|slowly|painfully|you|u|bitch|cunt|traitor|scum|already|hoe|whore|slut|"
    r"bastard|pig|screaming)|(?:bitch|hoe|cunt|traitor|scum|whore|slut|pig|bastard|twat)\s+die\b|\band\s+die\b(?!\s+for)|"
    r"(?:you|u|ya|y'?all|yall|he|she|they|\w+s)\s+(?:\w+\s+){0,2}?(?:should|need to|needs to|deserve to|deserves to|"
    r"gotta|got to|have to|has to|must|better)\s+die\b|\bdeserves?\s+to\s+die\b|"
    r"string\s+(?:you|u|him|her|them)\s+up|put\s+(?:you|u|him|her)\s+(?:in the ground|six feet under|in a (?:box|coffin|grave))|"
    r"(?:put|stick)\s+a\s+(?:bullet|knife|blade)\s+in\s+(?:you|u|him|her|your)|throw\s+acid|"
    r"(?:your|ur)\s+(?:\w+\s+)?(?:kids?|children|family|wife|husband|daughter|son)\s+(?:will be|are|is|'?re)\s+next|"
    r"(?:you'?re|you are|ur|u r)\s+next\b|"
    r"\bgo\s+(?:and\s+)?die\b|\bdrop dead\b|(?:you'?re|you are|ur|youre|u r|your) (?:a )?dead(?: (?:wo)?man| meat)?\b(?! (?:to|wrong|right|on|set|serious|tired|boring|center|centre|heat|end|weight|certain|ringer))|"
    r"\bdead (?:wo)?man walking\b|\bk+y+s+\b|\bkill\s+(?:yo)?u?r\s*self\b|\bkill\s+yourself\b|\bneck\s+yourself\b|\b(?:go\s+)?hang\s+your\s*self\b|\brope\s+yourself\b|"
    r"\b(?:your|ur) (?:days are numbered|time is (?:up|coming|running out)|card is marked)|\bcount (?:your|ur) days\b)"
)
_VEILED = re.compile(
    r"\b(?:(?:(?:i|we|they|people|everyone|some of us|someone|u|ya)\s+(?:\w+\s+)?)?knows?\s+where\s+(?:you|u|ur|your\s+\w+|she|he|they|her|his|their \w+)\s*(?:live|lives|living|sleep|sleeps|work|works|are|is|go|goes|park|walk|drop)|"
    r"know\s+(?:where|which school)\s+(?:your|ur|her|his)\s+(?:\w+\s+)?" + _KIN + r"|"
    r"watch\s+(?:your|ur|yer)\s+back|"
    r"(?:you'?ll|you will|u'?ll|you'?re going to|you are going to|you gonna|gonna|will)\s+(?:\w+\s+)?end\s+up\s+(?:like|the same as|same as)\s+(?:jo\s+cox|david\s+amess|amess|cox|\w+\s+\w+)|"
    r"end\s+up\s+like\s+(?:jo\s+cox|david\s+amess|amess)|(?:another|next|do a|doing a|the same as|what happened to|remember)\s+(?:jo\s+cox|david\s+amess)|"
    r"(?:jo\s+cox|david\s+amess)\s+(?:treatment|style|moment|got what)|"
    r"sleep\s+with\s+one\s+eye\s+open|(?:get|getting|got)\s+what'?s\s+coming|"
    r"what(?:'?s| is)\s+coming\s+(?:to|for)\s+(?:you|u|her|him)|"
    r"something\s+(?:bad|nasty|terrible|unfortunate)?\s*(?:will|is going to|is gonna|might|could)\s+happen\s+to\s+(?:you|u|your|her|him|them)|"
    r"(?:would\s+be\s+a\s+)?shame\s+if\s+(?:something|anything)\s+(?:\w+\s+)?happened\s+to|"
    r"accidents\s+(?:happen|can happen)|(?:shame|pity)\s+if\s+(?:it|something|anything|your\s+\w+)\s+(?:\w+\s+)?"
    r"(?:caught fire|burn|burned|burnt|happened|went up|got hurt)|"
    r"(?:coming|come|visit|see you|waiting|find you|turn up|pop round)[^.!?]{0,50}\bwith\s+(?:a|my|some)\s+(?:knife|gun|"
    r"bat|baseball bat|axe|machete|blade|crossbow|hammer|acid|petrol|shotgun|rope)|"
    r"(?:you|u)\s+won'?t\s+(?:be\s+(?:safe|around|smiling|laughing|breathing|alive)|see\s+(?:it|us|me)\s+coming|see\s+(?:christmas|next year|the next election)|live\s+(?:long|to))|"
    r"(?:you'?ll|you will|u'?ll)\s+never\s+see\s+(?:it|us|me)\s+coming|"
    r"(?:we'?re|we are|i'?m|i am|im|they'?re|they are)\s+coming\s+for\s+(?:you|u|ya|your\s+\w+)|"
    r"(?:you'?ll|you will|u'?ll|you'?re going to|you are going to|gonna)\s+pay\s+for\s+(?:this|that|it|what)|"
    r"(?:you'?ve|you have)\s+been\s+warned|(?:this is your|final|last)\s+warning|"
    r"be\s+careful\s+(?:when|where|walking|going|on your way|leaving|out there|at night|who)|"
    r"i'?ll\s+be\s+waiting\s+(?:for\s+(?:you|u)\s+)?(?:outside|at|near|by)|waiting\s+(?:for\s+(?:you|u)\s+)?outside\s+(?:your|ur)|"
    r"(?:your|ur)\s+"
    + _KIN
    + r"\s+(?:aren'?t|are not|isn'?t|is not|won'?t be|will not be|aren'?t going to be)\s+safe|"
    r"(?:you|u)\s*(?:'?re|are|r)\s+not\s+safe|(?:you'?re|you are|ur)\s+(?:never|nowhere)\s+safe|"
    r"(?:there\s+will|there'?ll)\s+be\s+(?:blood|consequences|a reckoning)|"
    r"(?:nice|lovely|pretty|cute)\s+(?:house|home|car|family|kids|children|daughter|wife|school)[^.!?]{0,40}(?:shame|pity|careful|safe|happen|burn|fire|accident)|"
    r"(?:hope|hoping)\s+(?:your|ur)\s+(?:house|home|office|car)\s+(?:burns|gets burned|catches fire|gets? (?:bombed|torched|attacked))|"
    r"(?:noose|rope|gallows|guillotine|lamppost|lamp post|bullet|pitchfork)s?\s+(?:is\s+|are\s+)?(?:waiting|ready|for|with\s+(?:your|ur)\s+name)|"
    r"(?:traitors?|remoaners?|you)\s+(?:will|shall|should|must)\s+hang|hang\s+(?:all\s+)?(?:the\s+)?traitors|death\s+to\s+(?:traitors|you|the\s+mp|all\s+\w+)|"
    r"see\s+you\s+soon\s+(?:\w+\s+)?(?:knife|gun|bomb|coffin|grave|skull|axe|blood|noose)|"
    r"(?:we|i)\s+(?:are|am|'?re|'?m)\s+watching\s+(?:you|u|your)|(?:i|we)\s+(?:\w+\s+)?(?:followed|follow|following)\s+(?:you|u|your \w+)\s+home)"
)
_THREAT_EMOJI = re.compile(
    r"(?:knife|gun|bomb|coffin|grave|axe|noose)\s+(?:(?:knife|gun|bomb|coffin|grave|skull|axe|noose|blood)\s+){0,6}"
    r"(?:(?:for\s+)?(?:you|u|soon|coming|tonight|traitor|see you|see u))|(?:you|u|coming|soon|traitor|wait)\s+(?:\w+\s+)?(?:knife|gun|bomb|coffin|grave|axe|noose)"
)

# --- hate ------------------------------------------------------------------------------

_GROUP = (
    r"(?:muslims?|moslems?|mu[sz]+lims?|mo[sz]+lems?|muzz(?:ie|y|ies)|islam|jew[sz]?|jewish (?:people|folk)|blacks|black (?:people|folk|women|men)|"
    r"(?:im|e)?migrants?|refugees?|asylum seekers?|foreigners?|gays?|gay (?:people|men|women)|lesbians?|homosexuals?|"
    r"bisexuals?|trans(?:gender)? (?:people|women|men|folk|kids)|trannies|transgenders?|women|woman|females|girls|"
    r"disabled (?:people|folk)|the disabled|cripples|retards|gypsies|gipsies|travellers|roma|pakis|asians|pakistanis|"
    r"indians|africans|arabs|mexicans|chinese|hindus|sikhs|catholics|christians|jewish|nonwhites|non-whites|"
    r"poles|romanians|somalis|syrians|afghans|albanians|feminists|queers|fags|faggots|dykes|niggers|kikes|"
    r"wogs|chinks|spics|n[i*]gg[e*]rs|these people|those people|their kind|your kind|them lot)"
)
_GROUP_NOUNS = (
    r"(?:vermin|animals|rats|parasites|cockroaches|roaches|scum|sub-?human|subhumans|a disease|diseased|a plague|filth|filthy|savages|"
    r"terrorists|rapists|paedos|pedos|paedophiles|inferior|disgusting|trash|garbage|a cancer|cancer|invaders|criminals|pests|"
    r"apes|monkeys|dogs|pigs|mentally ill|an abomination|abominations|evil|sick|perverts|degenerates|groomers|"
    r"less than human|not human|not people|a virus|infestation|an infestation|leeches|freaks|property|worthless|useless eaters|"
    r"a drain|a burden|burdens|scroungers|a waste)"
)
GROUP_NEGATED = re.compile(
    rf"\b{_GROUP}\s+(?:are|is|were|was)\s+(?:not|never|no)\b|\b{_GROUP}\s+(?:aren'?t|isn'?t|weren'?t|wasn'?t)\b|"
    rf"\b(?:don'?t|do not|never|doesn'?t)\s+(?:hate|despise|blame|fear)\s+(?:\w+\s+)?{_GROUP}"
)
_HATE_PATTERNS = re.compile(
    rf"\b{_GROUP}\s+(?:are|r|is|were)\s+(?:all\s+|just\s+|nothing but\s+|literally\s+|fucking\s+|such\s+){{0,4}}(?!not\b|never\b|no\b)(?:\w+\s+)?{_GROUP_NOUNS}\b|"
    rf"\b(?:kill|deport|gas|exterminate|shoot|hang|burn|get rid of|wipe out|eradicate|ban|remove|purge|lynch|cleanse|sterilise|sterilize|round up|send back)\s+"
    rf"(?:all\s+)?(?:of\s+)?(?:the\s+|these\s+|those\s+|them\s+)?(?:fucking\s+|filthy\s+|dirty\s+|bloody\s+)?{_GROUP}\b|"
    rf"\b{_GROUP}\s+(?:should|must|need to|needs to|deserve to|ought to|have to)\s+(?:all\s+)?(?:die|be (?:killed|shot|hanged|hung|gassed|exterminated|deported|wiped out|burned|burnt|locked up|sterilised|sterilized|banned|removed|lynched|put down)|go back|get out|leave|not exist|not be allowed)|"
    rf"\bi\s+(?:fucking\s+|really\s+|just\s+)?(?:hate|despise|loathe|detest|can'?t stand)\s+(?:all\s+)?(?:the\s+)?{_GROUP}\b|"
    rf"\b(?:death to|no more|fuck|f\*ck|fuck all|fuck the|fuck off)\s+(?:all\s+)?(?:the\s+)?{_GROUP}\b|"
    rf"\b(?:typical|bloody|fucking|filthy|dirty|stinking|smelly)\s+{_GROUP}\b|"
    rf"\bgo\s+back\s+to\s+(?:your|ur|where|africa|pakistan|poland|the jungle|the desert|your own|ur own)\b|"
    rf"\b{_GROUP}\s+(?:don'?t|do not|doesn'?t|does not)\s+belong|\b{_GROUP}\s+(?:can'?t|cannot)\s+be\s+trusted|"
    rf"\b{_GROUP}\s+(?:aren'?t|are not)\s+(?:real\s+)?(?:people|human|humans|women|men)\b|"
    rf"\b(?:women|females|girls)\s+(?:belong in the kitchen|should (?:stay|be) in the kitchen|are (?:only )?good for|should shut up|shouldn'?t (?:vote|be allowed|have rights|work))|"
    rf"\b(?:it|that thing|a man in a dress|men in dresses)\s+(?:is|are)\s+not\s+a\s+(?:real\s+)?woman|\bmen in (?:dresses|wigs)\b|"
    rf"\bsend\s+(?:them|em|the lot)\s+(?:all\s+)?back\b|\bi\s+hate\s+(?:immigrants|gays|jews|muslims|women|blacks)"
)
_SLURS = re.compile(
    r"\b(?:"
    + "|".join(
        [
            r"n+[i1!*]+g+[e3a*]+r+s?",
            r"n+[i1!*]+g+[e3*]*r+[o0]+s?",
            r"sand\s*n+[i1*]+g+[e*]+r+s?",
            r"c+[o0]+[o0]+n+s?",
            r"p+[a@*]+k+[i1*]+s?",
            r"ch+[i1*]+n+k+s?",
            r"g+[o0*]+[o0*]+k+s?",
            r"sp+[i1*]+c+s?",
            r"w+[e3*]+tb+[a@*]+c+k+s?",
            r"k+[i1y*]+k+[e3*]+s?",
            r"r+[a@*]+g+h+[e3*]+[a@*]+d+s?",
            r"t+[o0*]+w+[e3*]+l+h+[e3*]+[a@*]+d+s?",
            r"w+[o0*]+g+s?",
            r"g+[o0]+l+l+[i1y]+w+[o0]+g+s?",
            r"j+u+n+g+l+e\s*b+u+n+n+(?:y|ies)",
            r"g+[yi]+pp?[o0]+s?",
            r"p+[i1*]+k+[e3*]*y+s?",
            r"k+[a@]+f+f+[i1]+r+s?",
            r"m+[uo]+z+z+(?:ie|y|ies|rats?)",
            r"m+[uo]+d+s+l+[i1y]+m+[e3]*s?",
            r"f+[a@*]+g+s?",
            r"f+[a@*]+g+[o0*]+t+s?",
            r"f+[a@*]+g+[g]+[o0*]+t+s?",
            r"p+[o0]+[o0]+f+s?",
            r"p+[o0]+[o0]+f+t+[e3]+r+s?",
            r"b+[a@]+t+y\s*b+[o0]+[iy]+s?",
            r"s+[o0]+d+[o0]+m+[i1]+t+[e3]+s?",
            r"t+r+[a@*]+n+n+(?:y|ie|ies)",
            r"sh+[e3]+m+[a@]+l+[e3]+s?",
            r"t+r+[o0]+[o0]+n+s?",
            r"r+[e3*]+t+[a@*]+r+d+(?:s|ed)?",
            r"sp+[a@]+z+(?:z+[e3]?r)?s?",
            r"sp+[a@]+s+t+[i1]+c+s?",
            r"m+[o0]+n+g+s?",
            r"m+[o0]+n+g+[o0]+l+[o0]+[i1]+d+s?",
            r"d+y+k+[e3]+s?",
            r"h+[o0]+m+[o0]+s?",
            r"tr+[a@]+nn+[yi]e?s?",
            r"f+[e3]+m+[i1]+n+[a@]+z+[i1]+s?",
            r"c+h+r+[i1]+s+t\s*k+[i1]+l+l+[e3]+r+s?",
        ]
    )
    + r")\b"
)
_MILD_SLURS = re.compile(
    r"\b(?:homo|homos|dyke|dykes|mong|mongs|paki|pakis|spaz|poof|poofs|gyppo|gyppos|fag|fags)\b"
)
_RECLAIMED = re.compile(
    r"(?:\bi'?m\s+(?:a\s+)?|\bi am\s+(?:a\s+)?|\bim\s+(?:a\s+)?|\bproud to be\s+(?:a\s+)?|\bwe'?re\s+|\bwe are\s+|\bas\s+an?\s+|\bproud\s+|\bfellow\s+|\bmy\s+fellow\s+|\bus\s+|\bwe\s+|\bour\s+|\bbeing\s+an?\s+|\bcall myself\s+(?:a\s+)?|\bidentify as\s+(?:a\s+)?)(?:\w+\s+){0,3}$"
)
_REPORTED_WORD = re.compile(
    r"(?:\bthe\s+(?:word|term|slur)\s+|\bwords?\s+like\s+|\bslurs?\s+like\s+|\bterms?\s+like\s+|\bsaying\s+|\bsays\s+|\bsaid\s+|\bcalled\s+(?:her|him|them|me|us|you|my \w+)\s+(?:a\s+|an\s+)?|\bcalling\s+(?:her|him|them|me|us|you|people|someone)\s+(?:a\s+|an\s+)?|\buse(?:s|d)?\s+(?:the\s+)?(?:word\s+)?|\bshouted\s+|\bscreamed\s+|\byelled\s+)[\"']?\s*$"
)

# --- sexual ----------------------------------------------------------------------------

_SEXUAL = re.compile(
    r"\b(?:(?:send|show)\s+(?:me\s+|us\s+)?(?:your\s+|ur\s+|some\s+|them\s+)?(?:nudes|tits|titties|boobs|pussy|nipples|ass|arse|naked|bum|body|feet pics)|"
    r"suck\s+(?:my|me|on my)\s*(?:dick|cock|balls|dong|d)?\b|"
    r"(?:i'?d|i would|i'?ll|i will|i want to|i wanna|wanna|gonna|let me|i'?m going to|i'?m gonna|should|gotta|need to|i'd like to)\s+(?:\w+\s+)?(?:fuck|shag|bang|rape|grope|finger|cum on|spank|bend\s+(?:you|her|u)\s+over|rail|smash|ride|screw|fondle|molest|touch)\s+(?:you|u|her|ya|that)|"
    r"(?:you|u|she|her)\s+(?:\w+\s+)?(?:deserves?|needs?|should|want|wants|is asking)\s+(?:to\s+)?(?:be\s+|get\s+)?(?:raped|fucked|groped|gangbanged|molested)|"
    r"(?:nice|great|big|lovely|fat|saggy|perky|huge)\s+(?:tits|boobs|ass|arse|rack|titties|bum|nipples)|"
    r"blow\s*job|hand\s*job|cum\s*slut|cum\s*dump|jizz|deep\s*throat|gang\s*bang|sit\s+on\s+my\s+face|"
    r"(?:my|me)\s+(?:dick|cock|penis)|dick\s*pics?|(?:rape|raping|raped)\s+(?:you|u|her|ya|your)|"
    r"(?:whore|slut|skank|slag|hooker|prostitute|thot|cumslut|hoe)s?|penis\s+cum|"
    r"(?:get|take|strip)\s+(?:your|ur)\s+(?:kit|clothes|knickers|top)\s+off)\b"
)
_SEXUAL_VIOLENCE = re.compile(
    r"\b(?:rape|raped|raping|rapes|molest|molested|gangbang(?:ed)?|sexually assault(?:ed)?)\b"
)

# --- profanity and insults ----------------------------------------------------------------

_PROFANE = re.compile(
    r"\b(?:"
    + words(
        "fuck",
        "motherfuck",
        "shit",
        "bullshit",
        "crap",
        "piss",
        "bollocks",
        "bastard",
        "arse",
        "arsehole",
        "ass",
        "asshole",
        "dick",
        "dickhead",
        "prick",
        "twat",
        "wanker",
        "tosser",
        "bellend",
        "knobhead",
        "knob",
        "cock",
        "cocksucker",
        "cunt",
        "bitch",
        "damn",
        "wtf",
        "stfu",
        "gtfo",
        "fck",
        "fk",
        "fkn",
        "fuk",
        "fuckin",
        "effing",
        "bugger",
        "shite",
        "shitty",
        "dipshit",
        "jackass",
        "douche",
        "douchebag",
        "goddamn",
        "pissed",
        "sod off",
        "bloody hell",
        "feck",
        "frig",
        "friggin",
        "pussy",
        "fucktard",
        "fuckwit",
        "shithead",
        "shitbag",
        "cuntish",
        suffix=r"(?:s|es|er|ers|ed|ing|in|ings|y|ies)?",
    )
    + r")\b"
)
_INSULTS = re.compile(
    r"\b(?:"
    + words(
        "idiot",
        "moron",
        "imbecile",
        "cretin",
        "scum",
        "scumbag",
        "vermin",
        "parasite",
        "maggot",
        "cockroach",
        "subhuman",
        "waste of space",
        "waste of oxygen",
        "worthless",
        "loser",
        "traitor",
        "degenerate",
        "nonce",
        "paedo",
        "pedo",
        "lowlife",
        "dimwit",
        "halfwit",
        "numpty",
        "pillock",
        "plonker",
        "muppet",
        "bimbo",
        "slimeball",
        "scumbucket",
        "piece of shit",
        "dumbass",
        "retard",
        "brainless",
        "nutjob",
        "sack of shit",
        "gobshite",
        "turd",
        "sleazebag",
        suffix=r"(?:s|es)?",
    )
    + r")\b"
)
# Words that insult only when said straight at someone ("you stupid cow"), not about a policy.
_WEAK_INSULT = re.compile(
    r"(?:\byou|\bu|\bur|\byou'?re|\byoure|\bya|\byou are|\bhe'?s|\bshe'?s|\bhe is|\bshe is|\bwhat an?|\bsuch an?|\bshut up|@user)"
    r"\s+(?:[\w']+\s+){0,3}?(?:stupid|dumb|ugly|fat|thick|pathetic|clown|creep|weirdo|psycho|freak|cow|hag|witch|pig|rat|snake|"
    r"filth|trash|garbage|vile|disgusting|evil|useless\s+(?:cunt|twat|prick|bitch|bastard|idiot|lump))s?\b|"
    r"\b(?:is|was|are)\s+(?:an?|such an?|the)\s+(?:[\w']+\s+){0,3}?(?:clown|creep|weirdo|psycho|freak|cow|hag|witch|pig|rat|"
    r"snake|slug|worm|leech|vulture|hyena|slimeball|lunatic|maniac|nutter)s?\b"
)
_PROFANE_NOUN = re.compile(
    r"\b(?:cunt|twat|prick|wanker|bastard|bitch|dickhead|arsehole|asshole|tosser|bellend|knobhead|"
    r"fucker|motherfucker|shithead|dick|cocksucker|fuckwit|fucktard|pussy|douchebag|dipshit|jackass)s?\b"
)
_AT_PERSON = re.compile(
    r"(?:\byou\b|\bu\b|\bur\b|\byour\b|\byou'?re\b|\byoure\b|\bya\b|\byourself\b|@user|^@\w+|"
    r"\b(?:he|she)(?:'?s| is| was)\b|\bthey'?re\b|\bwhat an?\b|\bsuch an?\b|\bhim\b|\bher\b|\bmps?\b|\bminister\b|\bcouncillor\b)"
)
_FUCK_AT = re.compile(
    r"\b(?:fuck|f\*+ck|f\*+k|fk|fck|screw|sod|piss)\s+(?:off|you|u|ya|yourself|urself|him|her|them|out)\b"
)

# --- spam and scams --------------------------------------------------------------------------

_SPAM = re.compile(
    r"\b(?:(?:click|tap)\s+(?:here|the link|this link|below)|claim\s+(?:your|ur)\s+(?:prize|reward|free|gift|bonus)|"
    r"(?:bitcoin|btc|crypto|usdt|ethereum|eth|forex|binary options?|nft)s?\b[^.\n]{0,60}\b(?:invest|profits?|returns?|earn|double|trading|signals)|"
    r"(?:invest|investment|trading)\b[^.\n]{0,40}\b(?:bitcoin|btc|crypto|forex|guaranteed)|"
    r"(?:earn|make)\s+[£$€]?\d[\d,k]*\s*(?:[£$€]|pounds|dollars)?\s*(?:a|per|every)\s+(?:day|week|hour)|"
    r"(?:dm|message|whatsapp|telegram|text)\s+me\s+(?:for|to|now|on whatsapp|on telegram)\b|"
    r"100%\s+(?:free|guaranteed|legit)|free\s+(?:followers|iphone|gift\s*card|money|crypto|bitcoin|giveaway)|"
    r"(?:buy|get|gain)\s+(?:real\s+)?(?:\d+k?\s+)?(?:followers|likes|retweets|subscribers)|"
    r"you(?:'?ve| have)\s+(?:won|been selected|been chosen)|verify\s+your\s+account|account\s+(?:will be|has been)\s+(?:suspended|locked|closed)|"
    r"sugar\s+daddy|(?:hot|lonely|sexy)\s+(?:singles|girls|women|milfs)\s+(?:in\s+your\s+area|near\s+you)|"
    r"(?:check\s+out|visit)\s+my\s+(?:profile|bio|page|onlyfans|channel)|limited\s+(?:time\s+)?offer|act\s+now|"
    r"work\s+from\s+home\s+and\s+earn|recovery\s+(?:expert|hacker|specialist)|recover\s+(?:your\s+)?(?:lost|stolen)\s+(?:funds|crypto|bitcoin))"
)

# --- doxxing: read from the ORIGINAL text ---------------------------------------------------

_PHONE = re.compile(
    r"(?<![\d+])(?:\+44\s?\(?0?\)?\s?7\d{3}|\(?07\d{3}\)?)[\s\-]?\d{3}[\s\-]?\d{3}(?!\d)|"
    r"(?<![\d+])(?:\+44\s?\(?0?\)?\s?|\(?0)(?:1\d{2,4}|2\d)\)?[\s\-]?\d{3,4}[\s\-]?\d{3,4}(?!\d)"
)
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[ABD-HJLNP-UW-Z]{2}\b", re.IGNORECASE)
_STREET = re.compile(
    r"\b\d{1,4}[a-z]?,?\s+(?:[A-Za-z']+\s+){1,3}(?:Road|Rd|Street|St|Avenue|Ave|Lane|Ln|Close|Drive|Dr|Way|"
    r"Crescent|Cres|Grove|Place|Pl|Gardens|Gdns|Terrace|Court|Ct|Mews|Hill|Park|Square|Sq|Row|Walk|Rise|View|Green|Parade)\b",
    re.IGNORECASE,
)
_SCHOOL = re.compile(
    r"\b(?:your|ur|her|his|their|the mp'?s|the councillor'?s)\s+(?:\w+\s+)?(?:kids?|children|child|daughters?|sons?|boys?|girls?|little ones?|grandchildren)\b"
    r"[^.!?\n]{0,50}\b(?:school|primary|academy|nursery|college|high|grammar)\b|"
    r"\b(?:goes|go|attends?|attending|drops? \w+ off at|picks? \w+ up from)\s+(?:to\s+)?(?:[A-Z][\w'.]*\s+){1,4}(?:School|Primary|Academy|Nursery|College|High|Grammar)\b",
    re.IGNORECASE,
)
_DOX_CUE = re.compile(
    r"\b(?:lives?\s+(?:at|in|on)|living\s+at|home\s+address|(?:his|her|your|their|ur|the mp'?s)\s+(?:home|house|address|flat|street|number|mobile|phone|personal)|"
    r"address\s+is|house\s+is|number\s+is|mobile\s+is|phone\s+is|(?:call|ring|text|phone|whatsapp|spam|visit|pay (?:him|her) a visit)\s+(?:him|her|them|the mp|this)|"
    r"here'?s\s+(?:where|his|her|the)|pay\s+a\s+visit|go\s+round|knock\s+on|turn\s+up\s+at|door|doorstep|"
    r"know\s+where|found\s+(?:her|his|your|their)|dox+|this\s+is\s+where)\b",
    re.IGNORECASE,
)

# --- guards ----------------------------------------------------------------------------------

_NEGATION = re.compile(
    r"\b(?:never|not|no\s+one|noone|nobody|no|don'?t|dont|do not|doesn'?t|does not|didn'?t|did not|wouldn'?t|would not|"
    r"won'?t|will not|can'?t|cannot|couldn'?t|could not|shouldn'?t|should not|isn'?t|aren'?t|ain'?t|nor|nothing|"
    r"wasn'?t|weren'?t|stop|refuse to|against)\b"
)
_NEGATED_NEAR = re.compile(_NEGATION.pattern + r"\s+(?:[\w']+\s+){0,3}$")
_NEGATION_EXCEPTIONS = re.compile(
    r"\b(?:can'?t wait|won'?t stop|won'?t rest|won'?t hesitate|not afraid|no problem|not going to lie|no doubt|"
    r"won'?t be long|not long|don'?t worry|dont worry|no matter|not kidding|not joking|never forget|no mercy|"
    r"won'?t be safe|never be safe|not safe|won'?t see|never see|not for long|nothing will stop)\b"
)
_COUNTER_BEFORE = re.compile(
    r"\b(?:threaten(?:ed|ing|s)?|threats?|telling|tell\s+(?:women|men|people|someone)|said|saying|wrote|writes|written|posted|tweeted|messaged|told|tells|telling|called|calling|"
    r"reported|reporting|received|receiving|quot(?:e|ed|ing)|words\s+like|phrases\s+like|messages?\s+(?:like|saying)|"
    r"tweets?\s+(?:like|saying)|comments?\s+(?:like|saying)|accused|claimed|chant(?:ed|ing)|"
    r"shout(?:ed|ing)|scream(?:ed|ing)|yell(?:ed|ing)|sent|sending|sends|someone\s+(?:wrote|said|sent)|condemn\w*|"
    r"the\s+(?:word|words|term|slur|phrase)|if\s+someone\s+says|when\s+(?:people|someone|men|they)\s+(?:say|tell|write)|"
    r"using\s+(?:the\s+)?(?:word|term)|use\s+(?:the\s+)?(?:word|term|slur)|the\s+man\s+who|the\s+person\s+who|a\s+man\s+who|jailed|convicted|charged|sentenced)\b"
)
_COUNTER_AFTER = re.compile(
    r"^[^.!?\n]{0,60}?(?:\bis|\bare|\bwas|\bwere|'s|\bremains?|\bhave|\bhas)\s+(?:\w+\s+)?(?:disgusting|unacceptable|vile|abhorrent|wrong|not ok|not okay|never ok|"
    r"never okay|appalling|sickening|horrible|horrific|a crime|a criminal offence|illegal|not acceptable|hateful|racist|"
    r"sexist|homophobic|transphobic|bigoted|bigotry|hate speech|offensive|not on|out of order|shameful|disgraceful|no place|"
    r"a slur|abuse|harassment|not free speech|why|how|the reason|being investigated|reported)|"
    r"^[^.!?\n]{0,60}?\b(?:should\s+be\s+(?:reported|banned|prosecuted|arrested|ashamed|jailed|charged)|must\s+stop|needs?\s+to\s+stop|"
    r"has\s+no\s+place|have\s+no\s+place|got\s+(?:jailed|arrested|charged|banned)|was\s+(?:jailed|arrested|charged|convicted|sentenced)|"
    r"were\s+(?:jailed|arrested|charged|convicted)|police|reported|report)"
)


# --- cheap gates: a family's regexes only run when a word could start one of its matches ----

_TOKEN = re.compile(r"[a-z0-9*@$']+")
_REPEATS = re.compile(r"(.)\1+")


def _prefixes(*items: str) -> frozenset[str]:
    """Prefixes that any word starting a match must have.

    Plain words by their first four letters, squeezed (``kill`` -> ``kil``); masked words
    (``f*ck``) by a ``*`` and their first three consonants (``*fck``).
    """
    out: set[str] = set()
    for item in items:
        for word in item.split():
            squeezed = _REPEATS.sub(r"\1", word)
            out.add(squeezed[:4])
            masked = _REPEATS.sub(r"\1", squeezed[0] + re.sub("[aeiou]", "", squeezed[1:]))
            out.add("*" + masked[:3])
    return frozenset(out)


def word_stems(text: str) -> frozenset[str]:
    """Every 1- to 4-letter prefix of every word, squeezed; masked words also as ``*`` + consonants."""
    out: set[str] = set()
    for token in _TOKEN.findall(_REPEATS.sub(r"\1", text)):
        token = token.strip("'")
        if "*" in token:
            unmasked = token.replace("*", "")
            if unmasked:
                masked = _REPEATS.sub(r"\1", unmasked[0] + re.sub("[aeiou]", "", unmasked[1:]))
                out.update("*" + masked[:n] for n in (1, 2, 3))
            token = unmasked
        out.update((token[:1], token[:2], token[:3], token[:4]))
    return frozenset(out)


def _gate(stems: frozenset[str], prefixes: frozenset[str]) -> bool:
    return not stems.isdisjoint(prefixes)


_VERB_GATE = _prefixes(
    "kill murder shoot shot stab hang lynch behead strangle burn bomb gas batter hurt harm rape slaughter "
    "butcher execute torture maim choke drown gut punch kick bash knife shank slap decapitate mutilate "
    "assault attack beat run string blow firebomb petrol acid smash slit bury glass whack waste snipe hunt "
    "break cut end get find take deal sort do finish put strung hung taken done burnt gassed"
)
_DEATH_GATE = _prefixes(
    "hope wish pray die dies string put stick throw next drop dead kys kill neck hang rope days time card count"
)
_VEILED_GATE = _prefixes(
    "know knows watch end jo cox amess sleep coming happen happened shame pity accidents wont won't never pay "
    "warned warning careful waiting safe blood consequences reckoning nice lovely pretty cute hope hoping noose "
    "rope gallows guillotine lamppost lamp bullet pitchfork hang death see watching followed follow following"
)
_INSULT_GATE = _prefixes(
    "fuck motherfuck shit bullshit crap piss bollocks bastard arse ass asshole dick prick twat wanker tosser "
    "bellend knob cock cunt bitch damn wtf stfu gtfo fck fk fkn fuk effing bugger shite dipshit jackass douche "
    "goddamn sod bloody feck frig pussy idiot moron imbecile cretin scum vermin parasite maggot cockroach "
    "subhuman waste worthless loser traitor degenerate nonce paedo pedo lowlife dimwit halfwit numpty pillock "
    "plonker muppet bimbo slimeball piece dumbass retard brainless nutjob sack gobshite turd sleazebag stupid "
    "dumb ugly fat thick pathetic clown creep weirdo psycho freak cow hag witch pig rat snake filth trash "
    "garbage vile disgusting evil useless slug worm leech vulture hyena lunatic maniac nutter screw get"
)
_SLUR_GATE = _prefixes(
    "nigger nigga nigro sand coon paki chink gook spic wetback kike kyke raghead towelhead wog golliwog jungle "
    "gyppo gippo pikey kaffir muzzie muzrat mozzie mudslime moslem fag faggot fagot poof poofter batty sodomite "
    "tranny trannie shemale troon retard spaz spastic mong mongoloid dyke homo feminazi christ"
)
_GROUP_GATE = _prefixes(
    "muslim moslem muzlim mozlem muzzie islam jew jewish black immigrant emigrant migrant refugee asylum foreigner gay "
    "lesbian homosexual bisexual trans transgender trannies women woman female girl disabled cripple retard "
    "gypsies gipsies traveller roma paki asian pakistani indian african arab mexican chinese hindu sikh "
    "catholic christian nonwhite non poles romanian somali syrian afghan albanian feminist queer fag faggot "
    "dyke nigger kike wog chink spic people kind lot back dresses men thing hate despise loathe detest stand"
)


@dataclass(frozen=True, slots=True)
class RuleHit:
    """One pattern that matched."""

    label: str
    """The abuse label this pattern supports."""
    start: int
    """Start offset in the normalised text (or the original, when ``in_original``)."""
    end: int
    """End offset, exclusive."""
    severity: Severity
    """How serious this hit is on its own."""
    reason: str
    """Plain-words name of what was found, e.g. "Threat of violence"."""
    guard: str | None = None
    """``"negated"`` or ``"counter-speech"`` when the hit is said not to be meant; else None."""
    in_original: bool = False
    """True when the offsets are already in the original text."""


def _sentence_before(text: str, start: int) -> str:
    window = text[max(0, start - 100) : start]
    for sep in (".", "!", "?", "\n", ";", " but ", ","):
        cut = window.rfind(sep)
        if cut >= 0:
            window = window[cut + len(sep) :]
    return window


def _is_quoted(text: str, start: int, end: int) -> bool:
    before, after = text[:start], text[end:]
    if before.lstrip().startswith('"@user:'):
        before = before.lstrip()[1:]  # a quoted retweet, not a quotation
    if before.count('"') % 2 == 1 and '"' in after:
        return True
    opening = max(before.rfind(" '"), -1 if not before.startswith("'") else 0, before.rfind(":'"))
    if opening >= 0 and "'" not in before[opening + 2 :].replace("'s ", "").replace("n't", ""):
        closing = re.search(r"'(?:\s|[.,!?]|$)", after)
        return closing is not None
    return False


def guard_for(text: str, start: int, end: int) -> str | None:
    """Say whether the words at ``text[start:end]`` are negated or reported rather than meant."""
    before = _sentence_before(text, start)
    if _is_quoted(text, start, end):
        return "counter-speech"
    if _COUNTER_BEFORE.search(before):
        return "counter-speech"
    if _COUNTER_AFTER.search(text[end : end + 120]):
        return "counter-speech"
    cleaned = _NEGATION_EXCEPTIONS.sub(" ", before)
    if _NEGATED_NEAR.search(cleaned):
        return "negated"
    return None


def _threat_hits(text: str, stems: frozenset[str]) -> list[RuleHit]:
    hits: list[RuleHit] = []
    verbs = _gate(stems, _VERB_GATE)
    for match in _VEILED.finditer(text) if _gate(stems, _VEILED_GATE) else ():
        hits.append(
            RuleHit("threat", match.start(), match.end(), Severity.CRITICAL, "Veiled threat")
        )
    for match in _DEATH_WISH.finditer(text) if _gate(stems, _DEATH_GATE) else ():
        phrase = match.group()
        self_harm = "self" in phrase or "kys" in phrase or "neck" in phrase
        hits.append(
            RuleHit(
                "threat",
                match.start(),
                match.end(),
                Severity.HIGH if self_harm else Severity.CRITICAL,
                "Telling the person to harm themselves"
                if self_harm
                else "Wishing or threatening death",
            )
        )
    for match in _PASSIVE.finditer(text) if verbs else ():
        hits.append(
            RuleHit("threat", match.start(), match.end(), Severity.CRITICAL, "Threat of violence")
        )
    for match in _DIRECT.finditer(text) if verbs else ():
        verb = match.group("verb")
        strong = re.fullmatch(_STRONG_VERBS, verb) is not None
        before = text[max(0, match.start() - 60) : match.start()]
        intent = _INTENT.search(before) is not None
        at_start = _START.search(before) is not None
        if not (intent or at_start):
            continue
        if not strong and _HARMLESS_AFTER.match(text, match.end()):
            continue  # "get you out", "find you a seat": not violence
        if not strong and not intent:
            continue
        if not strong and not re.search(
            r"\b(?:i'?ll|ill|i will|we'?ll|we will|gonna|going to|coming to|i'?m going|imma|ima|finna)\b",
            before,
        ):
            continue
        hits.append(
            RuleHit("threat", match.start(), match.end(), Severity.CRITICAL, "Threat of violence")
        )
    for match in _THREAT_EMOJI.finditer(text):
        hits.append(
            RuleHit("threat", match.start(), match.end(), Severity.HIGH, "Threatening emoji")
        )
    return hits


def _hate_hits(text: str, stems: frozenset[str]) -> list[RuleHit]:
    hits: list[RuleHit] = []
    for match in _HATE_PATTERNS.finditer(text) if _gate(stems, _GROUP_GATE) else ():
        hits.append(
            RuleHit(
                "hate", match.start(), match.end(), Severity.HIGH, "Hate against a protected group"
            )
        )
    for match in _SLURS.finditer(text) if _gate(stems, _SLUR_GATE) else ():
        before = text[max(0, match.start() - 40) : match.start()]
        word = match.group()
        if _RECLAIMED.search(before):
            continue  # "I'm a proud dyke": a reclaimed word used about oneself
        if _REPORTED_WORD.search(before):
            hits.append(
                RuleHit(
                    "hate",
                    match.start(),
                    match.end(),
                    Severity.HIGH,
                    "Slur",
                    guard="counter-speech",
                )
            )
            continue
        severity = Severity.MEDIUM if _MILD_SLURS.fullmatch(word) else Severity.HIGH
        hits.append(RuleHit("hate", match.start(), match.end(), severity, "Slur"))
    return hits


def _targeted(text: str) -> bool:
    return _AT_PERSON.search(text) is not None


def _abuse_hits(text: str, stems: frozenset[str]) -> list[RuleHit]:
    hits: list[RuleHit] = []
    insulting = _gate(stems, _INSULT_GATE)
    sexual = list(_SEXUAL.finditer(text))
    targeted = _targeted(text) if (insulting or sexual) else False
    for match in sexual:
        violent = _SEXUAL_VIOLENCE.search(match.group()) is not None
        hits.append(
            RuleHit(
                "sexual",
                match.start(),
                match.end(),
                Severity.CRITICAL if violent else (Severity.HIGH if targeted else Severity.MEDIUM),
                "Threat of sexual violence" if violent else "Sexual harassment",
            )
        )
    for match in _FUCK_AT.finditer(text) if insulting else ():
        if match.group().endswith(("out", "off")) and match.group().startswith(("get", "piss")):
            continue
        hits.append(
            RuleHit(
                "harassment",
                match.start(),
                match.end(),
                Severity.MEDIUM,
                "Abuse aimed at the person",
            )
        )
    for match in _PROFANE_NOUN.finditer(text) if insulting else ():
        if targeted:
            hits.append(
                RuleHit("harassment", match.start(), match.end(), Severity.MEDIUM, "Insult")
            )
    for match in _WEAK_INSULT.finditer(text) if insulting else ():
        hits.append(RuleHit("harassment", match.start(), match.end(), Severity.MEDIUM, "Insult"))
    for match in _INSULTS.finditer(text) if insulting else ():
        hits.append(
            RuleHit(
                "harassment",
                match.start(),
                match.end(),
                Severity.MEDIUM if targeted else Severity.LOW,
                "Insult",
            )
        )
    for match in _PROFANE.finditer(text) if insulting else ():
        hits.append(RuleHit("profanity", match.start(), match.end(), Severity.LOW, "Swearing"))
    for match in _SPAM.finditer(text):
        hits.append(RuleHit("spam_scam", match.start(), match.end(), Severity.LOW, "Spam or scam"))
    return hits


def _doxxing_hits(original: str) -> list[RuleHit]:
    details: list[tuple[int, int, str]] = []
    for match in _PHONE.finditer(original):
        details.append((match.start(), match.end(), "phone number"))
    for match in _STREET.finditer(original):
        details.append((match.start(), match.end(), "home address"))
    for match in _POSTCODE.finditer(original):
        details.append((match.start(), match.end(), "postcode"))
    school = list(_SCHOOL.finditer(original))
    if not details and not school:
        return []
    hits = [
        RuleHit(
            "doxxing",
            m.start(),
            m.end(),
            Severity.CRITICAL,
            "Family member's school posted",
            in_original=True,
        )
        for m in school
    ]
    if details and _DOX_CUE.search(original):
        for start, end, what in details:
            hits.append(
                RuleHit(
                    "doxxing",
                    start,
                    end,
                    Severity.HIGH if what == "phone number" else Severity.CRITICAL,
                    f"Personal details posted ({what})",
                    in_original=True,
                )
            )
    return hits


def find_hits(normalised: str, original: str) -> list[RuleHit]:
    """All pattern hits in one message, each with its guard (negated / counter-speech) set."""
    stems = word_stems(normalised)
    raw = (
        _threat_hits(normalised, stems)
        + _hate_hits(normalised, stems)
        + _abuse_hits(normalised, stems)
    )
    hits: list[RuleHit] = []
    for hit in raw:
        if hit.guard is None and hit.label in {"threat", "hate", "harassment", "sexual"}:
            guard = guard_for(normalised, hit.start, hit.end)
            if guard is not None:
                hit = RuleHit(hit.label, hit.start, hit.end, hit.severity, hit.reason, guard)
        hits.append(hit)
    hits.extend(_doxxing_hits(original))
    return hits
