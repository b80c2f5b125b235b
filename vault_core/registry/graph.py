"""A directed dependency graph: edges point from an asset to what it depends on (upstream).

Cycles are rejected when an edge is added, with the path that would close; topological order,
transitive upstream and downstream (impact) are plain graph walks.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable

from vault_core.registry.exceptions import CycleError


class DependencyGraph:
    """Nodes are strings (``name`` or ``name@version``)."""

    def __init__(self) -> None:
        self._up: dict[str, set[str]] = defaultdict(set)
        self._down: dict[str, set[str]] = defaultdict(set)
        self._nodes: set[str] = set()

    @classmethod
    def from_edges(cls, edges: Iterable[tuple[str, str]]) -> DependencyGraph:
        """A graph of ``(node, depends_on)`` edges; :class:`CycleError` on a cycle."""
        graph = cls()
        for node, upstream in edges:
            graph.add(node, upstream)
        return graph

    @property
    def nodes(self) -> set[str]:
        """Every node."""
        return set(self._nodes)

    def add_node(self, node: str) -> None:
        """Add a node without edges."""
        self._nodes.add(node)

    def add(self, node: str, depends_on: str) -> None:
        """Add the edge ``node -> depends_on``; :class:`CycleError` if it closes a cycle."""
        path = self._path(depends_on, node)
        if path is not None:
            raise CycleError([node, *path])
        self._nodes.update((node, depends_on))
        self._up[node].add(depends_on)
        self._down[depends_on].add(node)

    def _path(self, start: str, goal: str) -> list[str] | None:
        """A path ``start -> ... -> goal`` along upstream edges, if any (BFS: the shortest)."""
        if start == goal:
            return [start]
        parents: dict[str, str] = {}
        queue = deque([start])
        seen = {start}
        while queue:
            current = queue.popleft()
            for nxt in sorted(self._up.get(current, ())):
                if nxt in seen:
                    continue
                parents[nxt] = current
                if nxt == goal:
                    path = [goal]
                    while path[-1] != start:
                        path.append(parents[path[-1]])
                    return path[::-1]
                seen.add(nxt)
                queue.append(nxt)
        return None

    def depends_on(self, node: str) -> set[str]:
        """Direct upstream of ``node``."""
        return set(self._up.get(node, ()))

    def upstream(self, node: str) -> set[str]:
        """Everything ``node`` depends on, transitively."""
        return self._walk(node, self._up)

    def downstream(self, node: str) -> set[str]:
        """Everything that depends on ``node``, transitively: its impact."""
        return self._walk(node, self._down)

    @staticmethod
    def _walk(node: str, edges: dict[str, set[str]]) -> set[str]:
        found: set[str] = set()
        stack = [node]
        while stack:
            for nxt in edges.get(stack.pop(), ()):
                if nxt not in found:
                    found.add(nxt)
                    stack.append(nxt)
        return found

    def topological_order(self) -> list[str]:
        """Nodes with every dependency before its dependents (ties by name)."""
        pending = {node: len(self._up.get(node, ())) for node in self._nodes}
        ready = sorted(node for node, count in pending.items() if count == 0)
        order: list[str] = []
        while ready:
            node = ready.pop(0)
            order.append(node)
            for dependent in sorted(self._down.get(node, ())):
                pending[dependent] -= 1
                if pending[dependent] == 0:
                    ready.append(dependent)
            ready.sort()
        return order
