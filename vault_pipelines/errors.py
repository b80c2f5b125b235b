"""Failures reported without a value from the data: what every asset and check body runs in.

A foreign exception's text may quote a value from the data (``ArrowInvalid`` does), so at the
asset boundary it is replaced by a value-free description; the original traceback is sealed in
the dataset's store scope and only its address is reported.
"""

import traceback
from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg

from vault_core.dataset import DatasetSpec
from vault_core.exceptions import TerminalError, VaultError
from vault_core.vault import Vault
from vault_pipelines.resources import VaultResource


@contextmanager
def value_free_errors(vault: VaultResource, spec: DatasetSpec, stage: str) -> Iterator[None]:
    """Failures that never carry a value from the data into the event log.

    Vault errors say what failed without values (a project rule) and pass; terminal ones fail
    without retries. Any other exception is replaced by its type, the stage and the address of
    its sealed traceback; ``from None`` keeps the original out of Dagster's serialized error.
    """
    try:
        yield
    except dg.Failure:
        raise
    except TerminalError as exc:
        raise dg.Failure(
            description=str(exc),
            allow_retries=False,
            metadata={"error_type": type(exc).__name__},
        ) from None
    except VaultError as exc:
        raise dg.Failure(description=str(exc)) from None
    except Exception as exc:
        sealed = _seal_traceback(vault.get_vault(), spec, exc)
        raise dg.Failure(
            description=(
                f"{spec.name}/{stage} failed with {type(exc).__name__} (its message may quote "
                f"data, so it is not shown; sealed traceback: {sealed})"
            ),
            metadata={"error_type": type(exc).__name__, "sealed_traceback": sealed},
        ) from None


def _seal_traceback(vault: Vault, spec: DatasetSpec, exc: BaseException) -> str:
    text = "".join(traceback.format_exception(exc)).encode("utf-8", "backslashreplace")
    try:
        return vault.store.put(text, scope=spec.name).address
    except Exception:
        return "(not sealed: the store is unavailable)"
