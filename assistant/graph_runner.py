"""A graph runner for ``rasa run`` that calls the model's graph nodes in order, without dask.

Rasa 3.6 runs the prediction graph through ``dask.get`` on every parse and on every action
prediction: it rebuilds the minimal schema (a recursive walk), builds a dask graph and lets dask
order and dispatch the tasks. For graphs of a dozen nodes that bookkeeping was about a tenth of
the Rasa server's time under load (py-spy, 10 concurrent conversations). This runner works out
the order once per set of targets and then calls the same ``GraphNode`` objects with the same
inputs, so every component sees exactly what it saw under dask; errors come out the same way
(``GraphRunError`` for a ``RuntimeError``, the component's own exception otherwise).

assistant/speedups.py installs it for the predict graph only; training keeps Rasa's dask runner.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.exceptions import GraphRunError
from rasa.engine.graph import ExecutionContext, GraphNode, GraphNodeHook, GraphSchema
from rasa.engine.runner.interface import GraphRunner
from rasa.engine.storage.storage import ModelStorage

# (node name, the names of the nodes or inputs it needs, in the order of its `needs`)
Step = tuple[str, tuple[str, ...]]


def execution_order(schema: GraphSchema, targets: list[str]) -> list[Step]:
    """The nodes the targets depend on, each after everything it needs (depth-first post-order).

    Names in ``needs`` that are not nodes (``__message__``, ``__tracker__``) are run inputs.
    """
    order: list[Step] = []
    done: set[str] = set()
    in_progress: set[str] = set()

    def visit(name: str) -> None:
        if name in done or name not in schema.nodes:
            return
        if name in in_progress:
            raise GraphRunError(f"The graph has a cycle through '{name}'.")
        in_progress.add(name)
        needs = tuple(schema.nodes[name].needs.values())
        for need in needs:
            visit(need)
        in_progress.discard(name)
        done.add(name)
        order.append((name, needs))

    for target in targets:
        visit(target)
    return order


class SequentialGraphRunner(GraphRunner):
    """Runs the graph's nodes one after another in dependency order (the predict graph is small and
    its components are called one at a time under dask's synchronous scheduler anyway)."""

    def __init__(self, graph_schema: GraphSchema, model_storage: ModelStorage,
                 execution_context: ExecutionContext, hooks: list[GraphNodeHook] | None = None) -> None:
        self._graph_schema = graph_schema
        self._nodes: dict[str, GraphNode] = {
            name: GraphNode.from_schema_node(name, node, model_storage, execution_context, hooks)
            for name, node in graph_schema.nodes.items()
        }
        self._orders: dict[tuple[str, ...], list[Step]] = {}

    @classmethod
    def create(cls, graph_schema: GraphSchema, model_storage: ModelStorage, execution_context: ExecutionContext,
               hooks: list[GraphNodeHook] | None = None) -> SequentialGraphRunner:
        return cls(graph_schema, model_storage, execution_context, hooks)

    def _order(self, targets: list[str]) -> list[Step]:
        key = tuple(targets)
        if key not in self._orders:
            self._orders[key] = execution_order(self._graph_schema, targets)
        return self._orders[key]

    def run(self, inputs: dict[str, Any] | None = None, targets: list[str] | None = None) -> dict[str, Any]:
        """Runs the nodes the targets need; returns each target's output by name, as DaskGraphRunner does."""
        run_targets = list(targets) if targets else list(self._graph_schema.target_names)
        # Each result is what a GraphNode returns and takes: (node or input name, output).
        results: dict[str, Any] = {}
        for name, value in (inputs or {}).items():
            if name in self._graph_schema.nodes:
                raise GraphRunError(
                    f"Input value '{name}' clashes with a node name. Make sure that none of the input names "
                    f"passed to the `run` method are the same as node names in the graph schema.")
            results[name] = (name, value)
        try:
            for name, needs in self._order(run_targets):
                # A need nobody provided reaches the node as its bare name, as under dask; GraphNode
                # then reports the missing input.
                results[name] = self._nodes[name](*(results.get(need, need) for need in needs))
        except RuntimeError as error:
            raise GraphRunError("Error running runner.") from error
        return dict(results[target] for target in run_targets)
