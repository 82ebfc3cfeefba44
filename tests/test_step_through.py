"""The step-through of a graph: its forward and backward steps (texts and numbers), and the page
made of them (its data, safety with any label, determinism, saving, notebook display)."""

import html
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

import nn
from autograd import Value, dot, draw_dot, logsumexp, render_html, step_through
from autograd.backward import topological_order
from autograd.ops import OPS
from autograd.render import Step, StepThrough
from autograd.value import apply
from example_graphs import lecture_graph

HOSTILE_LABELS = ["</script><script>alert(1)</script>", '"><img src=x onerror=alert(1)>']


def texts(steps, kind):
    return [s.text for s in steps if s.kind == kind]


def page_data(page):
    """The steps' JSON embedded in a page."""
    found = re.search(r'<script type="application/json" id="cg-data">(.*?)</script>', page, re.S)
    return json.loads(found[1])


# --- the steps ---


def test_forward_steps_fill_in_each_number_after_its_inputs():
    steps = step_through(lecture_graph()).steps
    assert texts(steps, "forward") == [
        "a = 2",
        "b = -3",
        "e = a * b = 2 * (-3) = -6",
        "c = 10",
        "d = e + c = (-6) + 10 = 4",
        "f = -2",
        "L = d * f = 4 * (-2) = -8",
    ]
    assert [s.value for s in steps if s.kind == "forward"] == [2.0, -3.0, -6.0, 10.0, 4.0, -2.0, -8.0]


def test_backward_steps_apply_the_chain_rule_one_input_at_a_time():
    steps = step_through(lecture_graph()).steps
    assert texts(steps, "backward") == [
        "dL/dL = 1",
        "dL/dd += dL/dL * dL/dd = 1 * (-2) = -2",
        "dL/df += dL/dL * dL/df = 1 * 4 = 4",
        "dL/de += dL/dd * dd/de = -2 * 1 = -2",
        "dL/dc += dL/dd * dd/dc = -2 * 1 = -2",
        "dL/da += dL/de * de/da = -2 * (-3) = 6",
        "dL/db += dL/de * de/db = -2 * 2 = -4",
    ]
    backward = [s for s in steps if s.kind == "backward"]
    numbers = [(s.node.label, s.upstream, s.local, s.contribution, s.total) for s in backward]
    assert numbers == [
        ("L", None, None, 1.0, 1.0),
        ("d", 1.0, -2.0, -2.0, -2.0),
        ("f", 1.0, 4.0, 4.0, 4.0),
        ("e", -2.0, 1.0, -2.0, -2.0),
        ("c", -2.0, 1.0, -2.0, -2.0),
        ("a", -2.0, -3.0, 6.0, 6.0),
        ("b", -2.0, 2.0, -4.0, -4.0),
    ]
    assert [(s.output.label, s.index) for s in backward[1:3]] == [("L", 0), ("L", 1)]
    assert backward[0].output is None and backward[0].index is None


def test_a_value_used_twice_by_one_op_gets_one_step_per_use():
    a = Value(3.0, "a")
    y = a * a
    y.label = "y"
    steps = step_through(y).steps
    assert texts(steps, "backward") == [
        "dy/dy = 1",
        "dy/da += dy/dy * dy/da = 1 * 3 = 3",
        "dy/da += dy/dy * dy/da = 1 * 3 = 3",
    ]
    assert [s.total for s in steps[-2:]] == [3.0, 6.0]
    assert [s.index for s in steps[-2:]] == [0, 1]


def test_a_value_used_by_two_ops_gets_a_step_from_each():
    x = Value(2.0, "x")
    y = x.tanh() + x * 3
    steps = step_through(y).steps
    x_steps = [s for s in steps if s.kind == "backward" and s.node is x]
    assert [s.output.op for s in x_steps] == ["tanh", "*"]
    assert x_steps[-1].total == x_steps[0].contribution + x_steps[1].contribution
    y.backward()
    assert x_steps[-1].total == x.grad


def test_nodes_without_labels_get_made_up_names_that_no_label_has():
    x = Value(2.0)
    y = (x * Value(3.0, "v2")).relu()
    assert texts(step_through(y).steps, "forward") == [
        "v1 = 2", "v2 = 3", "v3 = v1 * v2 = 2 * 3 = 6", "v4 = relu(v3) = relu(6) = 6",
    ]


def test_labels_that_are_not_one_word_are_bracketed_in_arithmetic():
    a, b = Value(1.5, "a + b"), Value(2.0, "w[0,1]")
    y = a * b
    y.label = "y"
    assert step_through(y).steps[2].text == "y = (a + b) * w[0,1] = 1.5 * 2 = 3"
    assert step_through(y).steps[-2].text == "dy/d(a + b) += dy/dy * dy/d(a + b) = 1 * 2 = 2"
    z = (-a).relu()
    assert [s.text for s in step_through(z).steps[1:3]] == [
        "v1 = -(a + b) = -1.5 = -1.5", "v2 = relu(v1) = relu(-1.5) = 0"]
    assert step_through(a.tanh()).steps[1].text == "v1 = tanh(a + b) = tanh(1.5) = 0.9051"


def test_every_op_is_written_and_differentiated_by_its_entry_in_the_op_table():
    x, y = Value(0.7, "x"), Value(1.3, "y")
    graphs = [x + y, x - y, x * y, x / y, x ** y, -x, x.exp(), x.log(), x.tanh(), x.sigmoid(),
              x.relu(), dot([x], [y], Value(0.5, "b")), abs(x), x.softplus(), logsumexp([x, y])]
    for out in graphs:
        out.label = "out"
        entry = OPS[out.op]
        steps = step_through(out).steps
        written = entry.text(*[p.label for p in out.parents])
        assert steps[len(out.parents)].text.startswith(f"out = {written} = "), out.op
        xs = [p.data for p in out.parents]
        local = entry.derivative(1.0, out.data, *xs)
        for step in steps[len(out.parents) + 2:]:
            assert step.local == local[step.index], out.op
            assert step.contribution == entry.derivative(1.0, out.data, *xs)[step.index], out.op


def test_a_zero_gradient_reads_0_whatever_its_sign():
    x = Value(-2.0, "x")
    y = -x.relu()
    y.label = "y"
    last = step_through(y).steps[-1]
    assert last.contribution == 0.0 and str(last.contribution) == "-0.0"
    assert last.text == "dy/dx += dy/dv1 * dv1/dx = -1 * 0 = 0"


def test_dot_and_pow_read_as_math_not_as_the_calls_their_generated_code_makes():
    w, x, b = Value(0.5, "w"), Value(2.0, "x"), Value(0.25, "b")
    z, p = dot([w], [x], b), w ** x
    z.label, p.label = "z", "p"
    assert step_through(z).steps[3].text == "z = w * x + b = 0.5 * 2 + 0.25 = 1.25"
    assert step_through(p).steps[2].text == "p = w ** x = 0.5 ** 2 = 0.25"


def test_dot_reads_as_its_text_with_names_and_with_numbers():
    out = dot([Value(0.5, "w0"), Value(-1.0, "w1")], [Value(1.0, "x0"), Value(2.0, "x1")])
    out.label = "z"
    write = OPS["dot"].text  # "w0 * x0 + w1 * x1"
    assert step_through(out).steps[4].text == f"z = {write('w0', 'w1', 'x0', 'x1')} = {write('0.5', '(-1)', '1', '2')} = -1.5"


def test_a_single_value_has_one_forward_step_and_the_seed():
    x = Value(4.0, "x")
    assert texts(step_through(x).steps, "forward") == ["x = 4"]
    assert texts(step_through(x).steps, "backward") == ["dx/dx = 1"]


def test_the_order_is_forward_in_topological_order_then_backprops_order():
    root = lecture_graph()
    steps = step_through(root).steps
    forward = [s.node for s in steps if s.kind == "forward"]
    assert set(forward) == set(topological_order(root)) and len(forward) == len(set(forward))
    for i, node in enumerate(forward):
        assert all(forward.index(p) < i for p in node.parents)
    backward = [s for s in steps if s.kind == "backward"]
    assert steps[: len(forward)] == [s for s in steps if s.kind == "forward"]  # forward comes first
    assert backward[0].node is root
    expected = [(out, i) for out in reversed(topological_order(root, leaves=False)) for i in range(len(out.parents))]
    assert [(s.output, s.index) for s in backward[1:]] == expected


def test_the_graph_is_left_as_it_was():
    root = lecture_graph()
    nodes = topological_order(root)
    before = [(v.data, v.grad, v.label, v.op, v.parents) for v in nodes]
    step_through(root).html
    assert [(v.data, v.grad, v.label, v.op, v.parents) for v in nodes] == before
    assert all(v._grad_sum is None for v in nodes)


@st.composite
def graphs(draw):
    """A random graph: a few leaves, then ops on earlier nodes (reused freely), the last node the root."""
    nodes = [Value(draw(st.floats(-3, 3)), f"x{i}") for i in range(draw(st.integers(1, 4)))]
    for _ in range(draw(st.integers(1, 12))):
        pick = st.sampled_from(nodes)
        kind = draw(st.sampled_from(["+", "-", "*", "neg", "tanh", "sigmoid", "relu", "square", "dot"]))
        a, b = draw(pick), draw(pick)
        nodes.append({
            "+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b, "neg": lambda: -a,
            "tanh": a.tanh, "sigmoid": a.sigmoid, "relu": a.relu, "square": lambda: a ** 2,
            "dot": lambda: dot([a, b], [b, draw(pick)], a),
        }[kind]())
    return nodes[-1]


@settings(max_examples=150, deadline=None)
@given(graphs())
def test_running_totals_end_at_backwards_gradients_bit_for_bit(root):
    steps = step_through(root).steps
    final = {}
    for s in steps:
        if s.kind == "backward":
            final[s.node] = s.total
    root.backward()
    nodes = topological_order(root)
    assert set(final) == set(nodes)
    assert {v: final[v].hex() for v in nodes} == {v: v.grad.hex() for v in nodes}
    pairs = sum(len(v.parents) for v in nodes)
    assert len(steps) == len(nodes) + 1 + pairs


# --- the page ---


def test_the_page_holds_the_steps_and_the_svg():
    page = step_through(lecture_graph()).html
    data = page_data(page)
    assert [s["text"] for s in data["steps"]] == [s.text for s in step_through(lecture_graph()).steps]
    assert data["records"] == [f"n{i}" for i in range(7)]
    first = data["steps"][0]
    assert (first["node"], first["field"], first["was"], first["shows"]) == ("n2", "data", "", "data 2")
    last = data["steps"][-1]  # b gets -4 from e (draw_dot numbers f, c, a, b, e, d, L as n0..n6)
    assert (last["node"], last["field"], last["shows"]) == ("n3", "grad", "grad -4")
    assert last["from"] == ["n4"] and last["op"] == "n4_op" and last["edges"] == ["n4_op:1", "n4_op:out"]
    for n in range(7):
        assert f"<title>n{n}</title>" in page
    assert 'id="n4_op:1"' in page and 'id="n6_op:out"' in page


def test_the_page_makes_no_request():
    page = step_through(lecture_graph()).html
    assert "default-src 'none'" in page
    assert not re.search(r"\b(src|href|action)\s*=", page)
    assert re.findall(r"https?://[^\s\"']+", page) == ["http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"]


def test_the_page_shows_the_numbers_as_draw_dot_does_after_backward():
    root = lecture_graph()
    data = page_data(step_through(root).html)
    shown = {}
    for s in data["steps"]:
        shown[s["node"], s["field"]] = s["shows"]
    root.backward()
    expected = re.findall(r'(n\d+) \[label="\{ \w+ \| (data [^|]+) \| (grad [^}]+) \}"', draw_dot(root).source)
    assert {(n, f): t for n, d, g in expected for f, t in (("data", d.strip()), ("grad", g.strip()))} == shown


@pytest.mark.parametrize("label", HOSTILE_LABELS)
def test_a_hostile_label_never_reaches_the_page_as_markup(label):
    x = Value(1.0, label)
    y = x * 2
    page = step_through(y).html
    assert page.count("<script") == 2 and page.count("</script>") == 2
    assert "<img" not in page
    data_text = re.search(r'id="cg-data">(.*?)</script>', page, re.S)[1]
    assert "<" not in data_text and ">" not in data_text and "&" not in data_text
    assert page_data(page)["steps"][0]["text"] == f"{label} = 1"
    assert f">{html.escape(label)}</text>" in page  # drawn in the SVG as text


def test_page_json_escapes_line_separators_and_ampersands():
    x = Value(1.0, "a\u2028b\u2029c & d")
    page = step_through(x).html
    data_text = re.search(r'id="cg-data">(.*?)</script>', page, re.S)[1]
    assert "\u2028" not in data_text and "\u2029" not in data_text and "&" not in data_text
    assert page_data(page)["steps"][0]["text"] == "a\u2028b\u2029c & d = 1"


def test_the_same_graph_gives_the_same_page_byte_for_byte():
    assert step_through(lecture_graph()).html == step_through(lecture_graph()).html


def test_the_page_is_the_same_in_every_process():
    code = ("from autograd import Value, step_through; x = Value(2.0, 'x'); y = (x * x + 1).tanh(); "
            "print(step_through(y).html)")
    runs = [
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                       env={**os.environ, "PYTHONHASHSEED": seed}).stdout
        for seed in ("1", "2")
    ]
    assert runs[0] == runs[1] and "tanh" in runs[0]


def chain(n):
    """A graph of n Values: x, x+1, (x+1)+1, ... (each + also has a constant leaf 1)."""
    x = Value(0.0, "x")
    for _ in range(n // 2):
        x = x + 1
    return x


def test_draw_options_are_draw_dots():
    with pytest.raises(ValueError, match=r"graph has 1,501 Value nodes, more than max_nodes=1000; pass max_nodes=1501"):
        step_through(chain(1500))
    assert len(step_through(chain(1500), max_nodes=1501).steps) == 1501 + 1 + 1500
    with pytest.raises(ValueError, match="rankdir must be one of"):
        step_through(Value(1.0), rankdir="sideways")
    with pytest.raises(TypeError, match="step_through needs a Value, got float"):
        step_through(1.0)
    for rankdir, wide in (("LR", True), ("TB", False)):
        size = re.search(r'viewBox="0.00 0.00 ([\d.]+) ([\d.]+)"', step_through(lecture_graph(), rankdir=rankdir).html)
        assert (float(size[1]) > float(size[2])) is wide, rankdir


def test_deep_graphs_need_no_recursion():
    steps = step_through(chain(100_000), max_nodes=100_001).steps
    assert len(steps) == 100_001 + 1 + 100_000
    assert steps[-1].text == "dv100000/dv1 += dv100000/dv2 * dv2/dv1 = 1 * 1 = 1"


def test_render_html_of_a_too_large_graph_writes_nothing(tmp_path):
    with pytest.raises(ValueError, match="max_nodes"):
        render_html(chain(1500), tmp_path / "big.html")
    assert os.listdir(tmp_path) == []


def test_render_html_writes_the_page_and_returns_its_path(no_dot, tmp_path):
    root = lecture_graph()
    path = render_html(root, str(tmp_path / "backprop.html"))
    assert path == tmp_path / "backprop.html" and isinstance(path, Path)
    assert path.read_text(encoding="utf-8") == step_through(root).html
    assert sorted(os.listdir(tmp_path)) == ["backprop.html", "empty-bin"]


def test_save_replaces_an_existing_file_whole(tmp_path):
    target = tmp_path / "page.html"
    target.write_text("old")
    walk = step_through(lecture_graph())
    assert walk.save(target) == target
    assert target.read_text(encoding="utf-8") == walk.html


def test_a_failed_save_leaves_the_old_file_and_no_temp_file(tmp_path, monkeypatch):
    target = tmp_path / "page.html"
    target.write_text("old")
    walk = step_through(lecture_graph())
    walk.html  # laid out before the write breaks

    def broken_replace(src, dst):
        raise OSError("disk trouble")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk trouble"):
        walk.save(target)
    assert os.listdir(tmp_path) == ["page.html"] and target.read_text() == "old"


def test_saving_into_a_missing_folder_names_it_before_any_layout(tmp_path, monkeypatch):
    import autograd.render.steps as module

    def no_layout(source):
        raise AssertionError("laid out the graph before checking the folder")

    monkeypatch.setattr(module, "svg_from_dot", no_layout)
    missing = tmp_path / "no" / "such"
    with pytest.raises(FileNotFoundError, match=re.escape(str(missing))):
        render_html(lecture_graph(), missing / "page.html")
    with pytest.raises(FileNotFoundError, match=re.escape(str(missing))):
        step_through(lecture_graph()).save(missing / "page.html")
    assert os.listdir(tmp_path) == []


def test_notebook_display_is_a_sandboxed_frame_holding_the_page(no_dot):
    walk = step_through(lecture_graph())
    frame = walk._repr_html_()
    assert frame.startswith("<iframe ") and frame.endswith("></iframe>")
    srcdoc = re.fullmatch(r'<iframe srcdoc="([^"]*)" sandbox="allow-scripts" .*', frame, re.S)[1]
    assert html.unescape(srcdoc) == walk.html
    assert "allow-same-origin" not in frame


def test_a_step_through_describes_itself():
    walk = step_through(lecture_graph())
    assert isinstance(walk, StepThrough) and all(isinstance(s, Step) for s in walk.steps)
    assert repr(walk) == "<StepThrough of 'L': 7 forward and 7 backward steps>"


def test_gradients_of_word_labels_are_written_with_parentheses():
    weight, x = Value(-3.0, "weight"), Value(2.0, "x")
    error = weight * x
    error.label = "error"
    texts = [s.text for s in step_through(error).steps if s.kind == "backward"]
    assert texts == [
        "d(error)/d(error) = 1",
        "d(error)/d(weight) += d(error)/d(error) * d(error)/d(weight) = 1 * 2 = 2",
        "d(error)/dx += d(error)/d(error) * d(error)/dx = 1 * (-3) = -3",
    ]


# --- what each local derivative reads ---


def test_a_backward_step_says_which_numbers_its_local_derivative_reads():
    steps = step_through(lecture_graph()).steps
    backward = {(s.output.label, s.node.label): s for s in steps if s.kind == "backward" and s.output}
    assert [v.label for v in backward["e", "a"].reads] == ["b"]  # de/da = b
    assert [v.label for v in backward["e", "b"].reads] == ["a"]
    assert backward["d", "e"].reads == () and backward["d", "c"].reads == ()  # + reads nothing
    assert steps[0].reads == () and [s for s in steps if s.kind == "backward"][0].reads == ()  # the seed
    x = Value(-6.0, "x")
    t = x.tanh()
    r = x.relu()
    assert step_through(t).steps[-1].reads == (t,)  # dt/dx = 1 - t**2: reads the output
    assert step_through(r).steps[-1].reads == (x,)  # relu: the input's sign


def takes(name, n):
    """Whether the op takes n inputs."""
    try:
        OPS[name].forward(*[0.5] * n)
    except TypeError:
        return False
    except (ArithmeticError, ValueError):
        pass  # outside the op's domain (acosh(0.5)), but it takes n inputs
    return True


@pytest.mark.parametrize("name, n", [(name, n) for name in sorted(OPS) for n in range(1, 6) if takes(name, n)])
def test_every_ops_steps_read_the_nodes_its_table_entry_names(name, n):
    entry = OPS[name]
    shift = 0.0 if name != "acosh" else 1.0  # acosh needs x >= 1
    xs = [Value(shift + 0.4 + 0.3 * i, f"x{i}") for i in range(n)]
    out = apply(entry, *xs)
    out.label = "out"
    steps = [s for s in step_through(out).steps if s.kind == "backward" and s.output is out]
    assert [s.index for s in steps] == list(range(n))
    for s, per_input in zip(steps, entry.reads(n)):
        expected = [out if r == "out" else xs[r] for r in per_input]
        assert list(s.reads) == list(dict.fromkeys(expected)), (name, s.index)
        assert all(v is out or v in xs for v in s.reads)
    if name == "*":
        assert [s.reads for s in steps] == [(xs[1],), (xs[0],)]
    if name == "dot" and n == 5:  # w0, w1, x0, x1, b: d/dw_i reads x_i, d/dx_i reads w_i, d/db nothing
        assert [s.reads for s in steps] == [(xs[2],), (xs[3],), (xs[0],), (xs[1],), ()]


def test_an_input_used_twice_is_read_once():
    a = Value(3.0, "a")
    y = a * a
    assert [s.reads for s in step_through(y).steps[-2:]] == [(a,), (a,)]
    p = a ** a
    assert step_through(p).steps[-1].reads == (p, a)  # d/dy of x ** y reads out and x


# --- the whole training step: the optimizer's updates ---


def trained_net(seed=0):
    """A 2-3-1 tanh net's squared error on one example (every parameter gets a gradient)."""
    model = nn.MLP(2, [3, 1], activation="tanh", seed=seed)
    return model, (model([0.5, -1.5]) - 1.0) ** 2


OPTIMIZERS = [
    (nn.SGD, {"lr": 0.1}),
    (nn.SGD, {"lr": 0.1, "momentum": 0.9}),
    (nn.SGD, {"lr": 0.05, "momentum": 0.5, "weight_decay": 0.01}),
    (nn.Adam, {"lr": 0.01}),
    (nn.Adam, {"lr": 0.01, "weight_decay": 0.1}),
    (nn.AdamW, {"lr": 0.01, "weight_decay": 0.1}),
]


def optimizer_state(opt):
    return ([dict(s.items()) for s in opt.state.values()], [dict(g) for g in opt.group_state],
            [{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups])


@pytest.mark.parametrize("make, settings_", OPTIMIZERS, ids=lambda x: getattr(x, "__name__", str(x)))
def test_update_steps_give_opt_steps_numbers_bit_for_bit_and_change_nothing(make, settings_):
    model, loss = trained_net()
    opt = make(model.parameters(), **settings_)
    for step in range(3):  # a first step, and steps with momentum buffers, m, v and t made
        before = [(p.data, p.grad, p.label) for p in model.parameters()], optimizer_state(opt)
        updates = [s for s in step_through(loss, optimizer=opt).steps if s.kind == "update"]
        assert ([(p.data, p.grad, p.label) for p in model.parameters()], optimizer_state(opt)) == before
        assert [s.node for s in updates] == model.parameters()
        model.zero_grad()
        loss.backward()
        assert [s.total for s in updates] == [p.grad for p in model.parameters()]
        assert [s.before for s in updates] == [p.data for p in model.parameters()]
        opt.step()
        assert [s.value.hex() for s in updates] == [p.data.hex() for p in model.parameters()]
        _, loss = model, (model([0.5, -1.5]) - 1.0) ** 2


def test_an_sgd_update_reads_as_its_arithmetic():
    w, x = Value(0.31, "w"), Value(-0.42, "x")
    loss = w * x
    loss.label = "L"
    step = step_through(loss, optimizer=nn.SGD([w], lr=0.1)).steps[-1]
    assert step.kind == "update" and step.node is w
    assert step.lines == ("g = dL/dw = -0.42", "w = w - lr * g = 0.31 - 0.1 * (-0.42) = 0.352")
    assert step.text == "\n".join(step.lines) and step.value == 0.31 - 0.1 * -0.42


def test_a_models_parameter_is_written_by_its_short_name_and_adam_shows_m_v_and_p():
    model = nn.Neuron(1, activation="linear", seed=0)
    loss = model([2.0]) * 1.0
    loss.label = "L"
    updates = [s for s in step_through(loss, optimizer=nn.Adam(model.parameters(), lr=0.01)).steps if s.kind == "update"]
    first = updates[0].lines
    assert first[:4] == ("beta1, beta2 = betas = (0.9, 0.999)", "t = t + 1 = 0 + 1 = 1",
                         "step_size = lr / (1.0 - beta1 ** t) = 0.01 / (1.0 - 0.9 ** 1) = 0.10000000000000002",
                         "v_correction = sqrt(1.0 - beta2 ** t) = sqrt(1.0 - 0.999 ** 1) = 0.03162")
    assert first[4] == "g = dL/d(w[0]) = 2"
    assert first[5] == "m = beta1 * m + (1.0 - beta1) * g = 0.9 * 0 + (1.0 - 0.9) * 2 = 0.19999999999999996"  # (1 - 0.9) is not 0.1
    assert first[6].startswith("v = beta2 * v + (1.0 - beta2) * g * g = 0.999 * 0 + (1.0 - 0.999) * 2 * 2 = ")
    assert first[7].startswith("w[0] = w[0] - step_size * m / (sqrt(v) / v_correction + eps) = ")
    assert updates[1].lines[0] == "g = dL/db = 1"  # the per-step lines once, on the first update


def test_momentums_first_step_shows_the_branch_it_takes():
    w = Value(1.0, "w")
    loss = w * 3.0
    loss.label = "L"
    opt = nn.SGD([w], lr=0.1, momentum=0.9)
    assert step_through(loss, optimizer=opt).steps[-1].lines[1] == "b = g = 3"
    loss.backward()
    opt.step()
    assert step_through(loss, optimizer=opt).steps[-1].lines[1] == "b = momentum * b + g = 0.9 * 3 + 3 = 5.7"


def test_parameters_the_loss_does_not_use_get_no_update_step_and_groups_keep_their_order():
    a, b, unused = Value(1.0, "a"), Value(2.0, "b"), Value(3.0, "u")
    loss = a * b
    opt = nn.SGD([{"params": [b]}, {"params": [unused, a], "lr": 0.5}], lr=0.1)
    updates = [s for s in step_through(loss, optimizer=opt).steps if s.kind == "update"]
    assert [s.node for s in updates] == [b, a]
    assert [s.value for s in updates] == [2.0 - 0.1 * 1.0, 1.0 - 0.5 * 2.0]


def test_the_page_plays_the_update_steps_last():
    root = lecture_graph()
    leaves = [v for v in topological_order(root) if not v.parents]
    walk = step_through(root, optimizer=nn.SGD(leaves, lr=0.1))
    data = page_data(walk.html)
    updates = data["steps"][-len(leaves):]
    assert [s["kind"] for s in updates] == ["update"] * 4 and data["steps"][-5]["kind"] == "backward"
    a = next(s for s in updates if s["text"].startswith("g = dL/da"))
    assert a["shows"] == "data 1.4" and a["was"] == "data 2" and a["phase"].startswith("Update: step")
    assert "4 forward and" not in repr(walk) and "and 4 update steps" in repr(walk)


def test_something_that_is_not_an_optimizer_is_refused():
    with pytest.raises(TypeError, match="optimizer must be an nn optimizer"):
        step_through(lecture_graph(), optimizer=0.1)


def test_the_page_data_says_each_nodes_kind_full_name_and_what_each_step_reads():
    model = nn.Neuron(1, activation="tanh", seed=0)
    loss = (model([Value(3.0, "x")]) - 1.0) ** 2
    walk = step_through(loss)
    data = page_data(walk.html)
    order = topological_order(loss)  # the records n0, n1, ... in draw_dot's order
    assert data["kinds"] == [{"w.0": "parameter", "b": "parameter", "x": "input"}.get(v.label, "constant" if
                             not v.parents else "intermediate") for v in order]
    assert data["full_names"][order.index(model.w[0])] == "w.0"
    ids = {v: f"n{i}" for i, v in enumerate(order)}
    for step, shown in zip(walk.steps, data["steps"]):
        assert shown["reads"] == [ids[v] for v in step.reads]
        assert float(shown["exact"]) == (step.total if step.kind == "backward" else step.value)
    tanh_step = next(s for s in walk.steps if s.kind == "backward" and s.output is not None and s.output.op == "tanh")
    assert tanh_step.reads == (tanh_step.output,)


def test_an_optimizers_parameters_are_drawn_as_parameters_on_the_page():
    w = Value(0.5, "w")
    loss = w * Value(2.0, "x")
    assert page_data(step_through(loss).html)["kinds"][:2] == ["input", "input"]
    kinds = page_data(step_through(loss, optimizer=nn.SGD([w], lr=0.1)).html)["kinds"]
    order = topological_order(loss)
    assert kinds[order.index(w)] == "parameter"


# --- large graphs: laid out in Python, each neuron on a box labelled with its module path ---

def test_a_large_graph_is_laid_out_without_graphviz_with_every_node_edge_and_neuron(monkeypatch):
    import xml.etree.ElementTree as ET

    import autograd.render.steps as steps_module
    from autograd.render.steps import LAYERED_ABOVE

    def no_graphviz(source):
        raise AssertionError("a large graph must not go to Graphviz")

    monkeypatch.setattr(steps_module, "svg_from_dot", no_graphviz)
    model = nn.MLP(2, [12, 12, 1], activation="tanh", seed=3)
    x = Value(0.5, "</text><script>alert(1)</script>")
    loss = nn.mse_loss(model([x, -0.25]), 1.0)
    order = topological_order(loss)
    assert len(order) > LAYERED_ABOVE
    page = step_through(loss).html
    svg = ET.fromstring(page[page.index("<svg"):page.index("</svg>") + 6])
    ns = {"s": "http://www.w3.org/2000/svg"}
    nodes = {g.find("s:title", ns).text: g for g in svg.iterfind(".//s:g[@class='node']", ns)}
    assert set(nodes) == {f"n{i}" for i in range(len(order))} | {f"n{i}_op" for i, v in enumerate(order) if v.parents}
    edges = {g.get("id") for g in svg.iterfind(".//s:g[@class='edge']", ns)}
    assert edges == ({f"n{i}_op:{k}" for i, v in enumerate(order) for k in range(len(v.parents))}
                     | {f"n{i}_op:out" for i, v in enumerate(order) if v.parents})
    texts = [t.text for t in nodes[f"n{order.index(x)}"].iterfind("s:text", ns)]
    assert texts[0] == "</text><script>alert(1)</script>" and len(texts) == 3  # name, data, grad: as text
    assert "<script>alert" not in page
    clusters = {g.find("s:title", ns).text for g in svg.iterfind(".//s:g[@class='cluster']", ns)}
    hidden = {f"layers.{i}.neurons.{j}" for i in range(2) for j in range(12)}
    assert hidden <= clusters <= hidden | {"layers.2.neurons.0"}
