"""Tests of vault_core.pii.scan.hyperscan_db: compiled databases kept on disk between processes."""

from __future__ import annotations

from pathlib import Path

import hyperscan
import pytest

from vault_core.pii.scan import hyperscan_db
from vault_core.pii.scan.hyperscan_db import CACHE_ENV, compiled

EXPRESSIONS = [r"[0-9]{3}-[0-9]{4}", r"ab+c", r"caf\x{e9}"]
TEXT = "call 555-0132, abbbc, café".encode()


def _matches(database: hyperscan.Database) -> list[tuple[int, int]]:
    found: list[tuple[int, int]] = []
    database.scan(TEXT, match_event_handler=lambda i, _f, to, _fl, _c: found.append((i, to)))
    return found


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    return tmp_path / "hyperscan"


def _no_compiling(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("compiled instead of loaded")

    monkeypatch.setattr(hyperscan, "Database", refuse)


def test_when_compiled_again_then_loaded_from_the_cache(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = compiled(EXPRESSIONS, hyperscan.HS_FLAG_UTF8, [7, 8, 9])
    expected = _matches(first)
    assert len(expected) == 3
    assert len(list(cache.glob("*.hsdb"))) == 1
    _no_compiling(monkeypatch)
    assert _matches(compiled(EXPRESSIONS, hyperscan.HS_FLAG_UTF8, [7, 8, 9])) == expected


def test_when_anything_compiled_differs_then_another_file(cache: Path) -> None:
    compiled(EXPRESSIONS, hyperscan.HS_FLAG_UTF8)
    compiled(EXPRESSIONS, hyperscan.HS_FLAG_UTF8 | hyperscan.HS_FLAG_CASELESS)
    compiled(EXPRESSIONS, hyperscan.HS_FLAG_UTF8, [3, 4, 5])
    compiled(EXPRESSIONS[:2], hyperscan.HS_FLAG_UTF8)
    assert len(list(cache.glob("*.hsdb"))) == 4


def test_when_the_file_is_damaged_then_compiled_and_rewritten(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = _matches(compiled(EXPRESSIONS, hyperscan.HS_FLAG_UTF8))
    (path,) = cache.glob("*.hsdb")
    original = path.read_bytes()
    damaged = bytearray(original)
    damaged[-40:] = b"\xff" * 40  # Hyperscan itself loads this without complaint
    path.write_bytes(bytes(damaged))
    loaded: list[bytes] = []
    load = hyperscan.loadb

    def spy(blob: bytes, mode: int) -> hyperscan.Database:
        loaded.append(blob)
        return load(blob, mode)

    monkeypatch.setattr(hyperscan, "loadb", spy)
    assert _matches(compiled(EXPRESSIONS, hyperscan.HS_FLAG_UTF8)) == expected
    assert loaded == []  # the damage was seen before Hyperscan read the file
    assert path.read_bytes() == original
    _no_compiling(monkeypatch)  # the rewritten file loads
    assert _matches(compiled(EXPRESSIONS, hyperscan.HS_FLAG_UTF8)) == expected
    assert len(loaded) == 1


def test_when_the_cache_is_off_or_unwritable_then_compiled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CACHE_ENV, "off")
    assert hyperscan_db.cache_dir() is None
    assert len(_matches(compiled(EXPRESSIONS, hyperscan.HS_FLAG_UTF8))) == 3
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder would be")
    monkeypatch.setenv(CACHE_ENV, str(blocked))
    assert len(_matches(compiled(EXPRESSIONS, hyperscan.HS_FLAG_UTF8))) == 3
    assert blocked.is_file()


def test_when_no_folder_is_set_then_the_users_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(CACHE_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert hyperscan_db.cache_dir() == tmp_path / "vault" / "hyperscan"


def test_when_there_is_no_home_then_no_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    def homeless() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.delenv(CACHE_ENV, raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setattr(Path, "home", homeless)
    assert hyperscan_db.cache_dir() is None
    assert len(_matches(compiled(EXPRESSIONS, hyperscan.HS_FLAG_UTF8))) == 3
