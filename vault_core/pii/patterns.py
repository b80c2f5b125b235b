"""Vault's pattern detectors: a regex, a checksum or parse where one exists, context words.

Each :class:`PatternDetector` is a Python regex (lookarounds for boundaries), an optional
polars (Rust regex) *gate* that every match must satisfy — a necessary condition, cheap to test on
a whole column — a validator (Luhn, IBAN mod-97, SSN area/group rules, ABA checksum, IP parsing)
and context words that lift a score. :mod:`vault_core.pii.pattern_pass` runs them over columns.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass

CONTEXT_BOOST = 0.35
"""Added to a match's score when a context word appears in the window before it."""
CONTEXT_WINDOW = 48
"""Characters before a match searched for context words."""
CONTEXT_AFTER = 24
"""Characters after a match searched for context words."""


@dataclass(frozen=True)
class PatternDetector:
    """One pattern detector.

    Attributes:
        name: Detector name, reported as ``vault:<name>``.
        entity_type: Presidio entity name it reports.
        regex: The pattern; the whole match is the candidate span.
        score: Score of a valid match without context.
        gate: Rust-regex necessary condition of a match (``None``: test every text).
        validate: Returns the (possibly trimmed) value length if valid, ``0`` to reject.
        context: Lower-case words that raise the score when seen just before the match.
        before: A pattern that, matching the end of the text before the match, raises the score
            as a context word does (a state name before a zip code).
    """

    name: str
    entity_type: str
    regex: re.Pattern[str]
    score: float
    gate: str | None = None
    validate: Callable[[str], int] | None = None
    context: tuple[str, ...] = ()
    before: re.Pattern[str] | None = None


def luhn_valid(digits: str) -> bool:
    """The Luhn checksum of a string of digits."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _whole(ok: bool, value: str) -> int:
    return len(value) if ok else 0


def _card(value: str) -> int:
    digits = "".join(ch for ch in value if ch.isdigit())
    groups = re.split(r"[ -]", value)
    # Written cards group digits by 4 (Amex 4-6-5) with one kind of separator; anything else is
    # a run of numbers that happens to pass Luhn one time in ten.
    if len(groups) > 1 and (
        (" " in value and "-" in value) or len(groups[0]) != 4 or len(groups) > 5
    ):
        return 0
    return _whole(len(set(digits)) > 1 and luhn_valid(digits), value)


def _ssn(value: str) -> int:
    digits = "".join(ch for ch in value if ch.isdigit())
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    ok = (
        area not in ("000", "666")
        and not area.startswith("9")
        and group != "00"
        and serial != "0000"
        and len(set(digits)) > 1
        and digits not in ("123456789", "078051120", "219099999")
    )
    return _whole(ok, value)


def _itin(value: str) -> int:
    digits = "".join(ch for ch in value if ch.isdigit())
    group = int(digits[3:5])
    return _whole(
        70 <= group <= 88 or 50 <= group <= 65 or group in (90, 91, 92, *range(94, 100)), value
    )


def _iban_ok(compact: str) -> bool:
    if not 15 <= len(compact) <= 34:
        return False
    moved = compact[4:] + compact[:4]
    try:
        number = int("".join(str(int(ch, 36)) for ch in moved))
    except ValueError:
        return False
    return number % 97 == 1


def _iban(value: str) -> int:
    # The optional trailing groups may have swallowed a following word: trim groups until the
    # checksum holds.
    candidate = value
    while candidate:
        if _iban_ok(candidate.replace(" ", "").upper()):
            return len(candidate)
        cut = candidate.rfind(" ")
        if cut < 0:
            return 0
        candidate = candidate[:cut]
    return 0


def _aba(value: str) -> int:
    digits = [int(ch) for ch in value]
    total = sum(w * d for w, d in zip((3, 7, 1) * 3, digits, strict=True))
    return _whole(total % 10 == 0 and len(set(value)) > 1, value)


def _ip(value: str) -> int:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return 0
    return len(value)


def _phone_digits(value: str) -> int:
    count = sum(ch.isdigit() for ch in value)
    return _whole(8 <= count <= 15, value)


def _url(value: str) -> int:
    return len(value.rstrip(".,;:!?'\""))


def _age(value: str) -> int:
    return _whole(0 < int(value) <= 120, value)


def _iso_date(value: str) -> int:
    month, day = int(value[5:7]), int(value[8:10])
    return _whole(1 <= month <= 12 and 1 <= day <= 31, value)


def _numeric_date(value: str) -> int:
    first, second = (int(part) for part in re.split(r"[/.-]", value)[:2])
    ok = (1 <= first <= 12 and 1 <= second <= 31) or (1 <= second <= 12 and 1 <= first <= 31)
    return _whole(ok, value)


_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
# Necessary condition of a month-name date: a month's first three letters next to a digit.
_MONTH_GATE = (
    r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d"
    r"|\d (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
)
# USPS Publication 28 street suffixes (common ones) and their standard abbreviations.
_STREET_SUFFIX = (
    r"(?:Alley|Avenue|Ave|Boulevard|Blvd|Branch|Bridge|Brooks?|Burgs?|Bypass|Camp|Canyon|Cape"
    r"|Causeway|Centers?|Circles?|Cir|Cliffs?|Club|Common|Corners?|Course|Courts?|Ct|Coves?"
    r"|Creek|Crescent|Crest|Crossing|Crossroad|Curve|Dale|Dam|Divide|Drives?|Dr|Estates?"
    r"|Expressway|Extensions?|Falls?|Ferry|Fields?|Flats?|Fords?|Forest|Forges?|Forks?|Fort"
    r"|Freeway|Gardens?|Gateway|Glens?|Greens?|Groves?|Harbors?|Haven|Heights|Highway|Hwy"
    r"|Hills?|Hollow|Inlet|Islands?|Isle|Junctions?|Keys?|Knolls?|Lakes?|Land|Landing|Lane|Ln"
    r"|Lights?|Loaf|Locks?|Lodge|Loop|Mall|Manors?|Meadows?|Mews|Mills?|Mission|Motorway"
    r"|Mount|Mountains?|Neck|Orchard|Oval|Overpass|Parks?|Parkways?|Pkwy|Pass|Passage|Path"
    r"|Pike|Pines?|Place|Pl|Plains?|Plaza|Points?|Ports?|Prairie|Radial|Ramp|Ranch|Rapids?"
    r"|Rest|Ridges?|River|Roads?|Rd|Route|Row|Rue|Run|Shoals?|Shores?|Skyway|Springs?|Spurs?"
    r"|Squares?|Sq|Station|Stravenue|Stream|Streets?|St|Summit|Terrace|Throughway|Trace"
    r"|Track|Trafficway|Trail|Tunnel|Turnpike|Underpass|Unions?|Valleys?|Via|Viaduct|Views?"
    r"|Villages?|Ville|Vista|Walks?|Wall|Ways?|Wells?)"
)
_US_STATES = (
    "Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Georgia"
    "|Hawaii|Idaho|Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts"
    "|Michigan|Minnesota|Mississippi|Missouri|Montana|Nebraska|Nevada|New Hampshire|New Jersey"
    "|New Mexico|New York|North Carolina|North Dakota|Ohio|Oklahoma|Oregon|Pennsylvania"
    "|Rhode Island|South Carolina|South Dakota|Tennessee|Texas|Utah|Vermont|Virginia|Washington"
    "|West Virginia|Wisconsin|Wyoming|[A-Z]{2}"
)

_C = re.compile
DETECTORS: tuple[PatternDetector, ...] = (
    PatternDetector(
        "Email", "EMAIL_ADDRESS",
        _C(r"(?<![\w.+-])[A-Za-z0-9][\w.+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])"),
        1.0, gate="@",
    ),
    PatternDetector(
        "Url", "URL",
        _C(r"(?<![\w@./-])(?:https?://|www\.)[^\s<>\"'()\[\]{}]+"),
        0.85, gate=r"https?://|www\.", validate=_url,
    ),
    PatternDetector(
        "IPv4", "IP_ADDRESS",
        _C(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?!\w|\.\d)"),
        0.9, gate=r"\d\.\d{1,3}\.\d", validate=_ip, context=("ip", "address", "login", "host"),
    ),
    PatternDetector(
        "IPv6", "IP_ADDRESS",
        _C(r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])"),
        0.9, gate=r"[0-9A-Fa-f]?:[0-9A-Fa-f]{0,4}:", validate=_ip,
    ),
    PatternDetector(
        "MacAddress", "MAC_ADDRESS",
        _C(r"(?<![\w:-])[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}(?:\1[0-9A-Fa-f]{2}){4}(?![\w:-])"),
        0.9, gate=r"[0-9A-Fa-f]{2}[:-][0-9A-Fa-f]{2}[:-]",
    ),
    PatternDetector(
        "CardNumber", "CREDIT_CARD",
        _C(r"(?<![\d-])(?<!\d )[1-6]\d(?:[ -]?\d){10,17}(?![\d-])"),
        # Gate: the first twelve digits with their optional separators (necessary for a match;
        # a bare \d{4} let two texts in three through to the slower Python regex).
        1.0, gate=r"[1-6]\d(?:[ -]?\d){10}", validate=_card,
    ),
    PatternDetector(
        "UsSsn", "US_SSN",
        _C(r"(?<![\d-])\d{3}([- ])\d{2}\1\d{4}(?![\d-])"),
        0.85, gate=r"\d{3}[- ]\d{2}[- ]\d{4}", validate=_ssn,
        context=("ssn", "social", "security"),
    ),
    PatternDetector(
        "UsSsnDigits", "US_SSN",
        _C(r"(?<![\w-])\d{9}(?![\w-])"),
        0.3, gate=r"\d{9}", validate=_ssn, context=("ssn", "social security"),
    ),
    PatternDetector(
        "UsItin", "US_ITIN",
        _C(r"(?<![\d-])9\d{2}([- ])[5-9]\d\1\d{4}(?![\d-])"),
        0.7, gate=r"9\d{2}[- ]\d{2}[- ]\d{4}", validate=_itin, context=("itin", "taxpayer"),
    ),
    PatternDetector(
        "Iban", "IBAN_CODE",
        _C(r"(?<![\w])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?(?!\w)"),
        1.0, gate=r"[A-Z]{2}\d{2}", validate=_iban,
    ),
    PatternDetector(
        "NanpPhone", "PHONE_NUMBER",
        _C(r"(?<![\w+-])(?:\+?1[-. ])?(?:\(\d{3}\) ?|\d{3}[-. ])\d{3}[-. ]\d{4}(?![\w-])"),
        0.7, gate=r"\d{3}[-. ]\d{4}", context=("phone", "call", "mobile", "tel", "fax", "cell"),
    ),
    PatternDetector(
        "IntlPhone", "PHONE_NUMBER",
        _C(r"(?<![\w+])\+[1-9]\d{0,2}(?:[ .-]?\(?\d{1,4}\)?){2,5}(?![\w-])"),
        0.7, gate=r"\+\d", validate=_phone_digits,
    ),
    PatternDetector(
        "PlainPhone", "PHONE_NUMBER",
        _C(r"(?<![\w+-])\+?\d{10,11}(?![\w-])"),
        0.3, gate=r"\d{10}", context=("phone", "mobile", "call", "tel", "cell", "fax", "text me"),
    ),
    PatternDetector(
        "AbaRouting", "ABA_ROUTING_NUMBER",
        _C(r"(?<![\w-])[0123678]\d{8}(?![\w-])"),
        0.3, gate=r"\d{9}", validate=_aba, context=("routing", "aba", "transit"),
    ),
    PatternDetector(
        "UsBankNumber", "US_BANK_NUMBER",
        _C(r"(?<![\w-])\d{8,17}(?![\w-])"),
        0.2, gate=r"\d{8}", context=("account", "acct", "bank", "checking", "savings"),
    ),
    PatternDetector(
        "UsPassport", "US_PASSPORT",
        _C(r"(?<![\w-])[A-Z]?\d{8,9}(?![\w-])"),
        0.2, gate=r"\d{8}", context=("passport",),
    ),
    PatternDetector(
        "UsDriverLicense", "US_DRIVER_LICENSE",
        _C(r"(?<![\w-])[A-Z]\d{6,12}(?![\w-])"),
        0.2, gate=r"[A-Z]\d{6}", context=("driver", "license", "licence", "dl"),
    ),
    PatternDetector(
        "DateMonthName", "DATE_TIME",
        _C(
            rf"(?<!\w)(?:{_MONTH} \d{{1,2}}(?:st|nd|rd|th)?,? \d{{4}}"
            rf"|\d{{1,2}} {_MONTH},? \d{{4}})(?!\w)"
        ),
        0.85, gate=_MONTH_GATE,
    ),
    PatternDetector(
        "DateIso", "DATE_TIME",
        _C(r"(?<![\w-])(?:19|20)\d{2}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?)?(?![\w-])"),
        0.85, gate=r"\d{4}-\d{2}-\d{2}", validate=_iso_date,
    ),
    PatternDetector(
        "DateNumeric", "DATE_TIME",
        _C(r"(?<![\w/.-])\d{1,2}([/.])\d{1,2}\1(?:19|20)?\d{2}(?![\w/-]|\.\d)"),
        0.8, gate=r"\d[/.]\d{1,2}[/.]\d", validate=_numeric_date,
    ),
    PatternDetector(
        "AgeYearsOld", "AGE",
        _C(r"(?<![\w.])\d{1,3}(?=[- ]years?[- ]old)"),
        0.75, gate=r"\d[- ]years?[- ]old", validate=_age,
    ),
    PatternDetector(
        "AgeAged", "AGE",
        _C(r"(?:(?<=[Aa]ged )|(?<=[Aa]ge )|(?<=[Aa]ge: ))\d{1,3}(?![\w.])"),
        0.75, gate=r"[Aa]ge[:d]? \d", validate=_age,
    ),
    PatternDetector(
        "Title", "TITLE",
        _C(r"(?<![\w.])(?:Dr|Mr|Mrs|Ms|Mx|Prof)\.(?= [A-Z])"),
        0.6, gate=r"(?:Dr|Mr|Mrs|Ms|Mx|Prof)\. ",
    ),
    PatternDetector(
        "StreetAddress", "LOCATION",
        _C(
            rf"(?<![\w-])\d{{1,6}}(?: [NSEW]\.?)? (?:[A-Z][A-Za-z'-]+ ){{1,3}}{_STREET_SUFFIX}\.?"
            r"(?: (?:Apt\.|Suite|Unit|#) ?[\w-]+)?(?![\w-])"
        ),
        0.9, gate=r"\d [A-Z]",
    ),
    PatternDetector(
        "ZipCode", "ZIP_CODE",
        _C(r"(?<![\w-])\d{5}(?:-\d{4})?(?![\w-])"),
        0.2, gate=r"\d{5}", context=("zip", "postal", "postcode"),
        before=re.compile(rf"(?:{_US_STATES}),? $"),
    ),
)  # fmt: skip
"""Every pattern detector vault runs."""
