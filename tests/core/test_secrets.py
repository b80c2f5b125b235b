"""Master secret resolution: environment first, else a private file created once."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from vault_core.secrets import MasterSecretError, resolve_master_secret


def test_when_env_var_is_set_then_it_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MY_SECRET", "from-env")
    assert resolve_master_secret("MY_SECRET", str(tmp_path / "file")) == "from-env"
    assert not (tmp_path / "file").exists()


def test_when_no_secret_exists_then_a_private_file_is_created_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("MY_SECRET", raising=False)
    path = tmp_path / "cfg" / "master-secret"
    first = resolve_master_secret("MY_SECRET", str(path))
    assert len(first) >= 40
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert resolve_master_secret("MY_SECRET", str(path)) == first


def test_when_secret_file_is_empty_then_typed_error_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("MY_SECRET", raising=False)
    path = tmp_path / "empty"
    path.write_text("")
    with pytest.raises(MasterSecretError, match="MY_SECRET"):
        resolve_master_secret("MY_SECRET", str(path))


def test_when_default_location_is_used_then_it_is_under_xdg_config(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("MY_SECRET", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    resolve_master_secret("MY_SECRET")
    assert (tmp_path / "vault" / "master-secret").exists()


def test_when_file_is_missing_and_creation_refused_then_error_says_restore(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("MY_SECRET", raising=False)
    path = tmp_path / "cfg" / "master-secret"
    with pytest.raises(MasterSecretError, match="restore the file from backup or set MY_SECRET"):
        resolve_master_secret("MY_SECRET", str(path), create=False)
    assert not path.exists()
