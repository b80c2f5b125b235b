"""Semantic versions: parsing, ordering and the bump rule."""

from __future__ import annotations

import pytest

from vault_core.registry import Change, InvalidVersionError, SemVer


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (Change.SCHEMA, "2.0.0"),
        (Change.DATA, "1.3.0"),
        (Change.METADATA, "1.2.4"),
        (Change.NONE, "1.2.3"),
    ],
)
def test_when_change_is_classified_then_bump_follows_the_rule(
    change: Change, expected: str
) -> None:
    assert str(SemVer.parse("1.2.3").bump(change)) == expected


@pytest.mark.parametrize("text", ["1.2", "01.2.3", "1.2.3-beta", "v1.2.3", ""])
def test_when_text_is_not_semver_then_typed_error(text: str) -> None:
    with pytest.raises(InvalidVersionError):
        SemVer.parse(text)


def test_when_versions_compare_then_numeric_not_lexical() -> None:
    assert SemVer.parse("1.10.0") > SemVer.parse("1.9.9")
