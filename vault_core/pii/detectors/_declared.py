"""Pattern detectors declared without code, in YAML, the way Presidio's recognizer YAML works.

Example::

    detectors:
      - name: EmployeeId
        entity: EMPLOYEE_ID          # or Presidio's key, supported_entity
        patterns:
          - {name: badge, regex: "E-[0-9]{6}", score: 0.4}
        context: [employee, badge]
        validator: luhn              # optional, one of NAMED_VALIDATORS
        lead: "[\\w-]"               # optional: a character that must not come just before
        trail: "[\\w-]"              # optional: a character that must not come just after

Each pattern becomes one :class:`~vault_core.pii.detectors.PatternDetector`, run in the
columnar pass: ``<name>`` for a single pattern, ``<name>.<pattern name>`` for several. The
regex must be in the subset Python's ``re`` and Rust's regex read alike (no lookarounds, no
backreferences), must not match a line break (the pass joins texts with them) and must not
match the empty string. Capture groups are allowed and read as non-capturing. A recognizer that
needs more (lookarounds, Python checks) runs through
:class:`~vault_core.pii.detectors.PresidioDetector` instead.
"""

from __future__ import annotations

import re
import re._constants as re_constants  # type: ignore[import-not-found]
import re._parser as re_parser  # type: ignore[import-not-found]
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import yaml
from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError, field_validator

from vault_core.pii import validators as v
from vault_core.pii.detectors._pattern import PatternDetector
from vault_core.pii.exceptions import DetectorError, DetectorYamlError
from vault_core.pii.regex_bounds import narrowest

NAMED_VALIDATORS: Mapping[str, v.Validator] = MappingProxyType(
    {
        "luhn": v.luhn,
        "credit_card": v.card,
        "iban": v.iban,
        "aba_routing": v.aba,
        "us_ssn": v.ssn,
        "us_itin": v.itin,
        "ipv6": v.ipv6,
        "iso_date": v.iso_date,
        "numeric_date": v.numeric_date,
        "age": v.age,
        "url": v.url,
        "phone_digits": v.phone_digits,
    }
)
"""Validators a declared detector can name (see :mod:`vault_core.pii.validators`)."""

_UNSUPPORTED = {
    re_constants.ASSERT: "lookahead or lookbehind",
    re_constants.ASSERT_NOT: "negative lookahead or lookbehind",
    re_constants.GROUPREF: "backreference",
    re_constants.GROUPREF_EXISTS: "conditional group",
    re_constants.ATOMIC_GROUP: "atomic group",
    re_constants.POSSESSIVE_REPEAT: "possessive repeat",
}
_ONE_CHARACTER = (
    re_constants.LITERAL,
    re_constants.NOT_LITERAL,
    re_constants.IN,
    re_constants.ANY,
)
_NAME = r"^[A-Za-z][A-Za-z0-9_-]*$"


class DeclaredPattern(BaseModel):
    """One regex of a declared detector (Presidio's ``Pattern``)."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    name: str = Field(pattern=_NAME)
    """Pattern name; part of the detector name when a detector has several."""
    regex: str = Field(min_length=1)
    """Regex of the value, in the Python/Rust common subset (see the module docstring)."""
    score: float = Field(ge=0.0, le=1.0)
    """Score of a match without context."""

    @field_validator("regex")
    @classmethod
    def _regex_in_subset(cls, regex: str) -> str:
        return _checked_regex(regex)


class DeclaredDetector(BaseModel):
    """A pattern detector declared without code (Presidio's ``PatternRecognizer`` YAML)."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", use_attribute_docstrings=True, populate_by_name=True
    )

    name: str = Field(pattern=_NAME)
    """Detector name; findings name it ``vault:<name>`` (``vault:<name>.<pattern>``)."""
    entity: str = Field(
        pattern=r"^[A-Z][A-Z0-9_]*$", validation_alias=AliasChoices("entity", "supported_entity")
    )
    """Entity type it reports (upper case, e.g. ``EMPLOYEE_ID``)."""
    patterns: list[DeclaredPattern] = Field(min_length=1)
    """Its regexes; each is scanned on its own."""
    context: list[str] = Field(default_factory=list)
    """Words that raise a match's score by 0.35 when near it (matched in any ASCII case)."""
    validator: str | None = None
    """Name of a check of each match (see ``NAMED_VALIDATORS``), e.g. ``luhn``."""
    lead: str | None = None
    """A character class (``[...]``) that must not come just before a match."""
    trail: str | None = None
    """A character class (``[...]``) that must not come just after a match."""
    shadowed_inside: list[str] = Field(default_factory=list)
    """Entity types whose findings explain one of this type lying inside them."""
    supported_language: Literal["en"] = "en"
    """Presidio's field; vault's engine reads English texts."""

    @field_validator("context")
    @classmethod
    def _lower_case(cls, words: list[str]) -> list[str]:
        return [word.lower() for word in words if word.strip()]

    @field_validator("validator")
    @classmethod
    def _known_validator(cls, name: str | None) -> str | None:
        if name is not None and name not in NAMED_VALIDATORS:
            raise ValueError(
                f"unknown validator {name!r}; choose one of {sorted(NAMED_VALIDATORS)}"
            )
        return name

    @field_validator("lead", "trail")
    @classmethod
    def _character_class(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not (value.startswith("[") and value.endswith("]")):
            raise ValueError(f"{value!r} must be one character class such as [\\w-]")
        try:
            compiled = re.compile(value)
        except re.error as exc:
            raise ValueError(f"{value!r} is not a regex: {exc}") from None
        if compiled.fullmatch("\n"):
            raise ValueError(f"{value!r} must not hold a line break")
        return value

    def detectors(self) -> tuple[PatternDetector, ...]:
        """The pattern detectors it declares, one per pattern."""
        several = len(self.patterns) > 1
        return tuple(
            PatternDetector(
                f"{self.name}.{pattern.name}" if several else self.name,
                self.entity,
                _non_capturing(pattern.regex),
                pattern.score,
                lead=self.lead,
                trail=self.trail,
                validate=None if self.validator is None else NAMED_VALIDATORS[self.validator],
                context=tuple(self.context),
                shadowed_inside=tuple(self.shadowed_inside),
            )
            for pattern in self.patterns
        )


def load_detectors_yaml(path: str | Path) -> list[DeclaredDetector]:
    """The detectors declared in a YAML file (``detectors:`` or Presidio's ``recognizers:``).

    Raises:
        DetectorYamlError: If the file cannot be read, is not YAML, or a detector is invalid;
            the error names the file, the place in it and the problem.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DetectorYamlError(
            source=str(path), location="", problem=f"cannot be read ({type(exc).__name__})"
        ) from exc
    return parse_detectors_yaml(text, source=str(path))


def parse_detectors_yaml(text: str, *, source: str = "<string>") -> list[DeclaredDetector]:
    """:func:`load_detectors_yaml` of YAML text.

    Raises:
        DetectorYamlError: As :func:`load_detectors_yaml`.
    """
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        raise DetectorYamlError(
            source=source, location=where, problem=f"not valid YAML ({type(exc).__name__})"
        ) from None
    if not isinstance(document, dict):
        raise DetectorYamlError(
            source=source, location="", problem="expected a mapping with a 'detectors' list"
        )
    keys = [key for key in ("detectors", "recognizers") if key in document]
    extra = sorted(str(key) for key in document if key not in ("detectors", "recognizers"))
    if len(keys) != 1 or extra:
        raise DetectorYamlError(
            source=source,
            location="",
            problem="expected exactly one top-level key, 'detectors' (or Presidio's "
            f"'recognizers'); found {sorted(str(key) for key in document)}",
        )
    items = document[keys[0]]
    if not isinstance(items, list):
        raise DetectorYamlError(source=source, location=keys[0], problem="must be a list")
    declared = []
    names: set[str] = set()
    for index, item in enumerate(items):
        try:
            detector = DeclaredDetector.model_validate(item)
        except ValidationError as exc:
            first = exc.errors()[0]
            location = f"{keys[0]}[{index}]" + "".join(
                f"[{part}]" if isinstance(part, int) else f".{part}" for part in first["loc"]
            )
            raise DetectorYamlError(
                source=source, location=location, problem=_problem(first)
            ) from None
        if detector.name in names:
            raise DetectorYamlError(
                source=source,
                location=f"{keys[0]}[{index}].name",
                problem=f"detector {detector.name!r} is declared twice",
            )
        names.add(detector.name)
        declared.append(detector)
    return declared


def _problem(error: Mapping[str, Any]) -> str:
    """A pydantic error's message, without the input (it may quote the file)."""
    message = str(error["msg"])
    return message.removeprefix("Value error, ")


def _checked_regex(regex: str) -> str:
    """The regex if the columnar pass can scan it, else ValueError saying why."""
    try:
        tree = re_parser.parse(regex)
    except re.error as exc:
        raise ValueError(f"not a regex: {exc}") from None
    found = _walk(tree, lambda op, _: op in _UNSUPPORTED)
    if found is not None:
        raise ValueError(
            f"holds a {_UNSUPPORTED[found[0]]}, which Rust's regex lacks; use lead/trail, or run "
            "the recognizer through PresidioDetector"
        )
    state = tree.state

    def matches_line_break(op: Any, value: Any) -> bool:
        if op not in _ONE_CHARACTER:
            return False
        one = re_parser.SubPattern(state, [(op, value)])
        return re._compiler.compile(one, 0).fullmatch("\n") is not None  # type: ignore[attr-defined]

    if _walk(tree, matches_line_break) is not None:
        raise ValueError(
            r"can match a line break (\s, \W, [^...]): exclude it, e.g. [^\S\n] for a space"
        )
    if narrowest(regex) == 0:
        raise ValueError("can match the empty string")
    return regex


def _walk(items: Any, test: Callable[[Any, Any], bool]) -> tuple[Any, Any] | None:
    """The first node of a parsed regex for which ``test(op, value)`` holds, or None."""
    for op, value in items:
        if test(op, value):
            return op, value
        children: list[Any] = []
        if op in (re_constants.MAX_REPEAT, re_constants.MIN_REPEAT):
            children = [value[2]]
        elif op is re_constants.SUBPATTERN:
            children = [value[3]]
        elif op is re_constants.BRANCH:
            children = list(value[1])
        elif op in _UNSUPPORTED and op not in (re_constants.GROUPREF,):
            children = [value[-1]] if isinstance(value, tuple) else []
        for child in children:
            found = _walk(child, test)
            if found is not None:
                return found
    return None


def _non_capturing(regex: str) -> str:
    """The regex with its capture groups made non-capturing (the pass numbers its own)."""
    out: list[str] = []
    index, in_class = 0, False
    while index < len(regex):
        char = regex[index]
        if char == "\\":
            out.append(regex[index : index + 2])
            index += 2
            continue
        if in_class:
            in_class = char != "]" or (bool(out) and out[-1] in ("[", "[^"))
        elif char == "[":
            in_class = True
            if regex.startswith("[^", index):
                out.append("[^")
                index += 2
                continue
        elif char == "(":
            if regex.startswith("(?P<", index):
                out.append("(?:")
                index = regex.index(">", index) + 1
                continue
            if not regex.startswith("(?", index):
                out.append("(?:")
                index += 1
                continue
        out.append(char)
        index += 1
    result = "".join(out)
    if re.compile(result).groups:
        raise DetectorError(f"regex {regex!r}: its groups could not be made non-capturing")
    return result
