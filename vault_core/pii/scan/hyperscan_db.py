"""Hyperscan block-mode databases, compiled the one way every pass of the scan compiles them."""

from __future__ import annotations

from collections.abc import Sequence

import hyperscan


def compiled(
    expressions: Sequence[str], flags: int, ids: Sequence[int] | None = None
) -> hyperscan.Database:
    """``expressions`` (UTF-8 encoded) compiled in block mode, each with ``flags``; match ids
    are ``ids``, or the expressions' positions.

    Raises:
        hyperscan.error: If Hyperscan rejects an expression (callers that can do without
            Hyperscan catch it).
    """
    database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    database.compile(
        expressions=[expression.encode("utf-8") for expression in expressions],
        ids=list(range(len(expressions)) if ids is None else ids),
        elements=len(expressions),
        flags=[flags] * len(expressions),
    )
    return database
