"""The pattern detector: a regex, a checksum or parse where one exists, context words.

A :class:`PatternDetector` is a regex for the value, written in the subset that Python's
``re`` and Rust's ``regex`` (polars) share: no lookarounds, no backreferences. What may come
before and after the value is said apart (``lead``/``prefix``; ``trail``/``suffix``/
``followed_by``), because Rust's regex has no lookarounds. :mod:`vault_core.pii.scan`
folds the lead or prefix into the search, checks the trail on each match afterwards, then runs
the detector's batch validator (:mod:`vault_core.pii.validators`) and context words.

Digits are ASCII ``[0-9]``: the engine folds full-width and other-script digits (and Unicode
spaces, dashes, invisible characters, look-alike letters) to ASCII before the scan
(:mod:`vault_core.pii.normalize`). Word boundaries (``\\w``) and e-mail addresses are Unicode.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from functools import cached_property

from vault_core.pii.exceptions import DetectorError
from vault_core.pii.validators import Validator

DETECTOR_PREFIX = "vault:"
"""Prefix of the names of vault's pattern detectors in findings, e.g. ``vault:Email``."""

CONTEXT_BOOST = 0.35
"""Added to a match's score when a context word appears near it."""
CONTEXT_WINDOW = 48
"""Characters before a match searched for context words."""
CONTEXT_AFTER = 24
"""Characters after a match searched for context words."""

# Names become polars column names beside "context words": no spaces, no ":".
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.-]*")
_ENTITY = re.compile(r"[A-Z][A-Z0-9_]*")


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
            their scans run several times faster without a character class in front.
        within: Detectors with the same lead and trail whose matches hold all of this one's:
            its matches are theirs that its pattern matches whole (nine digits are a run of
            8-17 digits of length nine), so the columnar pass skips a scan of the text. A test
            checks the columnar pass against a match-by-match scan with the detector's own
            pattern.
        rare: Its matches are rare in most text (a national identifier's form, a year after a
            word): the columnar pass finds the texts that may hold one in one Hyperscan pass
            shared by all rare detectors, and scans only those (see
            :mod:`vault_core.pii.scan.prefilter`). How it is scanned, not what it finds: the
            findings are the same either way.
        shadowed_inside: Entity types that explain a finding of this detector's type lying
            inside one of theirs (a date inside a phone number is part of the number): overlap
            resolution drops such a finding. It applies to the entity type, whichever detector
            found it.
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
    rare: bool = False
    shadowed_inside: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not _NAME.fullmatch(self.name):
            raise DetectorError(
                f"detector name {self.name!r} must be letters, digits, '_', '.' or '-', "
                "beginning with a letter"
            )
        if not _ENTITY.fullmatch(self.entity_type):
            raise DetectorError(
                f"detector {self.name}: entity type {self.entity_type!r} must be an upper-case "
                "name such as EMAIL_ADDRESS"
            )

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

    def to_digest(self) -> dict[str, object]:
        """What the detector finds, as JSON-able data for the detector set's digest: every
        field but ``rare`` (how it is scanned), the validator by module and name (its code is
        digested by its module's source, see
        :func:`~vault_core.pii.detectors.DetectorRegistry.digest`)."""
        fields = {
            field.name: getattr(self, field.name)
            for field in dataclasses.fields(self)
            if field.name not in ("validate", "rare")
        }
        validate = self.validate
        fields["validate"] = (
            None if validate is None else f"{validate.__module__}.{validate.__qualname__}"
        )
        return fields
