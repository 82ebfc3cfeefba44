"""Graphs that several test files draw and step through."""

from autograd import Value


def lecture_graph() -> Value:
    """L = (a*b + c) * f, as in micrograd's first lecture (no backward() called)."""
    a, b, c, f = Value(2.0, "a"), Value(-3.0, "b"), Value(10.0, "c"), Value(-2.0, "f")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    L = d * f
    L.label = "L"
    return L
