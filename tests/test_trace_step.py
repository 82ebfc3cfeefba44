"""autograd.trace for training loops: what the generated code is made of (number literals, names),
auxiliary outputs, keyword arguments, the fused training step with an optimizer, and every path's
source."""

import struct
from fractions import Fraction

import pytest

from autograd import Value, trace
from autograd.tracing.codegen import literal


def same(a, b) -> bool:
    """Equal bit for bit (0.0 and -0.0 differ; NaNs are equal)."""
    return struct.pack("<d", a) == struct.pack("<d", b) or (a != a and b != b)


# --- what the code is made of ---------------------------------------------------------------------


class Loud(float):
    """A float subclass whose own repr must never run while code is generated."""

    def __repr__(self):
        raise AssertionError("the float subclass's __repr__ ran")


def test_numbers_are_written_as_the_repr_of_the_plain_float():
    assert literal(Loud(2.5)) == "2.5"
    assert literal(Loud(-0.0)) == "(-0.0)"
    assert literal(Fraction(1, 4)) == "0.25"


def test_a_constant_held_as_a_float_subclass_is_written_as_the_plain_float():
    def f(x):
        k = (x * 2.0).parents[1]  # the constant 2.0 ...
        k.data = Loud(2.5)  # ... now a float subclass
        return x * k + k

    traced = trace(f, 1.0)
    assert traced(3.0) == f(Value(3.0)).data
    assert "2.5" in traced.source and "Loud" not in traced.source


def test_a_numpy_float_constant_is_written_as_a_plain_float_literal():
    np = pytest.importorskip("numpy")
    assert literal(np.float64(2.0)) == "2.0"

    def f(x):
        k = (x * 2.0).parents[1]
        k.data = np.float64(4.0)
        return x * k

    traced = trace(f, 1.0)
    assert traced(3.0) == f(Value(3.0)).data
    assert "np." not in traced.source and "float64" not in traced.source


def test_a_traced_function_named_like_a_guards_constant_replays():
    def k0(x):  # k0 is also the name the code gives the first number a guard compares with
        return x * 2.0 if x > Fraction(1, 3) else x * 3.0

    traced = trace(k0, 1.0)
    assert traced(1.0) == 2.0
    assert traced(0.25) == 0.75  # the other path: its guard reads the Fraction by name
    assert traced(0.5) == 1.0


def test_labels_that_look_like_generated_names_do_not_collide_with_them():
    def live(x):
        a = (x * 2.0).relu()
        a.label = "d_v1"
        b = a * x
        b.label = "v1"
        c = b + 1.0
        c.label = "live"
        d = c * 3.0
        d.label = "k0"
        e = d * a if d > Fraction(1, 2) else d
        e.label = "live_path_1"
        return e

    x = Value(1.5, "arg0")
    traced = trace(live, x)
    for v in (1.5, -1.0, 0.1, 2.0):
        eager = live(Value(v))
        assert same(traced(v), eager.data)


def test_names_grow_linearly_with_the_depth_of_a_nested_argument():
    depth = 2000
    arg = [1.5]
    for _ in range(depth):
        arg = [arg]

    def f(a):
        for _ in range(depth):
            a = a[0]
        return a[0] * 2.0

    traced = trace(f, arg)
    assert traced(arg) == 3.0
    assert len(traced.source) < 200 * depth  # the input names would make ~depth**2 characters
