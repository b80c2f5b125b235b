"""The commit of the git checkout the code runs from, read from ``.git`` files (no subprocess)."""

from __future__ import annotations

import re
from pathlib import Path

_SHA = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")


def _git_dir(start: Path) -> Path | None:
    """The ``.git`` directory of the checkout containing ``start`` (worktrees included)."""
    for folder in (start, *start.parents):
        dot_git = folder / ".git"
        if dot_git.is_dir():
            return dot_git
        if dot_git.is_file():  # a worktree or submodule: "gitdir: <path>"
            text = dot_git.read_text(encoding="utf-8").strip()
            if text.startswith("gitdir:"):
                target = Path(text.removeprefix("gitdir:").strip())
                return target if target.is_absolute() else (folder / target).resolve()
    return None


def _resolve(git_dir: Path, ref: str) -> str | None:
    # A worktree keeps its HEAD but shares refs with the main repository ("commondir").
    common = git_dir
    commondir = git_dir / "commondir"
    if commondir.is_file():
        common = (git_dir / commondir.read_text(encoding="utf-8").strip()).resolve()
    for base in (git_dir, common):
        loose = base / ref
        if loose.is_file():
            sha = loose.read_text(encoding="utf-8").strip()
            return sha if _SHA.match(sha) else None
    packed = common / "packed-refs"
    if packed.is_file():
        for line in packed.read_text(encoding="utf-8").splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[1] == ref and _SHA.match(parts[0]):
                return parts[0]
    return None


def head_commit(start: Path | str | None = None) -> str | None:
    """The commit ``HEAD`` points at in the checkout containing ``start`` (default: the current
    directory); None outside a checkout, on an unborn branch or an unreadable ``.git``."""
    try:
        git_dir = _git_dir(Path(start or Path.cwd()).resolve())
        if git_dir is None:
            return None
        head = (git_dir / "HEAD").read_text(encoding="utf-8").strip()
        if head.startswith("ref:"):
            return _resolve(git_dir, head.removeprefix("ref:").strip())
        return head if _SHA.match(head) else None
    except OSError:
        return None
