"""Asset check evaluations applied to registered versions after registration.

A check evaluates one materialization of an upstream asset (``tickets/anonymized``). Every version
built from that materialization gets the result in ``checks``; a failed check of ERROR severity
makes it ``non_compliant`` with the reason. Compliance is never restored automatically: after a
review, :meth:`Registry.set_status` makes it ``active`` again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from vault_core.registry.records import AssetVersion

ERROR = "ERROR"


@dataclass(frozen=True)
class CheckEvaluation:
    """One evaluation of an asset check, as the orchestrator recorded it (no metadata values)."""

    asset: str
    """Asset the check targets (``tickets/anonymized``)."""
    check: str
    """Check name (``no_pii_left``)."""
    passed: bool
    target_storage_id: int
    """Storage id of the materialization that was checked."""
    storage_id: int
    """Storage id of the evaluation itself (orders evaluations)."""
    severity: str = ERROR
    """``ERROR`` or ``WARN``: only a failed ERROR check makes a version non-compliant."""
    run_id: str | None = None

    @property
    def breaks_compliance(self) -> bool:
        """A failed check of ERROR severity."""
        return not self.passed and self.severity.upper() == ERROR

    @property
    def reason(self) -> str:
        """Why a version built from the checked materialization is non-compliant."""
        run = f"run {self.run_id}" if self.run_id else "reported outside a run"
        return (
            f"asset check {self.check} failed on {self.asset} "
            f"(severity {self.severity.upper()}, {run}, evaluation {self.storage_id})"
        )


def affected(records: Iterable[AssetVersion], evaluation: CheckEvaluation) -> list[AssetVersion]:
    """Versions built from the materialization ``evaluation`` checked."""
    return [
        record
        for record in records
        if any(
            ref.asset == evaluation.asset and ref.storage_id == evaluation.target_storage_id
            for ref in record.provenance.upstream
        )
    ]
