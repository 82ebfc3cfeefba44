"""Trace once, replay fast: record the graph a function builds, write its forward and backward
passes out as straight-line Python, and run that code on new numbers.

    traced = trace(fn, *example_args)
    traced(*args)                    # fn(*args).data, and adds to every live node's .grad
    traced.value_and_grad(*args)     # (output, d output / d input for every input number)
    print(traced.source)             # the generated code: one node a line

The code for each op comes from its entry in the op table (`ops.py`: ``code`` and
``derivative_code``), and backward lines follow backward()'s own order, so a replay gives the
numbers of ``fn(*args).backward()`` bit for bit. Nothing here recurses over the graph.

What a trace keeps and what it bakes in, decided by when each node was made:

- inputs: every number (or Value) in the arguments; a replay takes new ones of the same structure,
  and a Value passed gets its ``.grad``. An int in the example arguments stays an int for fn and
  is baked in, with a guard on its value (another int: another path);
- live nodes: nodes made before the call (a model's parameters, a Value captured from an
  enclosing scope, a parameter made by an op, ``Value(r) * 0.1``), and leaves fn makes itself with
  ``Value(x)`` (fn may keep one: a parameter made lazily). Each replay reads their ``.data`` and
  adds to their ``.grad``; one made by an op passes its gradient on to its inputs, as backward()
  does. A node an op makes during the call from such leaves and numbers alone is recomputed, gets
  its ``.grad``, and a replay raises RuntimeError if its number was changed since (a lazily made
  parameter an optimizer stepped);
- the trace's own: every other node made during the call, recomputed at every replay in fn's own
  order (so the first op to fail is eager's first), or a number literal when made of plain numbers
  alone (the 2.0 that ``x * 2.0`` turns into a Value). Detached nodes (``detach()``, ops under
  ``no_grad``) are recomputed and pass no gradient back;
- comparisons of Values (``x > 0``, ``max(values)``, and those inside the derivative rules and the
  losses' checks): each outcome is a guard; a replay whose guard comes out differently traces fn
  again for that path and keeps both;
- everything else fn does in plain Python is baked in: reading a Value's number (``.data``,
  ``float(v)``, ``.item()``; for a Value computed from the inputs this warns, `TraceWarning`, once
  per place), random numbers, ``if`` on plain numbers. As with ``torch.jit.trace``, that is the
  price of replaying without running fn.

The tracing hooks cost eager code one test of a module-level count in ``apply`` and
``Value()`` (no slot, no bytes per node): while a trace records in a thread, they and ``detach``
tell it what they make, and the inputs' Values (and the nodes made from them) are a subclass whose number reads warn.
"""

from .recording import TraceWarning
from .replay import Traced, trace

__all__ = ["trace", "Traced", "TraceWarning"]
