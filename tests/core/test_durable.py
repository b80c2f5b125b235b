import os
import stat
import threading
from pathlib import Path

import pytest

from vault_core import durable


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_replace_file_creates_folders_and_replaces_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "file"
    durable.replace_file(str(target), b"first")
    durable.replace_file(str(target), b"second")
    assert target.read_bytes() == b"second"
    assert _mode(target) == 0o600
    assert os.listdir(target.parent) == ["file"]  # no temporary file left


def test_replace_file_dir_mode_applies_to_the_leaf_folder_only(tmp_path: Path) -> None:
    target = tmp_path / "parent" / "keys" / "keyring.json"
    durable.replace_file(str(target), b"{}", dir_mode=0o700)
    assert _mode(target.parent) == 0o700
    umask = os.umask(0)
    os.umask(umask)
    assert _mode(target.parent.parent) == 0o777 & ~umask


def test_when_published_twice_then_first_content_stays(tmp_path: Path) -> None:
    target = str(tmp_path / "pointer")
    assert durable.publish_file(target, b"one") is True
    assert durable.publish_file(target, b"two") is False
    assert Path(target).read_bytes() == b"one"
    assert os.listdir(tmp_path) == ["pointer"]


def test_when_threads_publish_the_same_name_then_exactly_one_wins(tmp_path: Path) -> None:
    target = str(tmp_path / "d" / "header")
    barrier = threading.Barrier(8)
    wins: list[bool] = []

    def publish(i: int) -> None:
        barrier.wait()
        wins.append(durable.publish_file(target, str(i).encode()))

    threads = [threading.Thread(target=publish, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(wins) == [False] * 7 + [True]
    assert os.listdir(tmp_path / "d") == ["header"]


def test_when_exclusive_write_fails_then_the_file_is_removed(tmp_path: Path) -> None:
    target = tmp_path / "bodies" / "x"

    def write() -> None:
        with durable.create_exclusive(str(target)) as handle:
            handle.write(b"partial")
            raise RuntimeError("writer failed")

    with pytest.raises(RuntimeError):
        write()
    assert not target.exists()


def test_when_exclusive_target_exists_then_file_exists_error_and_it_is_kept(
    tmp_path: Path,
) -> None:
    target = tmp_path / "x"
    target.write_bytes(b"kept")
    with pytest.raises(FileExistsError), durable.create_exclusive(str(target)):
        pass
    assert target.read_bytes() == b"kept"


def test_append_file_creates_private_file_and_appends(tmp_path: Path) -> None:
    target = tmp_path / "log.jsonl"
    durable.append_file(str(target), b"a\n")
    durable.append_file(str(target), b"b\n")
    assert target.read_bytes() == b"a\nb\n"
    assert _mode(target) == 0o600


def test_relative_paths_are_under_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert durable.publish_file("secret", b"s") is True
    durable.replace_file("sub/file", b"f")
    durable.append_file("log", b"l")
    assert (tmp_path / "secret").read_bytes() == b"s"
    assert (tmp_path / "sub" / "file").read_bytes() == b"f"


def test_replace_keeps_a_shared_files_mode(tmp_path: Path) -> None:
    path = tmp_path / "principals.yaml"
    path.write_text("old")
    path.chmod(0o644)
    durable.replace_file(str(path), b"new", file_mode=durable.shared_file_mode(str(path)))
    assert path.read_bytes() == b"new"
    assert path.stat().st_mode & 0o777 == 0o644


def test_shared_mode_of_a_new_file_follows_the_umask(tmp_path: Path) -> None:
    umask = os.umask(0o027)
    try:
        assert durable.shared_file_mode(str(tmp_path / "absent")) == 0o640
    finally:
        os.umask(umask)
