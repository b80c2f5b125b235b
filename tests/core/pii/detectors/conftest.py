"""A `patterns` engine and a finder that runs texts through both passes (match by match, and
columnar on a batch padded past the small-batch limit) and checks they agree."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from vault_core.pii import PiiEngine, PiiEngineConfig

Found = list[tuple[str, str]]
Finder = Callable[[str], Found]

# Filler making a batch long enough for the columnar pass (scan.batches._SMALL_CHARS).
_PAD = ["Nothing to see in this line of filler text at all. " * 4] * 20


@pytest.fixture(scope="session")
def patterns_engine() -> PiiEngine:
    engine = PiiEngine(PiiEngineConfig(mode="patterns"))
    engine.load()
    return engine


@pytest.fixture(scope="session")
def find(patterns_engine: PiiEngine) -> Finder:
    def found(text: str) -> Found:
        small = patterns_engine.detect_batch([text])[0]
        large = patterns_engine.detect_batch([text, *_PAD])[0]
        one = [(f.entity_type, text[f.start : f.end]) for f in small]
        assert one == [(f.entity_type, text[f.start : f.end]) for f in large]
        return one

    return found
