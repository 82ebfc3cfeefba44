"""A layered drawing of a large graph, computed here in Python: the step-through page's drawing of
graphs too large for Graphviz to lay out quickly (Graphviz's WebAssembly build takes minutes at
10^4 nodes; this takes about a second).

The layout is the classic layered (Sugiyama) one, in three plain passes:

1. ranks: each op node one rank after its latest input, each output one rank after its op, and
   each leaf one rank before its first use (so a layer's weights sit next to the layer);
2. order within each rank: start from the reading order, then a few sweeps that sort each rank by
   the mean position of its neighbours in the rank before (then after): fewer crossings;
3. positions: each node as near the mean of its neighbours as the nodes above it allow.

Each neuron's nodes (those that read a parameter named ``layers.1.neurons.3.w.0`` and so on, up to
its activation) are drawn on a shaded box labelled with the module path ``layers.1.neurons.3``.

The SVG has the shape of Graphviz's, as the page's script reads it: ``<g class="node">`` with the
node's name in its ``<title>`` and a record's texts in order (name, data, grad), ``<g class="edge"
id="n5_op:0">``. Every text is XML-escaped: labels are shown, never run.
"""

from __future__ import annotations

from collections import defaultdict
from html import escape
from typing import Callable

from ..names import full_name
from ..value import Value

FONT = 11.0  # pt, as the Graphviz drawing
CHAR = 0.58 * FONT  # about how wide a character of Helvetica is, on average (digits are 0.556 em)
ROW = 22.0  # a record's height
GAP = 10.0  # between two nodes of a rank
RANK_GAP = 36.0  # between two ranks
OP_WIDTH, OP_HEIGHT = 34.0, 20.0
FILL = {"input": "lightblue", "parameter": "thistle", "constant": "white", "intermediate": "white", "root": "gold"}


def layered_svg(root: Value, order: list[Value], fields: Callable[[Value], list[str]], kinds: dict[Value, str],
                rankdir: str = "LR") -> str:
    """The drawing of ``order`` (root's graph, each node after its inputs) as an ``<svg>`` element:
    records showing ``fields(v)``, one oval per op, edges input -> op -> output."""
    ids = {v: f"n{i}" for i, v in enumerate(order)}
    # the nodes of the drawing: ("n3", v) for a record, ("n3_op", v) for the op that made v
    rank: dict[tuple[str, Value], int] = {}
    inputs: dict[tuple[str, Value], list[tuple[str, Value]]] = defaultdict(list)  # each node's predecessors
    outputs: dict[tuple[str, Value], list[tuple[str, Value]]] = defaultdict(list)
    for v in order:  # inputs before outputs: one pass gives the longest path from the first leaves
        if v.parents:
            op = (ids[v] + "_op", v)
            for p in v.parents:
                inputs[op].append((ids[p], p))
                outputs[(ids[p], p)].append(op)
            inputs[(ids[v], v)].append(op)
            outputs[op].append((ids[v], v))
            rank[op] = 1 + max((rank[(ids[p], p)] for p in v.parents if p.parents), default=0)
            rank[(ids[v], v)] = rank[op] + 1
    for v in order:  # leaves: right before their first use
        if not v.parents:
            users = outputs[(ids[v], v)]
            rank[(ids[v], v)] = min((rank[u] for u in users), default=1) - 1
    ranks: list[list[tuple[str, Value]]] = [[] for _ in range(max(rank.values()) + 1)]
    for v in order:  # reading order first: a neuron's nodes start out together
        if v.parents:
            ranks[rank[(ids[v] + "_op", v)]].append((ids[v] + "_op", v))
        ranks[rank[(ids[v], v)]].append((ids[v], v))

    size = {}
    for column in ranks:
        for node in column:
            name, v = node
            if name.endswith("_op"):
                size[node] = (max(OP_WIDTH, CHAR * len(v.op) + 14), OP_HEIGHT)
            else:
                texts = fields(v)
                widths = [CHAR * max(len(line) for line in t.split("\n")) + 10 for t in texts]
                size[node] = (sum(widths), ROW * max(1, len(texts[0].split("\n"))) if texts else ROW)

    # order: barycentre sweeps, forward then backward
    position = {node: i for column in ranks for i, node in enumerate(column)}
    for sweep in range(4):
        neighbours = inputs if sweep % 2 == 0 else outputs
        sequence = ranks[1:] if sweep % 2 == 0 else ranks[-2::-1]
        for column in sequence:
            def key(node):
                near = neighbours.get(node)
                return sum(position[n] for n in near) / len(near) if near else position[node]
            column.sort(key=key)  # stable: nodes with equal keys keep their order
            for i, node in enumerate(column):
                position[node] = i

    # positions across the ranks (y for LR): near the mean of the inputs, without overlaps
    across: dict[tuple[str, Value], float] = {}
    flip = rankdir in ("TB", "BT")
    extent = (lambda node: size[node][0]) if flip else (lambda node: size[node][1])
    depth = (lambda node: size[node][1]) if flip else (lambda node: size[node][0])
    for column in ranks:
        wanted = []
        for node in column:
            # the mean of its inputs' places, each weighed by 1 / its number of users: a node that
            # many read (an input x, a layer's output) pulls each of its users less
            near = [(across[n], 1 / len(outputs[n])) for n in inputs.get(node, ()) if n in across]
            weight = sum(w for _, w in near)
            wanted.append(sum(a * w for a, w in near) / weight if near else None)
        at, placed = 0.0, []
        for node, want in zip(column, wanted):
            half = extent(node) / 2
            centre = max(at + half, want if want is not None else at + half)
            placed.append(centre)
            at = centre + half + GAP
        given = [w for w in wanted if w is not None]  # shift the column back to where it was wanted
        if given:
            shift = sum(given) / len(given) - sum(placed[i] for i, w in enumerate(wanted) if w is not None) / len(given)
            low = min(placed[i] - extent(node) / 2 for i, node in enumerate(column))
            shift = max(shift, -low)
            placed = [p + shift for p in placed]
        for node, centre in zip(column, placed):
            across[node] = centre
    along: dict[tuple[str, Value], float] = {}
    at = 0.0
    for column in ranks:
        deepest = max((depth(node) for node in column), default=0.0)
        for node in column:
            along[node] = at + deepest / 2
        at += deepest + RANK_GAP
    if rankdir in ("RL", "BT"):
        along = {node: at - RANK_GAP - a for node, a in along.items()}
    width_along = at - RANK_GAP
    width_across = max(across[node] + extent(node) / 2 for node in across)
    margin = 8.0

    def xy(node):
        a, c = along[node], across[node]
        return (c + margin, a + margin) if flip else (a + margin, c + margin)

    w, h = (width_across, width_along) if flip else (width_along, width_across)
    w, h = w + 2 * margin + 160, h + 2 * margin  # room for the last clusters' labels
    out = [f'<svg width="{w:.2f}pt" height="{h:.2f}pt" viewBox="0.00 0.00 {w:.2f} {h:.2f}" '
           'xmlns="http://www.w3.org/2000/svg">',
           '<defs><marker id="cg-arrow" viewBox="0 0 6 6" refX="6" refY="3" markerWidth="6" markerHeight="6" '
           'markerUnits="userSpaceOnUse" orient="auto"><path d="M0,0L6,3L0,6z"/></marker></defs>',
           f'<g id="graph0" class="graph" font-family="Helvetica,sans-Serif" font-size="{FONT:g}" '
           'text-anchor="middle">',
           f'<polygon fill="white" stroke="none" points="0,0 {w:.1f},0 {w:.1f},{h:.1f} 0,{h:.1f}"/>']
    out += _clusters(order, ids, size, xy, flip)
    out.append('<g fill="none" stroke="black" marker-end="url(#cg-arrow)">')
    for column in ranks:  # edges into each node (as short as the SVG allows: 3 edges a node)
        for node in column:
            x2, y2 = xy(node)
            for k, source in enumerate(inputs.get(node, ())):
                x1, y1 = xy(source)
                if flip:
                    towards = 1 if rankdir == "TB" else -1
                    y1, y2e = y1 + towards * size[source][1] / 2, y2 - towards * size[node][1] / 2
                    middle = (y1 + y2e) / 2
                    path = f"M{x1:.0f},{y1:.0f}C{x1:.0f},{middle:.0f} {x2:.0f},{middle:.0f} {x2:.0f},{y2e:.0f}"
                else:
                    towards = 1 if rankdir == "LR" else -1
                    x1, x2e = x1 + towards * size[source][0] / 2, x2 - towards * size[node][0] / 2
                    middle = (x1 + x2e) / 2
                    path = f"M{x1:.0f},{y1:.0f}C{middle:.0f},{y1:.0f} {middle:.0f},{y2:.0f} {x2e:.0f},{y2:.0f}"
                name = node[0]
                edge = f"{name}:{k}" if name.endswith("_op") else f"{name}_op:out"
                out.append(f'<g id="{edge}" class="edge"><path d="{path}"/></g>')
    out.append("</g>")
    for column in ranks:
        for node in column:
            out.append(_node(node, root, fields, kinds, size[node], xy(node)))
    out.append("</g>\n</svg>")
    return "\n".join(out)


def _node(node, root, fields, kinds, size, centre) -> str:
    name, v = node
    (w, h), (x, y) = size, centre
    if name.endswith("_op"):
        return (f'<g class="node"><title>{name}</title><ellipse fill="lightgrey" stroke="black" cx="{x:.1f}" '
                f'cy="{y:.1f}" rx="{w / 2:.1f}" ry="{h / 2:.1f}"/><text x="{x:.1f}" '
                f'y="{y + 4.5:.1f}" font-size="14">{escape(v.op, quote=False)}</text></g>')
    kind = "root" if v is root else kinds[v]
    dash = ' stroke-dasharray="5,2"' if kind == "constant" else ""
    bold = ' stroke-width="2"' if kind == "root" else ""
    left, top = x - w / 2, y - h / 2
    parts = [f'<g class="node"><title>{name}</title><polygon fill="{FILL[kind]}" stroke="black"{dash}{bold} '
             f'points="{left:.1f},{top:.1f} {left + w:.1f},{top:.1f} {left + w:.1f},{top + h:.1f} {left:.1f},{top + h:.1f}"/>']
    texts = fields(v)
    at = left
    for i, t in enumerate(texts):
        lines = t.split("\n")
        width = CHAR * max(len(line) for line in lines) + 10
        if i:
            parts.append(f'<polyline fill="none" stroke="black"{dash} points="{at:.1f},{top:.1f} {at:.1f},{top + h:.1f}"/>')
        for j, line in enumerate(lines):
            ty = top + (j + 0.5) * h / len(lines) + 4
            parts.append(f'<text xml:space="preserve" x="{at + width / 2:.1f}" y="{ty:.1f}">'
                         f'{escape(line, quote=False)}</text>')
        at += width
    parts.append("</g>")
    return "".join(parts)


def module_path(v: Value) -> str | None:
    """The module a model parameter belongs to: ``layers.1.neurons.3`` for ``layers.1.neurons.3.w.0``."""
    name = full_name(v)
    parts = name.split(".")
    if len(parts) >= 3 and parts[-1].isdigit():
        parts = parts[:-1]  # w.0 -> w
    return ".".join(parts[:-1]) if len(parts) >= 2 and "neurons" in parts else None


def _clusters(order, ids, size, xy, flip) -> list[str]:
    """A shaded, labelled box behind each neuron's nodes: its parameters and every node computed
    from them and from no other neuron's parameters (its weighted sum, bias and activation; of
    an output that several nodes read, only the op)."""
    users: dict[Value, int] = defaultdict(int)
    for v in order:
        for p in v.parents:
            users[p] += 1
    owner: dict[Value, str] = {}
    for v in order:
        if not v.parents:
            path = module_path(v)
            if path is not None:
                owner[v] = path
        else:  # a node made from one neuron's own nodes (not from the outputs the layer shares)
            paths = {owner[p] for p in v.parents if p in owner and users[p] <= 1}
            if len(paths) == 1:
                owner[v] = paths.pop()
    boxes: dict[str, list[float]] = {}
    count: dict[str, int] = defaultdict(int)
    for v, path in owner.items():
        count[path] += 1
        # the neuron's output, which the next layer reads, is drawn by the next layer: its op only
        nodes = [(ids[v], v)] if users[v] <= 1 else []
        nodes += [(ids[v] + "_op", v)] if v.parents else []
        for node in nodes:
            (x, y), (w, h) = xy(node), size[node]
            b = boxes.setdefault(path, [x - w / 2, y - h / 2, x + w / 2, y + h / 2])
            b[0], b[1] = min(b[0], x - w / 2), min(b[1], y - h / 2)
            b[2], b[3] = max(b[2], x + w / 2), max(b[3], y + h / 2)
    out = []
    for path, (x0, y0, x1, y1) in boxes.items():
        if (x1 - x0 if flip else y1 - y0) > 2 * count[path] * (ROW + GAP):
            continue  # a neuron whose nodes lie far apart (one that reads each of the layer before): no box
        label = CHAR * len(path) + 8  # the module path, to the right of the neuron's last node
        out.append(f'<g class="cluster"><title>{escape(path)}</title><rect x="{x0 - 4:.1f}" y="{y0 - 3:.1f}" '
                   f'width="{x1 - x0 + 8 + label:.1f}" height="{y1 - y0 + 6:.1f}" rx="4" fill="#f3f0ff" '
                   f'stroke="#b197fc"/><text text-anchor="start" x="{x1 + 6:.1f}" y="{(y0 + y1) / 2 + 4:.1f}" font-size="{FONT - 1:g}" '
                   f'fill="#5f3dc4">{escape(path)}</text></g>')
    return out
