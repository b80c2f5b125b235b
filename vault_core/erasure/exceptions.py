"""Errors of erasure and dataset deletion (never quoting an identifier)."""

from __future__ import annotations

from vault_core.exceptions import TerminalError


class ErasureError(TerminalError):
    """Base class of erasure errors."""


class ErasureRequestError(ErasureError, ValueError):
    """An erasure request is malformed: no identifiers, no reason, or a reason that quotes one
    of the identifiers (the reason is kept in the audit log and the receipt)."""


class DataErasedError(ErasureError):
    """A Delta version of a dataset's table held records that were erased since: it is gone."""

    def __init__(self, dataset: str, zone: str, version: int, erasure_id: str, reason: str):
        self.dataset, self.zone, self.version = dataset, zone, version
        self.erasure_id, self.reason = erasure_id, reason
        super().__init__(
            f"{dataset}/{zone} Delta version {version} held records erased by erasure "
            f"{erasure_id} ({reason}): it is no longer readable; read the current version"
        )


class DatasetDeletedError(ErasureError):
    """The dataset was deleted (``vault datasets delete``)."""
