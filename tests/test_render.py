"""Drawing graphs: the DOT that draw_dot builds, and the SVG files that render_svg writes."""

import math
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import graphviz
import pytest
from hypothesis import given, settings, strategies as st

import nn
from autograd import Value, dot, draw_dot, render_html, render_svg, step_through
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
    """The graph's edges (not the legend's invisible ones, which keep its boxes in order)."""
    found = re.findall(r"^\s*(\w+) -> (\w+)", source, flags=re.MULTILINE)
    return [(a, b) for a, b in found if not a.startswith("legend_")]


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


# --- the numbers: as many digits as tell them from a rounder one ---


def test_digits_never_make_a_number_look_rounder_than_it_is():
    from autograd.render.numbers import digits, full

    assert digits(math.tanh(-6.0)) == "-0.99999"  # not "-1", next to a grad of 2.458e-05
    assert digits(0.1 + 0.2) == "0.30000000000000004" and digits(2.0004) == "2.0004"
    assert digits(1 / 3) == "0.3333" and digits(123456.789) == "1.235e+05"
    assert [digits(x) for x in (2.0, 0.5, 1e-9, -0.0, 1000.0)] == ["2", "0.5", "1e-09", "0", "1000"]
    assert full(math.tanh(-6.0)) == repr(math.tanh(-6.0))


@settings(max_examples=300, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_digits_are_few_but_never_a_rounder_number(x):
    from autograd.render.numbers import digits

    text = digits(x)
    mantissa = text.lstrip("-").split("e")[0].replace(".", "").lstrip("0")
    exact = float(text) == x
    assert exact or (len(mantissa) >= 4 and mantissa[-1] != "0")  # rounded: it shows it is
    assert len(mantissa) <= 17
    if len(mantissa) > 4:  # more digits only where fewer would be exact or rounder
        shorter = f"{x:.{len(mantissa) - 1}g}"
        short_digits = shorter.lstrip("-").split("e")[0].replace(".", "").lstrip("0")
        assert float(shorter) != x and (short_digits[-1:] == "0" or len(short_digits) < len(mantissa) - 1)


def test_drawings_write_tanh_of_minus_6_so_it_can_be_checked(no_dot, tmp_path):
    y = Value(-6.0, "x").tanh()
    y.label = "t"
    y.backward()
    source = draw_dot(y).source
    assert "data -0.99999" in source and "grad 2.458e-05" in source
    assert f"data {math.tanh(-6.0)!r}" in source  # every digit, on hover
    _, texts = svg_texts(render_svg(y, tmp_path / "t.svg"))
    assert "data -0.99999" in texts


# --- names and kinds ---


def test_parameters_are_shown_by_their_short_names_with_the_full_one_on_hover():
    model = nn.MLP(2, [2, 1], seed=0)
    source = draw_dot(model([1.0, 2.0])).source
    assert re.search(r'label="\{ w\[0,1,0\] \| data [^|]+ \| grad 0 \}"', source)
    assert 'tooltip="layers.0.neurons.1.w.0\\ndata ' in source


def test_inputs_parameters_constants_and_computed_values_look_different_with_a_legend():
    model = nn.Neuron(1, activation="tanh", seed=0)
    loss = (model([Value(3.0, "x")]) - 1.0) ** 2
    source = draw_dot(loss).source
    line = {re.search(r'"\{ (\S+) \|', l)[1] if "{ data" not in l else l.split()[0]: l for l in record_nodes(source)}
    assert "fillcolor=thistle" in line["w[0]"] and "fillcolor=thistle" in line["b"]
    assert "fillcolor=lightblue" in line["x"]
    constants = [l for l in record_nodes(source) if "style=dashed" in l]
    assert len(constants) == 2  # the 1.0 and the 2
    assert "fillcolor=gold" in record_nodes(source)[-1]  # the root, drawn last
    legend = re.findall(r"legend_(\w+) \[label=\"?([^\"\]]+?)\"? ", source)
    assert [k for k, _ in legend] == ["input", "parameter", "constant", "intermediate", "root"]
    _, texts = svg_texts_of(draw_dot(loss).pipe())
    assert {"input", "parameter", "constant (a number in the code)", "computed by an op", "output"} <= set(texts)


# --- labels exactly as written ---


@pytest.mark.parametrize("label", ["&amp;", "&lt;script&gt;", "a & b", "&#38;", "<b>bold</b>", "tab\\t"])
def test_labels_are_drawn_exactly_as_written(no_dot, label):
    _, texts = svg_texts_of(draw_dot(Value(1.0, label) * 2).pipe())
    assert label in texts


def test_a_label_with_a_lone_surrogate_is_drawn_escaped(no_dot, tmp_path):
    y = Value(1.0, "a\ud800b") * 2
    _, texts = svg_texts(render_svg(y, tmp_path / "s.svg"))
    assert "a\\ud800b" in texts
    assert "a\\ud800b" in step_through(y).html


# --- the graphviz API without system Graphviz ---


def svg_texts_of(data):
    root = ET.fromstring(data if isinstance(data, bytes) else data.encode("utf-8"))
    return root, [t.text for t in root.iter(SVG_NS + "text")]


def test_pipe_gives_the_svg_render_svg_writes(no_dot, tmp_path):
    g = draw_dot(small_graph())
    written = render_svg(small_graph(), tmp_path / "g.svg").read_bytes()
    assert g.pipe() == written and g.pipe(format="svg") == written
    assert g.pipe(encoding="utf-8") == written.decode("utf-8") == g._repr_image_svg_xml()
    assert g._repr_mimebundle_() == {"image/svg+xml": written.decode("utf-8")}


def test_render_and_view_work_without_system_graphviz(no_dot, tmp_path, monkeypatch):
    g = draw_dot(small_graph())
    out = g.render(directory=tmp_path)
    assert Path(out) == tmp_path / "chaingrad.gv.svg"
    check_svg(out)
    assert sorted(os.listdir(tmp_path)) == ["chaingrad.gv", "chaingrad.gv.svg", "empty-bin"]
    assert Path(g.render(outfile=tmp_path / "lecture.json")).read_text().startswith("{")
    opened = []
    monkeypatch.setattr(type(g), "_view_linux", staticmethod(lambda path, quiet: opened.append(path)))
    monkeypatch.setattr(graphviz.backend.viewing, "PLATFORM", "linux")
    shown = g.view(filename="viewed.gv", directory=tmp_path)
    assert opened == [shown] and Path(shown) == tmp_path / "viewed.gv.svg"
    check_svg(shown)


def test_every_format_the_webassembly_build_is_said_to_make_it_makes(no_dot):
    from autograd.render.svg import WASM_FORMATS

    g = draw_dot(Value(2.0, "a") * 3)
    made = {fmt: g.pipe(format=fmt) for fmt in WASM_FORMATS}
    assert all(len(data) > 10 for data in made.values())
    assert made["json"].startswith(b"{") and made["ps"].startswith(b"%!PS") and made["dot"].startswith(b"digraph")


@pytest.mark.parametrize("fmt", ["png", "pdf", "jpg"])
def test_a_format_it_cannot_make_is_a_clear_error_and_leaves_no_file(no_dot, tmp_path, fmt):
    g = draw_dot(small_graph())
    with pytest.raises(ValueError, match=r"cannot make '%s' pictures.*makes only svg, dot, gv" % fmt):
        g.pipe(format=fmt)
    with pytest.raises(ValueError, match="makes only svg"):
        g.render(directory=tmp_path, format=fmt)
    with pytest.raises(ValueError, match="makes only svg"):
        g.render(outfile=tmp_path / f"g.{fmt}")
    assert sorted(os.listdir(tmp_path)) == ["empty-bin"]
    assert draw_dot(small_graph()).pipe()[:5] == b"<?xml"  # and the next picture is still made
    assert g._repr_mimebundle_(include=["image/png", "image/svg+xml"]).keys() == {"image/svg+xml"}


def test_a_failed_layout_leaves_neither_source_nor_picture(no_dot, tmp_path, monkeypatch):
    import autograd.render.svg as svg

    def broken(source, format, engine):
        raise RuntimeError("layout trouble")

    monkeypatch.setattr(svg, "_wasm_layout", broken)
    with pytest.raises(RuntimeError, match="layout trouble"):
        draw_dot(small_graph()).render(directory=tmp_path)
    assert sorted(os.listdir(tmp_path)) == ["empty-bin"]


def fake_dot(folder, script):
    """A `dot` program on PATH (in ``folder``) that runs the shell ``script``."""
    exe = folder / "dot"
    exe.write_text("#!/bin/sh\n" + script)
    exe.chmod(0o755)
    return exe


def test_with_a_dot_program_on_path_it_is_what_lays_out(no_dot, tmp_path, monkeypatch):
    fake_dot(tmp_path / "empty-bin", 'echo "made by dot $*"\n')
    g = draw_dot(small_graph())
    assert g.pipe(format="png") == b"made by dot -Kdot -Tpng\n"
    path = render_svg(small_graph(), tmp_path / "g.png")
    assert path.read_bytes() == b"made by dot -Kdot -Tpng\n"
    assert Path(g.render(outfile=tmp_path / "r.pdf")).read_bytes() == b"made by dot -Kdot -Tpdf\n"


def test_a_failing_dot_program_leaves_no_file(no_dot, tmp_path):
    fake_dot(tmp_path / "empty-bin", 'echo "Error: out of memory" >&2\nexit 3\n')
    with pytest.raises(RuntimeError, match=r"exit code 3: Error: out of memory"):
        render_svg(small_graph(), tmp_path / "g.svg")
    with pytest.raises(RuntimeError, match="out of memory"):
        draw_dot(small_graph()).render(directory=tmp_path)
    assert sorted(os.listdir(tmp_path)) == ["empty-bin"]
    assert sorted(os.listdir(tmp_path / "empty-bin")) == ["dot"]


# --- render_svg writes the format its suffix names ---


def test_render_svg_writes_the_format_the_suffix_names(no_dot, tmp_path):
    assert render_svg(small_graph(), tmp_path / "g.json").read_text().startswith("{")
    assert render_svg(small_graph(), tmp_path / "g.dot").read_text().startswith("digraph")
    check_svg(render_svg(small_graph(), tmp_path / "g"))  # no suffix: SVG


@pytest.mark.parametrize("name", ["g.png", "g.pdf", "g.txt"])
def test_render_svg_to_a_suffix_it_cannot_make_names_those_it_can_and_writes_nothing(no_dot, tmp_path, name):
    with pytest.raises(ValueError, match=re.escape(name)) as caught:
        render_svg(small_graph(), tmp_path / name)
    if name != "g.txt":
        assert ".svg, .dot, .gv" in str(caught.value)
    assert sorted(os.listdir(tmp_path)) == ["empty-bin"]


def test_a_folder_that_may_not_be_written_fails_before_any_layout(tmp_path, monkeypatch):
    import autograd.render.steps as steps
    import autograd.render.svg as svg

    def no_layout(*args, **kwargs):
        raise AssertionError("laid out the graph before checking the folder")

    monkeypatch.setattr(svg, "layout", no_layout)
    monkeypatch.setattr(steps, "svg_from_dot", no_layout)
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if Path(p) == tmp_path else real_access(p, mode))
    for write in (lambda: render_svg(small_graph(), tmp_path / "g.svg"),
                  lambda: render_html(small_graph(), tmp_path / "g.html"),
                  lambda: step_through(small_graph()).save(tmp_path / "g.html")):
        with pytest.raises(PermissionError, match=re.escape(str(tmp_path))):
            write()
    assert os.listdir(tmp_path) == []


def test_a_viewer_that_cannot_open_leaves_the_picture_made(no_dot, tmp_path, monkeypatch):
    def no_viewer(path, quiet):
        raise FileNotFoundError("no xdg-open")

    g = draw_dot(small_graph())
    monkeypatch.setattr(type(g), "_view_linux", staticmethod(no_viewer))
    monkeypatch.setattr(graphviz.backend.viewing, "PLATFORM", "linux")
    with pytest.raises(FileNotFoundError, match="xdg-open"):
        g.view(directory=tmp_path)
    check_svg(tmp_path / "chaingrad.gv.svg")
    assert (tmp_path / "chaingrad.gv").exists()
