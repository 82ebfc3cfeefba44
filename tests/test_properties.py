"""Property tests: random expression graphs over every op, checked against finite differences.

A graph is a program: starting from the inputs, each step applies one op to earlier nodes picked
at random (the same node may be picked several times, and any node may feed several later ones),
and the output is the last node or, to make many nodes feed the output along paths of different
lengths, the sum of every computed node. Every op is wrapped so its inputs stay in its domain.
"""

import pytest
from hypothesis import Phase, assume, given, settings
from hypothesis import strategies as st

from autograd import Value, dot, grad, gradcheck, logsumexp, numerical_grad

# op name -> (how many earlier nodes it takes, how it combines them)
BUILDERS = {
    "+": (2, lambda a, b: a + b),
    "-": (2, lambda a, b: a - b),
    "*": (2, lambda a, b: a * b),
    "/": (2, lambda a, b: a / (b * b + 1)),
    "** int": (1, lambda a: a**3),  # negative bases allowed
    "** fraction": (1, lambda a: (a * a + 0.5) ** -0.5),
    "** value": (2, lambda a, b: (a.sigmoid() + 0.5) ** b),
    "neg": (1, lambda a: -a),
    "exp": (1, lambda a: a.exp()),
    "log": (1, lambda a: (a * a + 1).log()),
    "log exp": (1, lambda a: a.exp().log()),
    "tanh": (1, lambda a: a.tanh()),
    "sigmoid": (1, lambda a: a.sigmoid()),
    "relu": (1, lambda a: a.relu()),
    "abs": (1, lambda a: a.abs()),
    "softplus": (1, lambda a: a.softplus()),
    "logsumexp": (3, lambda a, b, c: logsumexp([a, b, c])),
    "logsumexp of one": (1, lambda a: logsumexp([a])),
    "dot": (5, lambda w0, w1, x0, x1, b: dot([w0, w1], [x0, x1], b)),
    "dot no bias": (2, lambda w, x: dot([w], [x])),
    "2 +": (1, lambda a: 2 + a),
    "2 -": (1, lambda a: 2 - a),
    "3 *": (1, lambda a: 3 * a),
    "1 /": (1, lambda a: 1 / (a * a + 1)),
    "2 **": (1, lambda a: 2**a),
}

# No "explain" phase: it is slow and adds nothing to a failure report here.
PHASES = [Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink]

LIMIT = 20.0  # graphs with a bigger intermediate value are skipped (keeps exp, ** in range)
KINK_MARGIN = 1e-2  # graphs with a relu or abs input closer than this to 0 are skipped


class OutOfRange(Exception):
    """An intermediate value is too big, or a relu or abs input too close to its kink."""


def build(program, inputs, check=False):
    """Run ``program`` on the input Values; return every node (inputs first, output last)."""
    nodes = list(inputs)
    for name, picks in program:
        arity, combine = BUILDERS[name]
        args = [nodes[p % len(nodes)] for p in picks[:arity]]
        if check and name in ("relu", "abs") and abs(args[0].data) < KINK_MARGIN:
            raise OutOfRange
        node = combine(*args)
        if check and not abs(node.data) <= LIMIT:
            raise OutOfRange
        nodes.append(node)
    return nodes


def output_of(nodes, n_inputs, sum_all):
    """The graph's output: the last node, or the sum of every node computed from the inputs."""
    if not sum_all:
        return nodes[-1]
    total = nodes[n_inputs]
    for node in nodes[n_inputs + 1 :]:
        total = total + node
    return total


def function_of(program, sum_all=False):
    return lambda *xs: output_of(build(program, xs), len(xs), sum_all)


points = st.lists(st.floats(-2.0, 2.0, allow_nan=False), min_size=1, max_size=3)
steps = st.tuples(st.sampled_from(sorted(BUILDERS)), st.lists(st.integers(0, 50), min_size=5, max_size=5))
programs = st.lists(steps, min_size=1, max_size=10)


def usable(program, point):
    """Whether the graph stays in range at ``point``; builds it once to find out."""
    try:
        build(program, [Value(x) for x in point], check=True)
    except (OutOfRange, OverflowError):
        return False
    return True


@settings(max_examples=200, deadline=None, phases=PHASES)
@given(point=points, program=programs, sum_all=st.booleans())
def test_random_graph_passes_gradcheck(point, program, sum_all):
    assume(usable(program, point))
    assert gradcheck(function_of(program, sum_all), point)


@settings(max_examples=100, deadline=None, phases=PHASES)
@given(point=points, program=programs, sum_all=st.booleans())
def test_random_graph_second_derivatives_match_finite_differences(point, program, sum_all):
    assume(usable(program, point))
    f = function_of(program, sum_all)
    xs = [Value(x) for x in point]
    firsts = grad(f(*xs), xs, create_graph=True)
    for i, first in enumerate(firsts):

        def ith_derivative(*vs, i=i):
            return grad(f(*vs), vs, create_graph=True)[i]

        expected = numerical_grad(ith_derivative, point)
        assert grad(first, xs) == pytest.approx(expected, rel=1e-3, abs=1e-4)


@settings(max_examples=100, deadline=None, phases=PHASES)
@given(point=points, program=programs, sum_all=st.booleans())
def test_random_graph_backward_agrees_with_grad_and_doubles_exactly(point, program, sum_all):
    assume(usable(program, point))
    xs = [Value(x) for x in point]
    nodes = build(program, xs)
    out = output_of(nodes, len(xs), sum_all)
    nodes.append(out)
    expected = grad(out, xs)
    out.backward()
    first = [n.grad for n in nodes]
    assert [x.grad for x in xs] == pytest.approx(expected, rel=1e-12, abs=1e-12)
    out.backward()
    assert [n.grad for n in nodes] == [2 * g for g in first]


@settings(max_examples=100, deadline=None, phases=PHASES)
@given(point=points, program=programs)
def test_random_graph_create_graph_gives_the_same_numbers(point, program):
    assume(usable(program, point))
    xs = [Value(x) for x in point]
    out = build(program, xs)[-1]
    as_values = grad(out, xs, create_graph=True)
    assert [g.data for g in as_values] == pytest.approx(grad(out, xs), rel=1e-12, abs=1e-12)
