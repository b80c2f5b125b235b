"""The check child: calls run in one long-lived interpreter, errors come back typed, only
vault_core functions are called."""

from __future__ import annotations

import weakref

import pyarrow as pa
import pytest

from vault_core.child_process import (
    ENGINE,
    SUITES,
    ChildProcess,
    ChildTraceback,
    _outcome,
    shared_child,
)
from vault_core.digest import canonical_text_row_bytes
from vault_core.pii import ColumnNotFoundError, PiiEngineConfig


def test_when_calling_twice_then_one_child_answers_both() -> None:
    child = ChildProcess()
    try:
        row = {"b": "1", "a": "x"}
        first = child.call("vault_core.digest:canonical_text_row_bytes", row)
        pid = child.pid
        assert first == canonical_text_row_bytes(row)
        assert child.call("vault_core.digest:canonical_text_row_bytes", row) == first
        assert child.pid == pid
    finally:
        child.close()


def test_each_role_has_one_shared_child_of_its_own() -> None:
    assert shared_child() is shared_child(SUITES)
    assert shared_child(ENGINE) is shared_child(ENGINE)
    assert shared_child(ENGINE) is not shared_child(SUITES)


def test_when_the_function_raises_then_the_caller_gets_its_type_and_message() -> None:
    child = ChildProcess()
    try:
        table = pa.table({"record_id": ["r1"], "body": ["text"]})
        config = PiiEngineConfig(mode="patterns").model_dump_json()
        with pytest.raises(ColumnNotFoundError, match="no column 'notes'") as raised:
            child.call("vault_core.pii.isolated:detect_in_child", config, table, ["notes"])
        assert raised.value.column == "notes"
        assert isinstance(raised.value.__cause__, ChildTraceback)
    finally:
        child.close()


def test_when_the_function_is_not_vault_cores_then_it_is_refused() -> None:
    with pytest.raises(ValueError, match="only vault_core functions"):
        ChildProcess().call("os:system", "true")


def test_when_a_call_returns_or_raises_then_nothing_holds_its_arguments() -> None:
    # A partition's table must go with its call: kept until the next request was read, it sat
    # in the child's memory beside the next partition's. A raised error's traceback holds the
    # call's frames (and the table in them): it is dropped before the error is sent.
    config = PiiEngineConfig(mode="patterns").model_dump_json()
    for columns in (["body"], ["notes"]):
        table = pa.table({"record_id": ["r1"], "body": ["text"]})
        held = weakref.ref(table)
        outcome = _outcome("vault_core.pii.isolated:detect_in_child", (config, table, columns))
        del table
        assert held() is None, outcome[0]
        if outcome[0] == "error":
            assert outcome[1].__traceback__ is None
            assert "ColumnNotFoundError" in outcome[2]
