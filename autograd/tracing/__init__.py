"""Trace once, replay fast: record the graph a function builds, write its forward and backward
passes out as straight-line Python, and run that code on new numbers.

    traced = trace(fn, *example_args)
    traced(*args)                    # fn(*args).data, and adds to every live leaf's .grad
    traced.value_and_grad(*args)     # (output, d output / d input for every input number)
    print(traced.source)             # the generated code: one node a line

The code for each op comes from its entry in the op table (`ops.py`: ``code`` and
``derivative_code``), and backward lines follow backward()'s own order, so a replay gives the
numbers of ``fn(*args).backward()`` bit for bit. Nothing here recurses over the graph.

What a trace keeps and what it bakes in:

- inputs: every number (or Value) in the arguments; a replay takes new ones of the same structure;
- live leaves: leaves that something besides the graph refers to (a model's parameters, a Value
  captured from an enclosing scope): each replay reads their ``.data`` and adds to their ``.grad``;
- constants: leaves only the graph refers to (the 2.0 that ``x * 2.0`` turns into a Value, a float
  target, a Value that fn made and did not keep) and nodes computed from constants alone: written
  into the code as number literals (unless something besides the graph refers to such a node, as
  to a parameter made by an op, ``Value(r) * 0.1``: that node is live, like a leaf);
- comparisons of Values (``x > 0``, ``max(values)``): each outcome is a guard; a replay whose guard
  comes out differently traces fn again for that path and keeps both;
- everything else fn does in plain Python is baked in: reading ``.data`` or ``float(v)``, random
  numbers, ``if`` on plain numbers. As with ``torch.jit.trace``, that is the price of replaying
  without running fn.
"""

from .recording import TraceWarning
from .replay import Traced, trace

__all__ = ["trace", "Traced", "TraceWarning"]
