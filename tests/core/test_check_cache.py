"""The checks' outcome cache: an entry is found only under its own key, a torn entry is a miss,
a purged partition's entries go, and the code version follows the source."""

from __future__ import annotations

import sys
from pathlib import Path

from vault_core.check_cache import WHOLE, CheckCache, code_version, entry_key


def test_when_the_key_differs_then_the_entry_is_a_miss(tmp_path: Path) -> None:
    cache = CheckCache(str(tmp_path / "checks"))
    key = entry_key(partition="2026-12-01", data_version=["b3:aa", 3])
    cache.put("expect_contract", "2026-12-01", key, {"rows": 4})
    assert cache.get("expect_contract", "2026-12-01", key) == {"rows": 4}
    other = entry_key(partition="2026-12-01", data_version=["b3:aa", 4])
    assert cache.get("expect_contract", "2026-12-01", other) is None
    assert cache.get("expect_contract", "2026-12-02", key) is None
    assert cache.get("expect_ids", "2026-12-01", key) is None


def test_when_an_entry_is_torn_then_it_is_a_miss(tmp_path: Path) -> None:
    cache = CheckCache(str(tmp_path / "checks"))
    cache.put("residual_pii", WHOLE, "k", {"population": 1})
    (stored,) = (tmp_path / "checks" / "residual_pii").glob("*.json")
    stored.write_text('{"key": "k", "outc')
    assert cache.get("residual_pii", WHOLE, "k") is None


def test_when_a_partition_is_forgotten_then_every_check_loses_it(tmp_path: Path) -> None:
    cache = CheckCache(str(tmp_path / "checks"))
    for check in ("expect_contract", "expect_ids"):
        for day in ("a", "b"):
            cache.put(check, day, "k", {"rows": 1})
    cache.forget("a")
    assert [cache.get(c, "a", "k") for c in ("expect_contract", "expect_ids")] == [None, None]
    assert cache.get("expect_ids", "b", "k") == {"rows": 1}
    CheckCache(str(tmp_path / "never")).forget("a")  # nothing cached yet: nothing to do


def test_when_the_source_of_a_module_changes_then_the_code_version_does(tmp_path: Path) -> None:
    package = tmp_path / "cachedpkg_for_test"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "one.py").write_text("X = 1\n")
    sys.path.insert(0, str(tmp_path))
    try:
        before = code_version(("cachedpkg_for_test.one",), ("pyarrow",))
        whole = code_version(("cachedpkg_for_test",))
        (package / "one.py").write_text("X = 2\n")
        code_version.cache_clear()
        after = code_version(("cachedpkg_for_test.one",), ("pyarrow",))
        assert after != before
        assert code_version(("cachedpkg_for_test",)) != whole
        assert code_version(("cachedpkg_for_test.one",), ("no-such-dist",)) != after
    finally:
        sys.path.remove(str(tmp_path))
        code_version.cache_clear()
