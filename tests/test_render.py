"""Drawing graphs: the DOT that draw_dot builds, and the SVG files that render_svg writes."""

import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from autograd import Value, dot, draw_dot, render_svg
from example_graphs import lecture_graph

SVG_NS = "{http://www.w3.org/2000/svg}"
has_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="no Graphviz `dot` program on PATH")


def small_graph():
    """The lecture graph, after backward()."""
    L = lecture_graph()
    L.backward()
    return L


def record_nodes(source):
    return [line for line in source.splitlines() if "shape=record" in line]


def op_nodes(source):
    return [line for line in source.splitlines() if "shape=oval" in line]


def edges(source):
    return re.findall(r"^\s*(\w+) -> (\w+)", source, flags=re.MULTILINE)


def svg_texts(path):
    """The root element of an SVG file, and every piece of text drawn in it."""
    root = ET.parse(path).getroot()
    return root, [t.text for t in root.iter(SVG_NS + "text")]


# --- draw_dot ---


def test_one_record_per_value_one_node_per_op_and_edges_through_ops():
    source = draw_dot(small_graph()).source
    assert len(record_nodes(source)) == 7  # a, b, c, f, e, d, L
    assert len(op_nodes(source)) == 3  # *, +, *
    assert len(edges(source)) == 9  # 2 inputs -> op -> output, three times
    for op_name, out_name in [(a, b) for a, b in edges(source) if a.endswith("_op")]:
        assert out_name + "_op" == op_name  # each op points at the Value it made


def test_records_show_label_data_and_grad():
    source = draw_dot(small_graph()).source
    assert '"{ a | data 2 | grad 6 }"' in source
    assert '"{ L | data -8 | grad 1 }"' in source
    assert '"{ data 0.3333 | grad 0 }"' in draw_dot(Value(1.0) / 3).source  # no label: 2 fields


def test_numbers_are_short():
    x = Value(123456.789) * Value(1e-9)
    source = draw_dot(x).source
    assert "data 1.235e+05" in source and "data 1e-09" in source and "data 0.0001235" in source
    assert '"{ data 0 | grad 0 }"' in draw_dot(Value(-0.0)).source  # no "-0"


def test_a_value_used_twice_by_one_op_gets_two_edges():
    a = Value(3.0, "a")
    source = draw_dot(a * a).source
    assert len(record_nodes(source)) == 2
    assert edges(source) == [("n0", "n1_op"), ("n0", "n1_op"), ("n1_op", "n1")]


def test_dot_is_one_op_node_with_every_input():
    ws = [Value(0.5, "w0"), Value(-1.0, "w1")]
    xs = [Value(1.0, "x0"), Value(2.0, "x1")]
    out = dot(ws, xs, Value(0.1, "bias"))
    source = draw_dot(out).source
    assert len(op_nodes(source)) == 1 and 'label=dot' in op_nodes(source)[0]
    assert len(edges(source)) == 5 + 1


def test_leaves_and_root_look_different():
    source = draw_dot(small_graph()).source
    by_label = {re.search(r'"\{ (\w+) \|', line).group(1): line for line in record_nodes(source)}
    assert all("fillcolor=lightblue" in by_label[leaf] for leaf in "abcf")
    assert "fillcolor=gold" in by_label["L"]
    assert "fillcolor" not in by_label["e"] and "fillcolor" not in by_label["d"]


def test_same_graph_gives_the_same_dot_text():
    assert draw_dot(small_graph()).source == draw_dot(small_graph()).source


def test_dot_text_is_the_same_in_every_process():
    code = "from autograd import Value, draw_dot; x = Value(2.0, 'x'); y = (x * x + x).tanh(); print(draw_dot(y).source)"
    runs = [
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                       env={**os.environ, "PYTHONHASHSEED": seed}).stdout
        for seed in ("1", "2")
    ]
    assert runs[0] == runs[1] and "tanh" in runs[0]


def test_labels_with_record_syntax_are_escaped():
    source = draw_dot(Value(1.0, 'a|b {c} <d> "e" \\f')).source
    assert r'"{ a\|b \{c\} \<d\> \"e\" \\f | data 1 | grad 0 }"' in source


def test_bad_options_are_clear_errors():
    x = Value(1.0)
    with pytest.raises(ValueError, match="rankdir must be one of TB, LR, BT, RL"):
        draw_dot(x, rankdir="sideways")
    with pytest.raises(ValueError, match="max_nodes must be at least 1"):
        draw_dot(x, max_nodes=0)
    with pytest.raises(TypeError, match="max_nodes must be an int"):
        draw_dot(x, max_nodes=10.5)
    with pytest.raises(TypeError, match="draw_dot needs a Value"):
        draw_dot(3.0)
    assert "rankdir=TB" in draw_dot(x, rankdir="TB").source


def chain(n):
    """A graph of n Values: x, x+1, (x+1)+1, ... (each + also has a constant leaf 1)."""
    x = Value(0.0, "x")
    for _ in range(n // 2):
        x = x + 1
    return x


def test_too_large_graph_says_how_big_and_how_to_raise_the_limit():
    big = chain(1500)
    with pytest.raises(ValueError, match=r"graph has 1,501 Value nodes, more than max_nodes=1000; "
                                         r"pass max_nodes=1501"):
        draw_dot(big)
    assert len(record_nodes(draw_dot(big, max_nodes=1501).source)) == 1501


def test_deep_graphs_need_no_recursion():
    with pytest.raises(ValueError, match="graph has 200,001 Value nodes"):
        draw_dot(chain(200_000))
    assert len(record_nodes(draw_dot(chain(5000), max_nodes=5001).source)) == 5001


# --- render_svg and notebook display ---


def check_svg(path):
    root, texts = svg_texts(path)
    assert root.tag == SVG_NS + "svg"
    for expected in ["a", "data 2", "grad 6", "b", "data -3", "grad -4", "c", "f", "e", "d",
                     "data -8", "grad 1", "L", "*", "+"]:
        assert expected in texts


def test_render_svg_without_system_graphviz(no_dot, tmp_path):
    path = render_svg(small_graph(), tmp_path / "graph.svg")
    assert path == tmp_path / "graph.svg"
    check_svg(path)
    assert sorted(os.listdir(tmp_path)) == ["empty-bin", "graph.svg"]


@has_dot
def test_render_svg_with_system_graphviz(tmp_path):
    path = render_svg(small_graph(), str(tmp_path / "graph.svg"), rankdir="TB")
    assert isinstance(path, Path)
    check_svg(path)
    assert os.listdir(tmp_path) == ["graph.svg"]


def test_render_svg_draws_awkward_labels(no_dot, tmp_path):
    label = 'a|b {c} <d> "e" \\f & é'
    _, texts = svg_texts(render_svg(Value(1.0, label), tmp_path / "odd.svg"))
    assert label in texts


def test_render_svg_replaces_an_existing_file(no_dot, tmp_path):
    target = tmp_path / "graph.svg"
    target.write_text("old")
    render_svg(small_graph(), target)
    check_svg(target)


def test_render_svg_into_a_missing_folder_names_it_and_writes_nothing(tmp_path):
    missing = tmp_path / "no" / "such"
    with pytest.raises(FileNotFoundError, match=re.escape(str(missing))):
        render_svg(small_graph(), missing / "graph.svg")
    assert os.listdir(tmp_path) == []


def test_render_svg_of_a_too_large_graph_writes_nothing(tmp_path):
    with pytest.raises(ValueError, match="max_nodes"):
        render_svg(chain(1500), tmp_path / "big.svg")
    assert os.listdir(tmp_path) == []


def test_a_failed_write_leaves_no_temp_file(no_dot, tmp_path, monkeypatch):
    def broken_replace(src, dst):
        raise OSError("disk trouble")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk trouble"):
        render_svg(small_graph(), tmp_path / "graph.svg")
    assert sorted(os.listdir(tmp_path)) == ["empty-bin"]


def test_notebook_display_without_system_graphviz(no_dot):
    g = draw_dot(small_graph())
    bundle = g._repr_mimebundle_()
    assert list(bundle) == ["image/svg+xml"]
    assert ET.fromstring(bundle["image/svg+xml"].encode()).tag == SVG_NS + "svg"
    assert ET.fromstring(g._repr_svg_().encode()).tag == SVG_NS + "svg"
    assert g._repr_mimebundle_(include=["image/png"]) == {}


def test_a_label_with_a_nul_character_still_renders(tmp_path):
    v = Value(1.0, label="a\x00b")
    path = render_svg(v * 2, tmp_path / "nul.svg")
    assert "ab" in path.read_text(encoding="utf-8")


def test_the_engine_loads_graphviz_only_when_a_picture_is_asked_for():
    code = ("import sys, autograd; from autograd import Value; (Value(2.0) * 3).backward(); "
            "print('graphviz' in sys.modules, end=' '); "
            "from autograd import step_through, render_html, draw_dot, render_svg; "
            "import autograd.render; print('graphviz' in sys.modules, autograd.render.draw_dot is draw_dot)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "True", "True"]
