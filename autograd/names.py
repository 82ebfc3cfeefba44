"""Names of the nodes of a graph, for people: the labels a model gives its parameters, the short
form drawings show, and the kind of each node (input, parameter, constant, intermediate).

A model (an ``nn.Module``) labels each of its parameters with its place in the model, the name
``named_parameters`` gives it: ``layers.0.neurons.2.w.1``. Such a label is a `ModelName` (a str),
so the library can tell it from a label the user wrote: a user's label is never replaced, and a
model's is replaced only by the name from a model that holds the first one (an MLP's
``layers.0.neurons.2.w.1`` over its Neuron's ``w.1``).

Drawings and the step-through page show a model's name in its *short form* (`short_name`): the
attribute's name with every list index the path goes through, ``w[0,2,1]`` (layer 0, neuron 2,
weight 1); attributes that are submodules stay in front (``hidden.w[3,0]``). The full name is
shown on hover.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    from .value import Value


class ModelName(str):
    """A label a model gave a parameter: its full name in the model, ``layers.0.neurons.2.w.1``."""

    __slots__ = ()


class NumberInCode(str):
    """The (empty) label of a constant: a leaf an op made from a plain number, the 2 in ``x * 2``."""

    __slots__ = ()


CONSTANT = NumberInCode("")

KINDS = ("input", "parameter", "constant", "intermediate")


def label_parameters(named: Iterable[tuple[str, Value]]) -> None:
    """Label each parameter with its name (the pairs of ``named_parameters``), unless the user
    labelled it or a model that holds it already did (see the module docstring)."""
    for name, p in named:
        old = p.label
        if not old or type(old) is ModelName and len(name) > len(old) and name.endswith("." + old):
            p.label = ModelName(name)


def short_name(name: str) -> str:
    """The short form of a model's name: ``layers.0.neurons.2.w.1`` is ``w[0,2,1]``,
    ``layers.1.neurons.0.b`` is ``b[1,0]``, ``hidden.neurons.3.w.0`` is ``hidden.w[3,0]``, ``b``
    is ``b``. Every index is kept, in order; a list's name is dropped (``layers``, ``neurons``),
    a submodule's attribute kept."""
    parts = name.split(".")
    words = [i for i, part in enumerate(parts) if not part.isdigit()]
    if not words:
        return name
    last = words[-1]
    kept = [parts[i] for i in words[:-1] if not (i + 1 < len(parts) and parts[i + 1].isdigit())]
    indices = [part for part in parts if part.isdigit()]
    shown = ".".join([*kept, parts[last]])
    return f"{shown}[{','.join(indices)}]" if indices else shown


def printable(text: str) -> str:
    """``text`` with what cannot be written as UTF-8 (a lone surrogate, "\\ud800") written as its
    escape (the six characters ``\\ud800``), so any label can be drawn and saved."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def display_names(order: list[Value]) -> dict[Value, str]:
    """The name each node is shown by: its label (a model's name in short form, unless two
    different names of this graph have one short form: then both in full), or for a node without
    a label a made-up name v1, v2, ... (in order, skipping every name that is shown for a label)."""
    labels = {v: printable(str(v.label)) for v in order if v.label}
    shown = {v: short_name(name) if type(v.label) is ModelName else name for v, name in labels.items()}
    written_as: dict[str, set[str]] = {}  # each name shown -> the labels it would stand for
    for v, s in shown.items():
        written_as.setdefault(s, set()).add(labels[v])
    for v, s in shown.items():
        if len(written_as[s]) == 1:
            labels[v] = s
    taken = set(labels.values())
    names, count = {}, 0
    for v in order:
        if v in labels:
            names[v] = labels[v]
        else:
            count += 1
            while f"v{count}" in taken:
                count += 1
            names[v] = f"v{count}"
    return names


def full_name(v: Value) -> str:
    """The name shown on hover: the whole label (a model's full name), printable; "" for none."""
    return printable(str(v.label))


def node_kind(v: Value, parameters: frozenset | set = frozenset()) -> str:
    """What ``v`` is in its graph: "parameter" (labelled by a model, or one of ``parameters``,
    e.g. an optimizer's), "intermediate" (made by an op), "constant" (a plain number an op
    turned into a leaf) or "input" (any other leaf: the Values a user or a model's call made)."""
    if type(v.label) is ModelName or v in parameters:
        return "parameter"
    if v.parents:
        return "intermediate"
    return "constant" if type(v.label) is NumberInCode else "input"


def node_kinds(nodes: Iterable[Value], parameters: Iterable[Value] = ()) -> dict[Value, str]:
    """`node_kind` of each node."""
    parameters = set(parameters)
    return {v: node_kind(v, parameters) for v in nodes}
