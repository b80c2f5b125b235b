"""The git commit of provenance, read from ``.git`` files."""

from __future__ import annotations

from pathlib import Path

from vault_core.registry import head_commit

SHA = "0123456789abcdef0123456789abcdef01234567"
OTHER = "fedcba9876543210fedcba9876543210fedcba98"


def _repo(root: Path) -> Path:
    git = root / ".git"
    (git / "refs" / "heads").mkdir(parents=True)
    (git / "HEAD").write_text("ref: refs/heads/main\n")
    return git


def test_when_branch_ref_is_loose_then_its_commit_is_found_from_a_subfolder(
    tmp_path: Path,
) -> None:
    git = _repo(tmp_path)
    (git / "refs" / "heads" / "main").write_text(SHA + "\n")
    (tmp_path / "pkg" / "sub").mkdir(parents=True)
    assert head_commit(tmp_path / "pkg" / "sub") == SHA


def test_when_branch_ref_is_packed_then_packed_refs_are_read(tmp_path: Path) -> None:
    git = _repo(tmp_path)
    (git / "packed-refs").write_text(
        f"# pack-refs\n{OTHER} refs/heads/dev\n{SHA} refs/heads/main\n"
    )
    assert head_commit(tmp_path) == SHA


def test_when_head_is_detached_then_it_is_the_commit(tmp_path: Path) -> None:
    git = _repo(tmp_path)
    (git / "HEAD").write_text(SHA + "\n")
    assert head_commit(tmp_path) == SHA


def test_when_checkout_is_a_worktree_then_shared_refs_are_used(tmp_path: Path) -> None:
    main = _repo(tmp_path / "main")
    (main / "refs" / "heads" / "feature").write_text(SHA + "\n")
    worktree_git = main / "worktrees" / "wt"
    worktree_git.mkdir(parents=True)
    (worktree_git / "HEAD").write_text("ref: refs/heads/feature\n")
    (worktree_git / "commondir").write_text("../..\n")
    (tmp_path / "wt").mkdir()
    (tmp_path / "wt" / ".git").write_text(f"gitdir: {worktree_git}\n")
    assert head_commit(tmp_path / "wt") == SHA


def test_when_not_a_checkout_or_branch_unborn_then_none(tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    assert head_commit(tmp_path / "plain") is None
    _repo(tmp_path / "unborn")
    assert head_commit(tmp_path / "unborn") is None
