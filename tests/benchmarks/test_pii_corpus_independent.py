"""The independent PII corpus: reproducible, every label mapped, and no detector list built from
its generator's own value lists."""

from __future__ import annotations

import csv
import itertools
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

from _pii_corpus_independent import LABELS, build_independent_corpus  # noqa: E402

# A list derived from the generator's raw lists holds most of them; an independent gazetteer of
# real places or names shares a part by chance (the records hold real cities and real surnames).
DERIVED_SHARE = 0.5


@pytest.fixture(scope="module")
def raw_data_dir() -> Path:
    from presidio_evaluator.data_generator import raw_data_dir

    return Path(raw_data_dir)


def test_the_same_seed_gives_the_same_corpus() -> None:
    first = build_independent_corpus(150)
    second = build_independent_corpus(150)
    assert [(s.text, s.spans) for s in first.samples] == [(s.text, s.spans) for s in second.samples]
    assert sum(len(s.spans) for s in first.samples) > 150
    for sample in first.samples:
        for start, end, kind in sample.spans:
            assert 0 <= start < end <= len(sample.text)
            assert kind in set(LABELS.values())
        starts = sorted(sample.spans)
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(starts))


def test_every_template_placeholder_has_a_mapping(raw_data_dir: Path) -> None:
    templates = (raw_data_dir / "templates.txt").read_text(encoding="utf-8")
    names = {name.lower() for name in re.findall(r"(?:\{\{|<)([A-Za-z_]+)(?:\}\}|>)", templates)}
    assert names
    assert names <= set(LABELS), names - set(LABELS)


def _column(path: Path, name: str, delimiter: str = ",") -> set[str]:
    with path.open(encoding="utf-8-sig") as handle:
        rows = csv.DictReader(handle, delimiter=delimiter)
        values = (" ".join(re.findall(r"\w+", row[name].lower())) for row in rows if row.get(name))
        return {value for value in values if value}


def test_no_file_in_vault_core_is_built_from_the_generators_lists(raw_data_dir: Path) -> None:
    """Issue 14's rule: no gazetteer from the lists the evaluation texts are drawn from.

    Nationalities are a closed vocabulary (any correct list holds them) and are not checked."""
    people = raw_data_dir / "FakeNameGenerator.com_3000.csv"
    lists = {
        "given names": _column(people, "GivenName"),
        "surnames": _column(people, "Surname"),
        "cities": _column(people, "City"),
        "street addresses": _column(people, "StreetAddress"),
        "organizations": _column(
            raw_data_dir / "companies_and_organizations.csv", "organization", "\t"
        ),
    }
    files = [
        p for p in (ROOT / "vault_core").rglob("*") if p.is_file() and "__pycache__" not in p.parts
    ]
    assert len(files) > 20
    for path in files:
        words = re.findall(r"\w+", path.read_text(encoding="utf-8", errors="ignore").lower())
        grams = {" ".join(words[i : i + n]) for n in range(1, 7) for i in range(len(words))}
        for what, values in lists.items():
            found = len(values & grams)
            share = found / len(values)
            assert share < DERIVED_SHARE, (
                f"{path.relative_to(ROOT)} holds {share:.0%} of presidio-evaluator's {what}: "
                "the independent corpus is drawn from them"
            )
