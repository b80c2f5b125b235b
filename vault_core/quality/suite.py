"""Expectation suites of a dataset: Great Expectations 1.x configurations, in a JSON suite file
or written inline, with the severity their asset check reports.

Only the configurations live here (plain dicts, validated for shape): Great Expectations itself
is imported when a suite runs (:mod:`vault_core.quality.validate`), never when a dataset is
declared, because importing it costs seconds.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from vault_core.quality.exceptions import SuiteFileError

Severity = Literal["ERROR", "WARN"]
"""``ERROR``: a failure blocks registration of the data and makes it non-compliant; ``WARN``:
reported only."""

SUITE_NAME = r"^[a-z][a-z0-9_]{0,62}$"
CONTRACT_SUITE = "contract"
"""Name of the suite generated for every dataset (reserved)."""


class ExpectationSuiteSpec(BaseModel):
    """One suite: a name, its expectation configurations and the severity of its check.

    Each expectation is a Great Expectations 1.x configuration, ``{"type":
    "expect_column_values_to_not_be_null", "kwargs": {"column": "body"}}`` (``meta`` and
    ``severity`` kept, ids dropped; the 0.x key ``expectation_type`` is accepted).

    Example:
        >>> ExpectationSuiteSpec.from_file("suites/tickets.json", severity="WARN")
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=SUITE_NAME)
    """Suite name; the asset check is named ``expect_<name>`` (``contract``: reserved)."""

    expectations: list[dict[str, Any]] = Field(min_length=1)
    """Great Expectations 1.x expectation configurations."""

    severity: Severity = "ERROR"
    """Severity of the check when an expectation fails."""

    file: str | None = None
    """The suite file the expectations were read from (None: written inline)."""

    @model_validator(mode="before")
    @classmethod
    def _read_file(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = {"file": value}
        if isinstance(value, dict) and value.get("file") and "expectations" not in value:
            suite = _read_suite(str(value["file"]))
            name = value.get("name") or _suite_name(suite.get("name"), str(value["file"]))
            value = {**value, "name": name, "expectations": suite["expectations"]}
        return value

    @field_validator("expectations")
    @classmethod
    def _shape(cls, expectations: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [_expectation(item, number) for number, item in enumerate(expectations)]

    @property
    def check_name(self) -> str:
        """Name of the Dagster asset check that runs this suite."""
        return f"expect_{self.name}"

    @classmethod
    def from_file(cls, path: str, *, name: str | None = None, severity: Severity = "ERROR") -> Any:
        """The suite saved in a Great Expectations JSON file (``suite.to_json_dict()``)."""
        return cls.model_validate({"file": path, "name": name, "severity": severity})


def _read_suite(path: str) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as handle:
            suite = json.load(handle)
    except OSError as exc:
        raise SuiteFileError(path, f"cannot be read ({type(exc).__name__})") from exc
    except json.JSONDecodeError as exc:
        raise SuiteFileError(path, f"is not JSON (line {exc.lineno})") from None
    if not isinstance(suite, dict) or not isinstance(suite.get("expectations"), list):
        raise SuiteFileError(path, "has no 'expectations' list (save a suite's to_json_dict())")
    return suite


def _suite_name(name: Any, path: str) -> str:
    """A suite name usable in a check name: the file's, else its base name, lowercased."""
    base = str(name) if name else path.rsplit("/", 1)[-1].removesuffix(".json")
    cleaned = "".join(c if c.isalnum() else "_" for c in base.lower()).strip("_")
    return cleaned if cleaned[:1].isalpha() else f"suite_{cleaned}"


def _expectation(item: Any, number: int) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise ValueError(f"expectation {number} is not a mapping")
    kind = item.get("type", item.get("expectation_type"))
    if not isinstance(kind, str) or not kind.startswith("expect_"):
        raise ValueError(f"expectation {number} has no 'type' naming an expect_... expectation")
    kwargs = item.get("kwargs", {})
    if not isinstance(kwargs, dict):
        raise ValueError(f"expectation {number} ({kind}): 'kwargs' is not a mapping")
    config: dict[str, Any] = {"type": kind, "kwargs": kwargs}
    for key in ("meta", "severity"):
        if key in item:
            config[key] = item[key]
    return config


def suites_from(value: Any) -> Any:
    """What ``DatasetSpec.expectations`` accepts, as a list of suites: a suite file path, a list
    of expectation configurations (one suite named ``expectations``), or a list of suites
    (each a mapping, a file path or an :class:`ExpectationSuiteSpec`)."""
    if value is None:
        return []
    if isinstance(value, (str, dict, ExpectationSuiteSpec)):
        value = [value]
    if (
        isinstance(value, list)
        and value
        and all(
            isinstance(item, dict) and ("type" in item or "expectation_type" in item)
            for item in value
        )
    ):
        return [{"name": "expectations", "expectations": value}]
    return value
