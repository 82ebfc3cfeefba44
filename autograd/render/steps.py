"""Backprop, one step at a time: the steps of a graph's forward and backward pass, and a page that
plays them over the graph's drawing.

``step_through(root)`` lists the steps. Forward: one per node in topological order, filling in
its number. Backward: first the seed (d root / d root = 1), then one per (op node, input) pair in
the order backprop applies them, each adding one contribution to the input's gradient. All the
arithmetic comes from the op table: ``code`` writes each op, ``derivative`` gives each local
derivative and each contribution, exactly as ``backward()`` computes them, so the running totals
end at ``backward()``'s gradients bit for bit.

The page (``StepThrough.html``) is one self-contained HTML file: the SVG as ``draw_dot`` lays it out,
the steps as JSON, and a small script (``step_through.js``, with ``step_through.css``) that fills
in the SVG's texts step by step. It loads nothing from anywhere (its Content-Security-Policy
allows no request and only its own script and style), and labels only ever reach it as text.
"""

from __future__ import annotations

import ast
import base64
import copy
import hashlib
import html
import json
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from ..backward import topological_order
from ..files import writable_folder, write_atomically
from ..names import display_names, full_name, node_kinds
from ..ops import OPS
from ..value import Value
from .numbers import digits as _digits, full
from .layered import layered_svg
from .svg import DEFAULT_MAX_NODES, LEGEND, nodes_to_draw, svg_from_dot, value_graph


@dataclass(frozen=True, eq=False, slots=True)
class Step:
    """One step of the forward or the backward pass.

    ``kind`` is "forward" (the step fills in ``node``'s number) or "backward" (it adds one
    contribution to ``node``'s gradient); ``text`` is its arithmetic, e.g. ``e = a * b = 2 * (-3)
    = -6`` or ``dL/db += dL/de * de/db = -2 * 2 = -4``; ``value`` is ``node.data``.

    Backward steps also carry ``upstream`` (d root / d output, the gradient of the op's output so
    far, which backprop has completed), ``local`` (d output / d node, from the op's derivative rule
    at g = 1), ``contribution`` (what the step adds, computed as backward() computes it) and
    ``total`` (node's gradient after the step); ``output`` is the op node the gradient comes from
    and ``index`` which of its inputs ``node`` is; ``reads`` the nodes whose numbers the local
    derivative reads, as the op table's ``reads`` says (for ``e = a * b``, de/da reads ``b``; for
    ``t = tanh(x)``, dt/dx reads ``t``; for ``a + b`` nothing), each once, in the op's order. The
    first backward step, the seed, has only ``contribution`` and ``total`` (both 1.0) and
    ``output`` None; forward steps read nothing here (what they compute from is ``node.parents``).

    With an optimizer, "update" steps come last, one per parameter of the graph: the optimizer's
    own statements for one parameter with the numbers filled in, one per line of ``lines`` (and
    ``text``): ``w[0,2,1] = w[0,2,1] - lr * g = 0.31 - 0.1 * 0.42 = 0.268``. ``before`` is the
    parameter's number before the step, ``value`` after it, ``total`` the gradient it used. The
    first update step of a parameter group also has the statements run once per step (Adam's
    ``t = t + 1``) at the start of its lines.
    """

    kind: str
    node: Value
    text: str
    value: float
    upstream: float | None = None
    local: float | None = None
    contribution: float | None = None
    total: float | None = None
    output: Value | None = None
    index: int | None = None
    reads: tuple[Value, ...] = ()
    before: float | None = None
    lines: tuple[str, ...] = ()


class StepThrough:
    """The steps of one graph (``.steps``) and the page that shows them (``.html``, ``.save(path)``,
    and inline display in Jupyter); ``.name`` is the root's label or made-up name. Made by
    `step_through`."""

    def __init__(self, root: Value, rankdir: str = "LR", max_nodes: int = DEFAULT_MAX_NODES,
                 optimizer: Any = None) -> None:
        if not isinstance(root, Value):
            raise TypeError(f"step_through needs a Value, got {type(root).__name__}")
        if optimizer is not None and not callable(getattr(optimizer, "update_rule", None)):
            raise TypeError(f"optimizer must be an nn optimizer (SGD, Adam, AdamW), got {type(optimizer).__name__}")
        order = nodes_to_draw(root, rankdir, max_nodes)  # checks the options before any work
        forward = reading_order(root)
        names = node_names(forward)
        backward = backward_steps(root, names)
        self.steps: list[Step] = forward_steps(forward, names) + backward
        if optimizer is not None:
            gradients = {s.node: s.total for s in backward}  # each node's last total: its gradient
            self.steps += update_steps(optimizer, gradients, names, differential(names[root]))
        self.name = names[root]
        self._root, self._order, self._rankdir, self._names = root, order, rankdir, names
        self._kinds = node_kinds(order, optimizer.params if optimizer is not None else ())
        self._data = page_data(order, names, self.steps, root, self._kinds)
        self._html: str | None = None

    def __repr__(self) -> str:
        forward = sum(s.kind == "forward" for s in self.steps)
        update = sum(s.kind == "update" for s in self.steps)
        updates = f" and {update} update steps" if update else ""
        return (f"<StepThrough of {self.name!r}: {forward} forward and "
                f"{len(self.steps) - forward - update} backward steps{updates}>")

    @property
    def html(self) -> str:
        """The page: one self-contained HTML document (laid out on first use, then kept)."""
        if self._html is None:
            svg = graph_svg(self._root, self._order, self._rankdir, self._names, self._data["steps"], self._kinds)
            self._html = page(svg, self._data, self.name)
        return self._html

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the page to ``path``, whole or not at all; FileNotFoundError, before any work, if
        the folder does not exist. Returns ``path`` as a Path."""
        writable_folder(path)
        return write_atomically(path, self.html)

    def _repr_html_(self) -> str:
        # A sandboxed frame (srcdoc: it works in JupyterLab, classic Notebook, VS Code and
        # nbconvert's HTML): the page's script runs in it, cut off from the notebook. It is as tall
        # as the controls and the graph, up to FRAME_CAP px; the graph pans and zooms inside it.
        return (f'<iframe srcdoc="{html.escape(self.html, quote=True)}" sandbox="allow-scripts" '
                f'title="backprop step by step: {html.escape(self.name, quote=True)}" '
                f'width="100%" height="{self.frame_height()}" style="border: 0"></iframe>')

    def frame_height(self) -> int:
        """The height in px of the inline frame: the page's controls and panel (CONTROLS_HEIGHT) and
        the graph at its natural size, at most FRAME_CAP."""
        points = re.search(r'<svg width="[^"]*" height="([\d.]+)pt"', self.html)
        graph = float(points[1]) * 4 / 3 if points else FRAME_CAP
        return min(FRAME_CAP, round(graph) + CONTROLS_HEIGHT)


FRAME_CAP = 600  # px: the inline page's largest height; a larger graph pans and zooms inside it
CONTROLS_HEIGHT = 210  # px: the title, controls, panel and legend above the graph, about


def step_through(root: Value, optimizer: Any = None, **draw_options: Any) -> StepThrough:
    """The forward and backward steps of ``root``'s graph, and the page that plays them; with an
    ``optimizer`` (an ``nn.SGD``, ``nn.Adam`` or ``nn.AdamW``) also its update of each parameter
    of the graph, the whole training step (see `update_steps`).

    Reads the graph as it is (forward values computed; ``backward()`` is not needed and nothing
    is changed: not the graph, not the optimizer). ``draw_options`` are `draw_dot`'s
    (``rankdir``, ``max_nodes``).
    """
    return StepThrough(root, optimizer=optimizer, **draw_options)


def render_html(root: Value, path: str | os.PathLike[str], **draw_options: Any) -> Path:
    """Write the step-through page of ``root``'s graph to ``path`` (see `step_through`), atomically;
    FileNotFoundError, before any work, if the folder does not exist."""
    writable_folder(path)
    return step_through(root, **draw_options).save(path)


# --- the steps ---

# A number's text, written once per distinct number: a graph's steps write the same numbers many
# times (an op's upstream gradient once per input). Keyed by the float: -0.0 and 0.0 write the same.
digits = lru_cache(maxsize=1 << 16)(_digits)
short = digits  # the record's fields write numbers as the steps do


node_names = display_names  # each node's name as the steps write it (see autograd.names)


_PLAIN_NAME = re.compile(r"[\w.\[\],']+")


def operand(name: str) -> str:
    """A name as it appears inside arithmetic: in parentheses unless it is one word like w01[0,1]."""
    return name if _PLAIN_NAME.fullmatch(name) else f"({name})"


def differential(name: str) -> str:
    """d in front of a name: dL, dw2 for a letter (and digits); d(error), d(w[0]) for any other."""
    return f"d{name}" if re.fullmatch(r"[A-Za-z]\d*", name) else f"d({name})"


def number(x: float) -> str:
    """A number as it appears inside arithmetic: short, and a negative one in parentheses."""
    text = digits(x)
    return f"({text})" if text.startswith("-") else text


def reading_order(root: Value) -> list[Value]:
    """Every node of root's graph, each right after its inputs, inputs in order (a, b, a*b, c, ...):
    a topological order that reads like the code that built the graph. Iterative, no recursion."""
    order: list[Value] = []
    seen = {root}
    stack = [(root, iter(root.parents))]
    while stack:
        node, parents = stack[-1]
        for p in parents:
            if p not in seen:
                seen.add(p)
                stack.append((p, iter(p.parents)))
                break
        else:  # every input is in order
            stack.pop()
            order.append(node)
    return order


def tidy(expression: str) -> str:
    """One pair of parentheses where an operand's met a call's: relu((-2)) is relu(-2)."""
    return re.sub(r"\(\(([^()]*)\)\)", r"(\1)", expression)


def forward_steps(order: list[Value], names: dict[Value, str]) -> list[Step]:
    """One step per node of ``order`` (a `reading_order`): ``e = a * b = 2 * (-3) = -6``."""
    steps = []
    for v in order:
        text = f"{names[v]} = {digits(v.data)}"
        if v.parents:
            code = OPS[v.op].text
            written = tidy(code(*[operand(names[p]) for p in v.parents]))
            numbers = tidy(code(*[number(p.data) for p in v.parents]))
            text = f"{names[v]} = {written} = {numbers} = {digits(v.data)}"
        steps.append(Step("forward", v, text, v.data))
    return steps


def backward_steps(root: Value, names: dict[Value, str]) -> list[Step]:
    """The seed, then one step per (op node, input) pair, in the order backward() visits them."""
    top = differential(names[root])

    def d(of: Value, wrt: Value) -> str:
        return f"{differential(names[of])}/{differential(names[wrt])}"

    sums = {root: 1.0}  # each node's gradient so far, summed as backward() sums it
    steps = [Step("backward", root, f"{d(root, root)} = 1", root.data, contribution=1.0, total=1.0)]
    for out in reversed(topological_order(root, leaves=False)):
        rule = OPS[out.op].derivative
        xs = [p.data for p in out.parents]
        upstream = sums[out]
        contributions = rule(upstream, out.data, *xs)
        local_derivatives = rule(1.0, out.data, *xs)
        reads = local_reads(out)
        for i, (p, contribution, local) in enumerate(zip(out.parents, contributions, local_derivatives)):
            sums[p] = contribution if p not in sums else sums[p] + contribution
            total = 0.0 + sums[p]  # what backward() adds to a .grad of 0.0
            text = (f"{d(root, p)} += {d(root, out)} * {d(out, p)} = "
                    f"{digits(upstream)} * {number(local)} = {digits(contribution)}")
            steps.append(Step("backward", p, text, p.data, upstream, local, contribution, total, out, i, reads[i]))
    return steps


def update_steps(optimizer: Any, gradients: dict[Value, float], names: dict[Value, str], top: str) -> list[Step]:
    """One step per parameter of ``optimizer`` that is in the graph (``gradients`` has it), group
    after group in the optimizer's order: its update as the optimizer computes it in
    ``opt.step()``, by running the statements of the optimizer's own ``update_rule`` (see
    nn.optim.UpdateRule) with the gradient this graph's backward pass gives (as ``zero_grad()``
    then ``backward()`` would leave in ``.grad``), on copies of the optimizer's state: nothing of
    the optimizer or the model changes. ``top`` is how the root is written in a gradient (dL)."""
    steps = []
    for i, group in enumerate(optimizer.param_groups):
        params = [p for p in group["params"] if p in gradients]
        if not params:
            continue
        rule = optimizer.update_rule(group)
        shared = {**rule.functions, **dict(zip(rule.hyper, optimizer.hypers(group))),
                  **rule.step_state, **optimizer.group_state[i]}
        first = [run_statement(statement, shared, {}) for statement in rule.per_step]
        for p in params:
            state = optimizer.state.get(p)
            here = {**shared, **rule.param_state, **(dict(state.items()) if state is not None else {}),
                    "p": p.data, "g": gradients[p]}
            lines = [*first, f"g = {top}/{differential(names[p])} = {digits(gradients[p])}"]
            lines += [run_statement(statement, here, {"p": names[p]}) for statement in rule.per_param]
            steps.append(Step("update", p, "\n".join(lines), here["p"], total=gradients[p], before=p.data,
                              lines=tuple(lines)))
            first = []
    return steps


def run_statement(statement: str, namespace: dict, shown_as: dict[str, str]) -> str:
    """Run one statement of an update rule in ``namespace`` (which it changes), and return it
    written for people: ``m = beta1 * m + (1.0 - beta1) * g = 0.9 * 0 + (1.0 - 0.9) * 0.5 = 0.05``,
    with the names in ``shown_as`` written as given (p as the parameter's name) and, of a
    conditional expression, only the branch taken."""
    tree = ast.parse(statement).body[0]
    if not isinstance(tree, ast.Assign) or len(tree.targets) != 1:
        raise ValueError(f"an update statement must assign once, got {statement!r}")
    value = _taken_branches(tree.value, namespace)

    class Renamed(ast.NodeTransformer):
        def __init__(self, text_of):
            self.text_of = text_of

        def visit_Name(self, node: ast.Name) -> ast.AST:
            text = self.text_of(node.id)
            return ast.Name(text, node.ctx) if text is not None else node

    def as_number(name: str) -> str | None:
        return _filled_in(namespace[name]) if name in namespace and not callable(namespace[name]) else None

    targets = tree.targets[0].elts if isinstance(tree.targets[0], ast.Tuple) else [tree.targets[0]]
    target = ", ".join(ast.unparse(Renamed(shown_as.get).visit(copy.deepcopy(t))) for t in targets)
    written = ast.unparse(Renamed(shown_as.get).visit(copy.deepcopy(value)))
    numbers = ast.unparse(Renamed(as_number).visit(copy.deepcopy(value)))
    exec(compile(statement, "<update rule>", "exec"), namespace)
    assigned = [node.id for node in ast.walk(tree.targets[0]) if isinstance(node, ast.Name)]
    result = ", ".join(_filled_in(namespace[name], bare=True) for name in assigned)
    parts = [target]
    for part in (written, numbers, result):
        if part != parts[-1] and part.strip("()") != parts[-1].strip("()"):
            parts.append(part)
    return " = ".join(parts)


def _taken_branches(tree: ast.expr, namespace: dict) -> ast.expr:
    """``tree`` with each conditional expression (a if test else b) replaced by its branch taken."""
    class Taken(ast.NodeTransformer):
        def visit_IfExp(self, node: ast.IfExp) -> ast.AST:
            test = eval(compile(ast.Expression(node.test), "<update rule>", "eval"), dict(namespace))
            return self.visit(node.body if test else node.orelse)

    return Taken().visit(copy.deepcopy(tree))


def _filled_in(x: Any, bare: bool = False) -> str:
    """A value of an update rule as its statements show it: a number as `number` writes it (or
    `digits`, if ``bare``), a tuple of them in parentheses, anything else (None) by repr."""
    if isinstance(x, tuple):
        inner = ", ".join(_filled_in(item, True) for item in x)
        return inner if bare else f"({inner})"
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return repr(x)
    return digits(x) if bare else number(x)


def local_reads(out: Value) -> list[tuple[Value, ...]]:
    """For each input of the op node ``out``, the nodes its local derivative reads (the op table's
    ``reads``: positions of inputs, and "out" for ``out`` itself), each node once."""
    where = OPS[out.op].reads(len(out.parents))
    return [tuple(dict.fromkeys(out if r == "out" else out.parents[r] for r in per_input)) for per_input in where]


# --- the page ---


def page_data(order: list[Value], names: dict[Value, str], steps: list[Step], root: Value,
              kinds: dict[Value, str] | None = None) -> dict:
    """What the page's script needs: each record node's name in the SVG (n0, n1, ... in draw_dot's
    ``order``), its kind and full name (for hover), and for each step what it writes where, what it
    highlights (``reads``: the nodes the local derivative reads) and what the panel says, with the
    number it writes in full (``exact``, for hover)."""
    kinds = node_kinds(order) if kinds is None else kinds
    ids = {v: f"n{i}" for i, v in enumerate(order)}
    uses_left = {}
    for s in steps:
        if s.kind == "backward":
            uses_left[s.node] = uses_left.get(s.node, 0) + 1
    forward_count = len(order)
    update_count = sum(s.kind == "update" for s in steps)
    backward_count = len(steps) - forward_count - update_count
    shown = {}  # (node id, field) -> the text it shows so far
    out = []
    for k, s in enumerate(steps):
        node = ids[s.node]
        if s.kind == "forward":
            field, text = "data", f"data {short(s.value)}"
            phase = f"Forward pass: step {k + 1} of {forward_count}"
            op = f"{node}_op" if s.node.parents else None
            sources = list(dict.fromkeys(ids[p] for p in s.node.parents))
            edges = [f"{op}:{i}" for i in range(len(s.node.parents))] + [f"{op}:out"] if op else []
            note = "a leaf: its number is given" if not s.node.parents else ""
        elif s.kind == "update":
            field, text = "data", f"data {short(s.value)}"
            phase = f"Update: step {k + 1 - forward_count - backward_count} of {update_count}"
            op, sources, edges = None, [], []
            note = f"the optimizer's step moves {names[s.node]} from {short(s.before)} to {short(s.value)}"
        else:
            field, text = "grad", f"grad {short(s.total)}"
            phase = f"Backward pass: step {k + 1 - forward_count} of {backward_count}"
            uses_left[s.node] -= 1
            gradient = f"{differential(names[root])}/{differential(names[s.node])}"
            if s.output is None:
                op, sources, edges = None, [], []
                note = "backprop starts at the output: its gradient with respect to itself is 1"
            else:
                op = f"{ids[s.output]}_op"
                sources = [ids[s.output]]
                edges = [f"{op}:{s.index}", f"{op}:out"]
                more = uses_left[s.node]
                note = (f"{gradient} is now {short(s.total)}, with {more} more to add" if more
                        else f"{gradient} = {short(s.total)}, complete")
        out.append({
            "kind": s.kind, "node": node, "field": field, "was": shown.get((node, field), ""),
            "shows": text, "text": s.text, "note": note, "phase": phase, "from": sources,
            "op": op, "edges": edges, "reads": [ids[v] for v in s.reads],
            "exact": full(s.total if s.kind == "backward" else s.value),
        })
        shown[(node, field)] = text
    return {
        "records": [ids[v] for v in order],
        "kinds": [kinds[v] for v in order],
        "full_names": [full_name(v) for v in order],
        "steps": out,
        "intro": "Press Next (or the right arrow key) to run the forward pass, one node at a time; "
                 "then the backward pass fills in the gradients, one chain-rule step at a time.",
    }


def graph_svg(root: Value, order: list[Value], rankdir: str, names: dict[Value, str], steps: list[dict],
              kinds: dict[Value, str] | None = None) -> str:
    """The graph as an <svg> element for the page, laid out as draw_dot lays it out (or, above
    LAYERED_ABOVE nodes, by `layered_svg`): each record shows the node's name, and each field is
    as wide as the longest text the steps write in it."""
    ids = {v: f"n{i}" for i, v in enumerate(order)}
    longest = _longest_texts(steps)

    def fields(v: Value) -> list[str]:
        return [names[v], longest[ids[v], "data"], longest[ids[v], "grad"]]

    kinds = node_kinds(order) if kinds is None else kinds
    if len(order) > LAYERED_ABOVE:
        svg = layered_svg(root, order, fields, kinds, rankdir)
    else:
        svg = svg_from_dot(value_graph(root, order, rankdir, fields, edge_ids=True, kinds=kinds).source).decode("utf-8")
    return enlarged(svg[svg.index("<svg"):], SCALE)  # without the XML prolog


def _longest_texts(steps: list[dict]) -> dict[tuple[str, str], str]:
    longest: dict[tuple[str, str], str] = {}
    for s in steps:
        key = (s["node"], s["field"])
        if len(s["shows"]) > len(longest.get(key, "")):
            longest[key] = s["shows"]
    return longest


LAYERED_ABOVE = 200  # nodes: a larger graph is laid out by layered_svg (Graphviz takes minutes at 10^4)
SCALE = 1.25  # the page draws the graph a little larger than render_svg, for reading at a glance


def enlarged(svg: str, factor: float) -> str:
    """The SVG drawn ``factor`` times as large (its width and height; the viewBox keeps the layout)."""
    size = re.compile(r'^<svg width="([\d.]+)pt" height="([\d.]+)pt"')
    return size.sub(lambda m: f'<svg width="{float(m[1]) * factor:.2f}pt" height="{float(m[2]) * factor:.2f}pt"', svg)


def script_json(data: Any) -> str:
    """``data`` as JSON that is safe inside a <script> element: no <, >, & or line separators."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for c in "<>&\u2028\u2029":
        text = text.replace(c, f"\\u{ord(c):04x}")
    return text


def _asset(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def page(svg: str, data: dict, name: str) -> str:
    """The HTML document: controls, panel, legend, the SVG, the steps as JSON and the script."""
    script, style = _asset("step_through.js"), _asset("step_through.css")
    policy = f"default-src 'none'; script-src {_csp_hash(script)}; style-src {_csp_hash(style)}"
    title = html.escape(name)
    n = len(data["steps"])
    drawn = set(data["kinds"])
    kinds = "".join(f'<span><i class="cg-key cg-key-{k}"></i>{html.escape(LEGEND[k])}</span>\n'
                    for k in LEGEND if k in drawn or k == "root")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{policy}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Backprop step by step: {title}</title>
<style>{style}</style>
</head>
<body>
<div id="cg-top">
<h1>Backprop step by step: <span class="cg-name">{title}</span></h1>
<noscript><p>This page steps through backprop with JavaScript, which is turned off here.</p></noscript>
<div class="cg-controls">
<button type="button" id="cg-reset" title="back to the start (Home)">&#9198; Start</button>
<button type="button" id="cg-prev" title="undo the last step (left arrow)">&#9664; Previous</button>
<button type="button" id="cg-play">Play</button>
<button type="button" id="cg-next" title="the next step (right arrow)">Next &#9654;</button>
<button type="button" id="cg-end" title="to the end (End)">End &#9197;</button>
<select id="cg-speed" aria-label="speed of Play" title="speed of Play">
<option value="1">1 step/s</option><option value="2" selected>2 steps/s</option><option value="5">5 steps/s</option>
<option value="20">20 steps/s</option><option value="100">100 steps/s</option>
<option value="max">as fast as it draws</option>
</select>
<input type="range" id="cg-slider" min="0" max="{n}" value="0" aria-label="step">
<span id="cg-counter">step 0 of {n}</span>
</div>
<div class="cg-controls">
<button type="button" id="cg-zoom-out" title="zoom out (-)">&minus;</button>
<button type="button" id="cg-zoom-in" title="zoom in (+)">+</button>
<button type="button" id="cg-fit" title="the whole graph (0)">Fit</button>
<input type="search" id="cg-search" placeholder="find a node" aria-label="find a node by name">
<button type="button" id="cg-search-go">Find</button>
<span id="cg-found"></span>
<span class="cg-hint">drag to pan, wheel to scroll, Ctrl+wheel to zoom; hover a node for its full name and numbers</span>
</div>
<div id="cg-panel" aria-live="polite">
<div id="cg-phase"></div>
<div id="cg-text"></div>
<div id="cg-note"></div>
</div>
<div class="cg-legend">
<span><i class="cg-key cg-key-current"></i>the number being filled in</span>
<span><i class="cg-key cg-key-from"></i>what it is computed from</span>
<span><i class="cg-key cg-key-read"></i>what the local derivative reads</span>
<span><i class="cg-key cg-key-edge"></i>the edge it flows along</span>
{kinds}</div>
</div>
<div id="cg-graph">
<div id="cg-tip" hidden></div>
{svg}</div>
<script type="application/json" id="cg-data">{script_json(data)}</script>
<script>{script}</script>
</body>
</html>
"""
