"""OpenLineage run events of a step: START when an asset's step begins, COMPLETE with the
datasets its stage described, FAIL with the step's value-free error. Lineage is a side channel:
a transport error is a warning in the step's log (the error's type, no event content) and the
step goes on. Off unless ``LineageResource.transport`` says where events go.

(No ``from __future__ import annotations``: kept like the other modules the assets use.)
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

import dagster as dg

from vault_core.dataset import DatasetSpec
from vault_core.vault import Vault
from vault_pipelines.resources import LineageResource


class StepLineage:
    """The lineage run of one step; the asset body sets what its stage read and wrote."""

    def __init__(self, run: Any) -> None:
        self._run = run

    def describe(self, build: Callable[[ModuleType], tuple[list[Any], list[Any]]]) -> None:
        """The inputs and outputs (with facets) the COMPLETE or FAIL event will carry, built
        by ``build`` from ``vault_core.lineage`` (imported and called only when lineage is on:
        it needs the ``lineage`` extra). An error in it is a warning; the event keeps the
        datasets' names."""
        try:
            import vault_core.lineage

            self._run.inputs, self._run.outputs = build(vault_core.lineage)
        except Exception as exc:
            self._run.errors.append(f"facets: {type(exc).__name__}")


class _Off(StepLineage):
    def __init__(self) -> None:
        super().__init__(None)

    def describe(self, build: Callable[[ModuleType], tuple[list[Any], list[Any]]]) -> None:
        pass


OFF = _Off()


def _message(exc: BaseException) -> str:
    # A Failure's description is written value-free by the asset (see vault_pipelines.errors);
    # any other exception's text may quote data, so only its type is sent.
    if isinstance(exc, dg.Failure) and exc.description:
        return exc.description
    return type(exc).__name__


@contextmanager
def step_lineage(
    context: dg.AssetExecutionContext,
    lineage: LineageResource,
    the_vault: Vault,
    spec: DatasetSpec,
    stage: str,
) -> Iterator[StepLineage]:
    """START now; COMPLETE when the block ends, FAIL (and re-raise) when it raises."""
    run = _started(context, lineage, the_vault, spec, stage)
    if run is None:
        yield OFF
        return
    try:
        yield StepLineage(run)
    except GeneratorExit:
        raise  # closed by the garbage collector: no step left to report on
    except BaseException as exc:
        run.fail(_message(exc))
        _report(context, run)
        raise
    run.complete()
    _report(context, run)


def _started(
    context: dg.AssetExecutionContext,
    lineage: LineageResource,
    the_vault: Vault,
    spec: DatasetSpec,
    stage: str,
) -> Any:
    """The step's lineage run, its START sent; None when lineage is off or cannot start."""
    if lineage.transport == "off":
        return None
    try:
        from vault_core.lineage import Parent, stage_datasets

        emitter = lineage.emitter(the_vault.settings)
        inputs, outputs = stage_datasets(the_vault, spec, stage)
        run = emitter.run(
            f"{spec.name}/{stage}",
            parent=Parent(lineage.namespace, context.run.job_name, context.run.run_id),
            engine=("dagster", dg.__version__),
            inputs=inputs,
            outputs=outputs,
        )
    except Exception as exc:  # a missing extra or a bad configuration: warn, never fail
        context.log.warning(f"OpenLineage off for this step: {type(exc).__name__}")
        return None
    run.start()
    return run


def _report(context: dg.AssetExecutionContext, run: Any) -> None:
    if run.errors:
        context.log.warning(
            f"OpenLineage: {len(run.errors)} problem(s) with the events of {run.job} "
            f"({', '.join(sorted(set(run.errors)))}); the step is unaffected"
        )
