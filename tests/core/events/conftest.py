"""Fixtures of the event tests: a real receiver on 127.0.0.1 and a clock moved by hand."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.core.events.receiver import Clock, Receiver, serving


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A receiver thread on 127.0.0.1 (port chosen by the system)."""
    with serving() as state:
        yield state


@pytest.fixture
def clock() -> Clock:
    """Starts at the real time (signature timestamps are checked against it)."""
    return Clock(time.time())
