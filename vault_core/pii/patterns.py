"""Vault's pattern detectors: a regex, a checksum or parse where one exists, context words.

Each :class:`PatternDetector` is a regex for the value, written in the subset that Python's
``re`` and Rust's ``regex`` (polars) share: no lookarounds, no backreferences. What may come
before and after the value is said apart (``lead``/``prefix``; ``trail``/``suffix``/
``followed_by``), because Rust's regex has no lookarounds. :mod:`vault_core.pii.pattern_pass`
folds the lead or prefix into the search, checks the trail on each match afterwards, then runs
the detector's batch validator (:mod:`vault_core.pii.validators`) and context words.

Digits are ASCII ``[0-9]``: the engine folds full-width and other-script digits (and Unicode
spaces, dashes, invisible characters, look-alike letters) to ASCII before the scan
(:mod:`vault_core.pii.normalize`). Word boundaries (``\\w``) and e-mail addresses are Unicode.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from vault_core.pii import validators as v
from vault_core.pii.validators import Validator

CONTEXT_BOOST = 0.35
"""Added to a match's score when a context word appears near it."""
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
        pattern: Regex of the value (the reported span), in the Python/Rust common subset.
        score: Score of a valid match without context.
        lead: Character class that must not come just before the value, e.g. ``[\\w.+-]``
            (the start of a text always qualifies).
        prefix: Instead of ``lead``: a regex that must match just before the value (it is part
            of the search, not of the span), e.g. ``[Aa]ged ``.
        suffix: A regex that must match just after the value (searched, not reported; a next
            match of the same detector cannot begin inside it).
        followed_by: A regex that must match just after the value, checked on each match
            (unlike ``suffix`` it consumes nothing: "Dr. Mrs. Lee" holds two titles).
        trail: Character class that must not come just after the value (checked on each match:
            a match failing it is dropped, not shortened).
        no_decimal_after: Also drop a match followed by ``.`` and a digit (``1.2.3.4.5``).
        validate: Batch validator returning each value's accepted length (0 rejects).
        context: Lower-case ASCII words that raise the score when one lies wholly within
            ``CONTEXT_WINDOW`` characters before the match or ``CONTEXT_AFTER`` after it
            (in any ASCII case, inside the match's own text).
        before: A regex of bounded width that, matching the end of the text before the match
            (it is anchored there), raises the score as a context word does (a state name
            before a zip code).
        retreat: When a match fails its trail, try it shorter, as a regex with a lookahead
            backtracks ("2021-02-11 10:30am" holds the date "2021-02-11"). For patterns whose
            shorter matches can end before an allowed character; Python re-matches only the
            matches that failed.
        lead_after: Scan the value alone and check the lead on each match afterwards (the
            same matches: a text where a lead fails is scanned again the exact way). For
            values holding a literal Rust's regex looks for first ("@", "http", "Dr."):
            their scans ran 3-5x faster without a character class in front.
        within: Detectors with the same lead and trail whose matches hold all of this one's:
            its matches are theirs that its pattern matches whole (nine digits are a run of
            8-17 digits of length nine), so the columnar pass skips a scan of the text. A test
            checks the columnar pass against a match-by-match scan with the detector's own
            pattern.
    """

    name: str
    entity_type: str
    pattern: str
    score: float
    lead: str | None = None
    prefix: str | None = None
    suffix: str | None = None
    followed_by: str | None = None
    trail: str | None = None
    no_decimal_after: bool = False
    validate: Validator | None = None
    context: tuple[str, ...] = ()
    before: str | None = None
    retreat: bool = False
    lead_after: bool = False
    within: tuple[str, ...] = ()

    @cached_property
    def search(self) -> str:
        """The regex searched: group 1 what precedes the value, group 2 the value, group 3 what
        follows. Its leftmost-first matches are the same in Python's ``re`` and Rust's regex."""
        if self.prefix is not None:
            head = self.prefix
        elif self.lead is not None:
            if not (self.lead.startswith("[") and self.lead.endswith("]")):
                raise ValueError(f"lead of {self.name} must be a character class")
            head = rf"^|[^{self.lead[1:-1]}]"
        else:
            head = ""
        return f"({head})({self.pattern})({self.suffix or ''})"

    @cached_property
    def retreat_regex(self) -> re.Pattern[str]:
        """The value followed by neither the trail nor (if so set) a decimal: matched at a
        failed match's start, it gives the longest shorter match that passes."""
        ahead = f"(?!{self.trail})" if self.trail is not None else ""
        if self.no_decimal_after:
            ahead += r"(?!\.[0-9])"
        return re.compile(f"(?:{self.pattern}){ahead}")

    @cached_property
    def trail_class(self) -> re.Pattern[str] | None:
        """The trail as a compiled one-character class, or None."""
        return None if self.trail is None else re.compile(self.trail)


_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
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

_NUMBER_EDGE = r"[\w-]"
# 0-255 without leading zeros, as ``ipaddress`` reads an IPv4 octet.
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
DETECTORS: tuple[PatternDetector, ...] = (
    PatternDetector(
        "Email", "EMAIL_ADDRESS",
        # Internationalized: Unicode letters and digits in the local part and the domain.
        r"[^\W_][\w.+-]*@[^\W_][\w-]*(?:\.[\w-]+)*\.[^\W\d_]{2,}",
        1.0, lead=r"[\w.+-]", trail=r"[\w-]",
        retreat=True, lead_after=True,
    ),
    PatternDetector(
        "Url", "URL",
        r"(?:https?://|www\.)[^\s<>\"'()\[\]{}]+",
        0.85, lead=r"[\w@./-]", validate=v.url, lead_after=True,
    ),
    PatternDetector(
        "IPv4", "IP_ADDRESS",
        rf"(?:{_OCTET}\.){{3}}{_OCTET}",
        0.9, lead=r"[\w.]", trail=r"[\w]", no_decimal_after=True,
        context=("ip", "address", "login", "host"),
    ),
    PatternDetector(
        "IPv6", "IP_ADDRESS",
        r"(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}",
        0.9, lead=r"[\w:]", trail=r"[\w:]", validate=v.ipv6, lead_after=True,
    ),
    PatternDetector(
        "MacAddress", "MAC_ADDRESS",
        r"[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}|[0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){5}",
        0.9, lead=r"[\w:-]", trail=r"[\w:-]",
    ),
    PatternDetector(
        "CardNumber", "CREDIT_CARD",
        r"[1-6][0-9](?:[ -]?[0-9]){10,17}",
        # Not after a digit or a dash, nor after a digit and a space (a longer number).
        1.0, prefix=r"^ ?|[^0-9 -]|[^0-9] ", trail=r"[0-9-]", validate=v.card,
        retreat=True,
    ),
    PatternDetector(
        "UsSsn", "US_SSN",
        r"[0-9]{3}-[0-9]{2}-[0-9]{4}|[0-9]{3} [0-9]{2} [0-9]{4}",
        0.85, lead=r"[0-9-]", trail=r"[0-9-]", validate=v.ssn,
        context=("ssn", "social", "security"),
    ),
    PatternDetector(
        "UsSsnDigits", "US_SSN",
        r"[0-9]{9}",
        0.3, lead=_NUMBER_EDGE, trail=_NUMBER_EDGE, validate=v.ssn,
        context=("ssn", "social security"), within=("UsBankNumber",),
    ),
    PatternDetector(
        "UsItin", "US_ITIN",
        r"9[0-9]{2}-[5-9][0-9]-[0-9]{4}|9[0-9]{2} [5-9][0-9] [0-9]{4}",
        0.7, lead=r"[0-9-]", trail=r"[0-9-]", validate=v.itin, context=("itin", "taxpayer"),
        within=("UsSsn",),
    ),
    PatternDetector(
        "Iban", "IBAN_CODE",
        r"[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?",
        1.0, lead=r"[\w]", trail=r"[\w]", validate=v.iban,
        retreat=True,
    ),
    PatternDetector(
        "NanpPhone", "PHONE_NUMBER",
        r"(?:\+?1[-. ])?(?:\([0-9]{3}\) ?|[0-9]{3}[-. ])[0-9]{3}[-. ][0-9]{4}",
        # Not after a dot: "192.168.1.1 (415) 555-0132" is an address and a phone, not the
        # phone "1 (415) 555-0132" with a country code.
        0.7, lead=r"[\w.+-]", trail=_NUMBER_EDGE,
        context=("phone", "call", "mobile", "tel", "fax", "cell"),
    ),
    PatternDetector(
        "IntlPhone", "PHONE_NUMBER",
        r"\+[1-9][0-9]{0,2}(?:[ .-]?\(?[0-9]{1,4}\)?){2,5}",
        0.7, lead=r"[\w+]", trail=_NUMBER_EDGE, validate=v.phone_digits,
        retreat=True,
    ),
    PatternDetector(
        "PlainPhone", "PHONE_NUMBER",
        r"\+?[0-9]{10,11}",
        0.3, lead=r"[\w+-]", trail=_NUMBER_EDGE,
        context=("phone", "mobile", "call", "tel", "cell", "fax", "text me"),
    ),
    PatternDetector(
        "AbaRouting", "ABA_ROUTING_NUMBER",
        r"[0123678][0-9]{8}",
        0.3, lead=_NUMBER_EDGE, trail=_NUMBER_EDGE, validate=v.aba,
        context=("routing", "aba", "transit"), within=("UsBankNumber",),
    ),
    PatternDetector(
        "UsBankNumber", "US_BANK_NUMBER",
        r"[0-9]{8,17}",
        0.2, lead=_NUMBER_EDGE, trail=_NUMBER_EDGE,
        context=("account", "acct", "bank", "checking", "savings"),
    ),
    PatternDetector(
        "UsPassport", "US_PASSPORT",
        r"[A-Z]?[0-9]{8,9}",
        0.2, lead=_NUMBER_EDGE, trail=_NUMBER_EDGE, context=("passport",),
        within=("UsBankNumber", "UsDriverLicense"),
    ),
    PatternDetector(
        "UsDriverLicense", "US_DRIVER_LICENSE",
        r"[A-Z][0-9]{6,12}",
        0.2, lead=_NUMBER_EDGE, trail=_NUMBER_EDGE,
        context=("driver", "license", "licence", "dl"),
    ),
    PatternDetector(
        "DateMonthName", "DATE_TIME",
        rf"{_MONTH} [0-9]{{1,2}}(?:st|nd|rd|th)?,? [0-9]{{4}}|[0-9]{{1,2}} {_MONTH},? [0-9]{{4}}",
        0.85, lead=r"[\w]", trail=r"[\w]",
    ),
    PatternDetector(
        "DateIso", "DATE_TIME",
        r"(?:19|20)[0-9]{2}-[0-9]{2}-[0-9]{2}(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2})?)?",
        0.85, lead=_NUMBER_EDGE, trail=_NUMBER_EDGE, validate=v.iso_date,
        retreat=True,
    ),
    PatternDetector(
        "DateNumeric", "DATE_TIME",
        r"[0-9]{1,2}/[0-9]{1,2}/(?:19|20)?[0-9]{2}|[0-9]{1,2}\.[0-9]{1,2}\.(?:19|20)?[0-9]{2}",
        0.8, lead=r"[\w/.-]", trail=r"[\w/-]", no_decimal_after=True,
        validate=v.numeric_date,
    ),
    PatternDetector(
        "AgeYearsOld", "AGE",
        r"[0-9]{1,3}",
        0.75, lead=r"[\w.]", suffix=r"[- ]years?[- ]old", validate=v.age,
    ),
    PatternDetector(
        "AgeAged", "AGE",
        r"[0-9]{1,3}",
        0.75, prefix=r"[Aa]ged |[Aa]ge:? ", trail=r"[\w.]", validate=v.age,
    ),
    PatternDetector(
        "Title", "TITLE",
        r"(?:Dr|Mr|Mrs|Ms|Mx|Prof)\.",
        0.6, lead=r"[\w.]", followed_by=" [A-Z]", lead_after=True,
    ),
    PatternDetector(
        "StreetAddress", "LOCATION",
        rf"[0-9]{{1,6}}(?: [NSEW]\.?)? (?:[A-Z][A-Za-z'-]+ ){{1,3}}{_STREET_SUFFIX}\b\.?"
        # An ASCII unit number: a Unicode class here tripled the detector's scan time.
        r"(?: (?:Apt\.|Suite|Unit|#) ?[A-Za-z0-9_-]+)?",
        0.9, lead=_NUMBER_EDGE, trail=_NUMBER_EDGE,
        retreat=True,
    ),
    PatternDetector(
        "ZipCode", "ZIP_CODE",
        r"[0-9]{5}(?:-[0-9]{4})?",
        0.2, lead=_NUMBER_EDGE, trail=_NUMBER_EDGE, context=("zip", "postal", "postcode"),
        before=rf"(?:{_US_STATES}),? ",
    ),
)  # fmt: skip
"""Every pattern detector vault runs."""
