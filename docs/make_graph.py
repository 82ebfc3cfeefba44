"""Regenerate docs/graph.svg: one neuron, o = tanh(x1*w1 + x2*w2 + b), after o.backward().

    python docs/make_graph.py

Run from anywhere after `pip install -e .`; the SVG is written next to this script.
"""

from pathlib import Path

from autograd import Value, render_svg

x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
b = Value(6.8813735870195432, label="b")  # chosen so that o comes out at about 0.7071

x1w1 = x1 * w1
x1w1.label = "x1*w1"
x2w2 = x2 * w2
x2w2.label = "x2*w2"
s = x1w1 + x2w2
s.label = "x1*w1 + x2*w2"
n = s + b
n.label = "n"
o = n.tanh()
o.label = "o"
o.backward()

path = render_svg(o, Path(__file__).resolve().parent / "graph.svg")
print(f"o = {o.data:.4f}; grads: x1 {x1.grad:.4f}, w1 {w1.grad:.4f}, x2 {x2.grad:.4f}, w2 {w2.grad:.4f}, b {b.grad:.4f}")
print(f"wrote {path}")
