"""Dependency graph: cycles rejected with their path, topological order, upstream and impact."""

from __future__ import annotations

import pytest

from vault_core.registry import CycleError, DependencyGraph


def _graph() -> DependencyGraph:
    # model -> tickets -> raw ; report -> model
    return DependencyGraph.from_edges(
        [("model", "tickets"), ("tickets", "raw"), ("report", "model"), ("other", "raw")]
    )


def test_when_edge_closes_a_cycle_then_error_reports_the_path() -> None:
    graph = _graph()
    with pytest.raises(CycleError) as info:
        graph.add("raw", "report")
    assert info.value.path == ["raw", "report", "model", "tickets", "raw"]
    assert "raw -> report -> model -> tickets -> raw" in str(info.value)
    assert "report" not in graph.depends_on("raw")


def test_when_node_depends_on_itself_then_cycle() -> None:
    with pytest.raises(CycleError) as info:
        DependencyGraph.from_edges([("a", "a")])
    assert info.value.path == ["a", "a"]


def test_when_ordered_then_dependencies_come_first() -> None:
    order = _graph().topological_order()
    assert (
        order.index("raw") < order.index("tickets") < order.index("model") < order.index("report")
    )
    assert set(order) == {"raw", "tickets", "model", "report", "other"}


def test_when_walked_then_upstream_and_impact_are_transitive() -> None:
    graph = _graph()
    assert graph.upstream("report") == {"model", "tickets", "raw"}
    assert graph.downstream("raw") == {"tickets", "model", "report", "other"}
    assert graph.downstream("report") == set()
