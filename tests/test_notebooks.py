"""The notebooks in examples/: each runs top to bottom in a new kernel without an error, what it
prints now is what its saved outputs show, and the results it shows are right. Also the harness
itself (examples/run_notebooks.py): its kernel, its failures and its saving."""

import importlib.util
import math
import os
import re
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient.exceptions import CellExecutionError, CellTimeoutError
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
_spec = importlib.util.spec_from_file_location("run_notebooks", EXAMPLES / "run_notebooks.py")
run_notebooks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(run_notebooks)
DOCS = EXAMPLES.parent / "docs"
_spec = importlib.util.spec_from_file_location("make_notebook_pictures", DOCS / "make_notebook_pictures.py")
make_notebook_pictures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_notebook_pictures)

NOTEBOOKS = run_notebooks.notebooks()
NUMBER = r"[-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?"
REFRESH = "refresh the saved outputs with: python examples/run_notebooks.py"

_runs = {}
NEEDS_TORCH = {"05_to_pytorch.ipynb"}
TORCH_MISSING = "notebook 05 needs PyTorch: pip install 'chaingrad[torch]' (a CPU build is enough)"


def ran(path):
    """(saved, fresh) for the notebook at path, run once per test session. A notebook that needs
    PyTorch is skipped without it (failed instead under CHAINGRAD_REQUIRE_TORCH=1, as in CI)."""
    if path.name in NEEDS_TORCH and importlib.util.find_spec("torch") is None:  # looked for, not imported
        if os.environ.get("CHAINGRAD_REQUIRE_TORCH"):
            pytest.fail(TORCH_MISSING, pytrace=False)
        pytest.skip(TORCH_MISSING)
    if path not in _runs:
        try:
            _runs[path] = run_notebooks.run(path)
        except (CellExecutionError, CellTimeoutError) as error:
            _runs[path] = error
    if isinstance(_runs[path], Exception):
        pytest.fail(f"{path.name} did not run to the end:\n{_runs[path]}", pytrace=False)
    return _runs[path]


def printed_text(nb, source_contains):
    """Everything printed by the one code cell whose source contains ``source_contains``."""
    cells = [c for c in nb.cells if c.cell_type == "code" and source_contains in c.source]
    assert len(cells) == 1, f"{len(cells)} cells contain {source_contains!r}"
    return "".join(o.text for o in cells[0].outputs if o.output_type == "stream" and o.name == "stdout")


def images_shown(nb, source_contains):
    """The PNG images (base64) shown by the one code cell whose source contains ``source_contains``."""
    [cell] = [c for c in nb.cells if c.cell_type == "code" and source_contains in c.source]
    images = [o.data["image/png"] for o in cell.outputs if o.output_type == "display_data" and "image/png" in o.data]
    assert all(png.startswith("iVBORw0KGgo") for png in images)  # base64 of the PNG signature
    return images


def rows(text, columns):
    """The lines of text made of a word or number and then ``columns`` numbers, as tuples."""
    pattern = re.compile(rf"^\s*(\S+)" + rf"\s+({NUMBER})" * columns + r"\s*$")
    return [(m[1], *map(float, m.groups()[1:])) for m in map(pattern.match, text.splitlines()) if m]


def test_examples_has_notebooks():
    assert [p.name for p in NOTEBOOKS][:4] == ["01_tiny_net.ipynb", "02_moons.ipynb", "03_spiral.ipynb", "04_your_own_op.ipynb"]


# every notebook


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs_to_the_end_in_a_new_kernel(path):
    saved, fresh = ran(path)
    code = [c for c in fresh.cells if c.cell_type == "code"]
    assert code and all(c.execution_count is not None for c in code)
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_saved_outputs_are_what_the_notebook_prints_now(path):
    saved, fresh = ran(path)
    diff = run_notebooks.differences(saved, fresh, path.name)
    assert not diff, f"{path.name}: saved outputs are stale; {REFRESH}\n{diff}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_is_saved_from_one_run_top_to_bottom(path):
    saved = nbformat.read(path, as_version=4)
    counts = [c.execution_count for c in saved.cells if c.cell_type == "code"]
    assert counts == list(range(1, len(counts) + 1)), f"{path.name}: {REFRESH}"


# 01_tiny_net: the seed post retold


@pytest.fixture(scope="module")
def tiny_net():
    return ran(EXAMPLES / "01_tiny_net.ipynb")[1]


def test_tiny_net_finite_differences_and_backprop_give_the_same_gradients(tiny_net):
    table = rows(printed_text(tiny_net, "bp = backprop_gradients(net, x, y)"), columns=2)
    assert len(table) == 16
    assert any(abs(fd) > 0.1 for _, fd, _ in table)
    for name, fd, bp in table:
        assert fd == pytest.approx(bp, abs=1e-6), name


def test_tiny_net_two_training_columns_agree_all_the_way_down(tiny_net):
    table = rows(printed_text(tiny_net, "fd_net, fd_errors = train("), columns=2)
    assert [int(epoch) for epoch, _, _ in table] == [10, 20, 30, 40, 50, 60]
    for epoch, fd, bp in table:
        assert fd == pytest.approx(bp, rel=1e-6), f"epoch {epoch}"
    assert table[-1][2] < 1e-10 < table[0][2]


def test_tiny_net_the_post_formula_matches_backprop(tiny_net):
    text = printed_text(tiny_net, "by_hand = ")
    pairs = re.findall(rf"= ({NUMBER})\s+backprop = ({NUMBER})", text)
    assert len(pairs) == 4
    for hand, bp in pairs:
        assert float(hand) == pytest.approx(float(bp), abs=1e-12)


def test_tiny_net_the_slip_starts_backprop_where_finite_differences_finished(tiny_net):
    table = rows(printed_text(tiny_net, "slip_errors = train("), columns=2)
    assert len(table) == 6
    honest, slipped = table[0][1], table[0][2]
    assert slipped < 1e-9 < 1e-3 < honest
    text = printed_text(tiny_net, "weights_init = weights  #")
    assert "the same list: True" in text and "[0.5, -0.3, 0.8]" in text.splitlines()[-1]


def test_tiny_net_plots_both_error_curves_on_a_log_scale(tiny_net):
    assert len(images_shown(tiny_net, 'set_yscale("log")')) == 1


def test_tiny_net_draws_the_graph_of_one_loss_inline(tiny_net):
    [cell] = [c for c in tiny_net.cells if c.cell_type == "code" and "draw_dot(loss)" in c.source]
    [shown] = [o for o in cell.outputs if o.output_type == "execute_result"]
    svg = shown.data["image/svg+xml"]
    assert "<svg" in svg
    for label in ("a0[0]", "w01[3,2]", "w12[0,3]", "a1[3]", "a2", "error"):
        assert label in svg, label


def test_tiny_net_steps_through_its_loss_inline(tiny_net):
    text = printed_text(tiny_net, "steps = step_through(loss)")
    assert "the running totals end at backward()'s gradients: True" in text
    assert "d(error)/da2 += " in text
    [cell] = [c for c in tiny_net.cells if c.cell_type == "code" and c.source.strip() == "steps"]
    [shown] = [o for o in cell.outputs if o.output_type == "execute_result"]
    assert shown.data["text/html"].startswith("<iframe srcdoc=")


def test_tiny_net_traced_code_is_the_posts_formulas_and_replays_backprop(tiny_net):
    code = printed_text(tiny_net, "traced_error = trace(")
    for line in ("v10 = a2 - y", "d_v10 = d_error * v10 + d_error * v10", "d_w12_3 = d_a2 * a1_3",
                 "d_a1_0 = d_a2 * w12_0", "d_w01_2_1 = d_v5 * a0_1"):
        assert f"    {line}\n" in code, line
    assert "the same gradients as backward(), bit for bit: True" in printed_text(tiny_net, "replayed = traced_error(x, y)")


# 02_moons: micrograd's demo redone


@pytest.fixture(scope="module")
def moons_run():
    return ran(EXAMPLES / "02_moons.ipynb")[1]


def test_moons_training_reaches_100_percent_accuracy(moons_run):
    text = printed_text(moons_run, "history = train(model, eager_step)")
    table = [(int(k), float(loss), int(acc)) for k, loss, acc in re.findall(rf"^\s*(\d+)\s+({NUMBER})\s+(\d+)%$", text, re.M)]
    assert [k for k, _, _ in table] == list(range(0, 100, 10))
    assert table[0][2] <= 60 and table[0][1] > 1.0  # an untrained net: about a coin toss
    assert max(acc for _, _, acc in table) == 100
    assert table[-1][1] < table[0][1] / 10
    [(loss, acc)] = re.findall(rf"after 100 steps: loss ({NUMBER}), accuracy (\d+)%", text)
    assert acc == "100" and 0 < float(loss) < table[-1][1]


def test_moons_progress_bar_goes_to_stderr_and_the_timing_is_not_compared(moons_run):
    [cell] = [c for c in moons_run.cells if c.cell_type == "code" and "history = train(model, eager_step)" in c.source]
    bar = "".join(o.text for o in cell.outputs if o.output_type == "stream" and o.name == "stderr")
    assert "100/100" in bar and "100/100" not in printed_text(moons_run, "history = train(model, eager_step)")
    [timing] = [c for c in moons_run.cells if c.cell_type == "code" and "eager_seconds / STEPS" in c.source]
    assert timing.metadata["tags"] == ["timing"]
    assert re.fullmatch(rf"eager: 100 steps in {NUMBER} s, \d+ ms a step\n", printed_text(moons_run, "eager_seconds / STEPS"))


def test_moons_traced_training_gives_the_eager_runs_numbers_and_says_how_long_each_took(moons_run):
    text = printed_text(moons_run, "step = trace(loss_and_scores")
    assert "the same losses and accuracies as the eager run, bit for bit: True" in text
    assert "final accuracy 100%" in text
    [timing] = [c for c in moons_run.cells if c.cell_type == "code" and "traced_seconds:.2f" in c.source]
    assert timing.metadata["tags"] == ["timing"]
    times = printed_text(moons_run, "traced_seconds:.2f")
    assert re.search(rf"^eager:  100 steps in {NUMBER} s$", times, re.M)
    assert re.search(rf"^traced: 100 steps in {NUMBER} s, after {NUMBER} s to trace and compile once$", times, re.M)


def test_moons_plots_the_points_and_the_decision_boundary(moons_run):
    assert len(images_shown(moons_run, 'ax.set_title("Two moons')) == 1
    assert len(images_shown(moons_run, "ax.contourf(")) == 1


# 03_spiral: three classes, a model of your own


@pytest.fixture(scope="module")
def spiral_run():
    return ran(EXAMPLES / "03_spiral.ipynb")[1]


def test_spiral_loss_falls_from_log_3_and_most_points_are_right(spiral_run):
    text = printed_text(spiral_run, "optimizer = AdamW(")
    losses = [float(loss) for loss in re.findall(rf"^step +\d+: loss ({NUMBER})$", text, re.M)]
    assert len(losses) == 6
    assert losses[0] == pytest.approx(math.log(3), abs=0.1)
    assert losses == sorted(losses, reverse=True)
    [(loss, acc)] = re.findall(rf"after 300 steps: loss ({NUMBER}), accuracy (\d+)%", text)
    assert float(loss) < losses[-1] < losses[0] / 5 and int(acc) >= 90


def test_spiral_plots_the_points_the_loss_curve_and_the_regions(spiral_run):
    for source in ('ax.set_title("Three spiral arms', 'ax.set_ylabel("cross-entropy")', "ax.contourf("):
        assert len(images_shown(spiral_run, source)) == 1, source


def test_spiral_load_model_refuses_the_own_class_and_load_gives_the_same_predictions(spiral_run):
    refused = printed_text(spiral_run, "    load_model(path)")
    assert refused.startswith("ValueError: <tmp>/spiral_net.json holds a SpiralNet, not a built-in model")
    assert "call .load(path)" in refused
    trained = re.search(r"after 300 steps: .*accuracy (\d+)%", printed_text(spiral_run, "optimizer = AdamW("))[1]
    loaded = printed_text(spiral_run, "loaded.load(path)")
    assert f"after loading:  {trained}% right" in loaded
    before = re.search(r"before loading: (\d+)% right", loaded)[1]
    assert int(before) < 50 < int(trained)  # the new model's own weights are no good: the numbers came from the file
    assert "bit for bit: True" in loaded
    hidden = printed_text(spiral_run, 'load_model(Path(folder.name) / "hidden.json")')
    assert hidden == "Layer(2 -> 16 tanh, bias=True)\nthe same outputs: True\n"


# 04_your_own_op: swish by define_op, a wrong derivative caught, fixed, and trained with


@pytest.fixture(scope="module")
def own_op_run():
    return ran(EXAMPLES / "04_your_own_op.ipynb")[1]


def test_own_op_gradcheck_catches_the_derivative_without_the_product_rule(own_op_run):
    text = printed_text(own_op_run, "gradcheck(swish, [1.5])")
    [(backprop, numeric)] = re.findall(rf"input 0 \(x = 1.5\): backprop ({NUMBER}), finite differences ({NUMBER})", text)
    s = 1.0 / (1.0 + math.exp(-1.5))
    assert float(backprop) == pytest.approx(s, rel=1e-12)  # the wrong rule: sigmoid(x) alone
    assert float(numeric) == pytest.approx(s + 1.5 * s * (1.0 - s), rel=1e-6)  # the true slope
    assert text.startswith("gradient mismatch at 1 of 1 inputs")


def test_own_op_the_fixed_rule_passes_to_second_order_and_equals_silu(own_op_run):
    assert printed_text(own_op_run, "points = [").endswith(": True\n")
    text = printed_text(own_op_run, "def slope(v)")
    assert "second derivative passes gradcheck: True" in text
    [worst] = re.findall(rf"built-in silu: ({NUMBER})", text)
    assert float(worst) <= 1e-15


def test_own_op_is_called_by_traced_code_and_named_in_the_step_through(own_op_run):
    text = printed_text(own_op_run, "traced = trace(")
    assert "v2 = user_op_swish(v1)" in text
    assert "y = swish(v1) = swish(1) = 0.7311" in text
    s = 1.0 / (1.0 + math.exp(-1.0))
    [slope] = re.findall(rf"dy/dv1 \+= dy/dy \* dy/dv1 = 1 \* ({NUMBER})", text)
    assert float(slope) == pytest.approx(s + s * (1.0 - s), abs=1e-4)


def test_own_op_trains_a_net_on_the_moons(own_op_run):
    text = printed_text(own_op_run, "activation=swish")
    assert text.startswith("MLP(2 -> [8 swish, 8 swish, 1 linear]")
    rows = [(float(loss), int(acc)) for loss, acc in re.findall(rf"^step +\d+: loss ({NUMBER}), accuracy (\d+)%$", text, re.M)]
    assert len(rows) == 4
    assert [loss for loss, _ in rows] == sorted((loss for loss, _ in rows), reverse=True)
    assert rows[-1][0] < rows[0][0] / 5 and rows[-1][1] >= 90


# 05_to_pytorch: the same model in PyTorch, then a thousand times the data


@pytest.fixture(scope="module")
def to_pytorch():
    return ran(EXAMPLES / "05_to_pytorch.ipynb")[1]


def test_to_pytorch_gives_the_same_predictions_and_gradients(to_pytorch):
    text = printed_text(to_pytorch, "theirs = net(X)[:, 0].tolist()")
    table = rows(text, columns=2)
    assert [int(point) for point, *_ in table] == [0, 1, 2, 3, 4]
    assert all(mine == theirs for _, mine, theirs in table)
    assert "all 100 scores agree to 1e-14: True" in text
    text = printed_text(to_pytorch, "torch_loss = torch.relu(1 - Y * net(X)[:, 0]).mean()\ntorch_loss.backward()")
    [(mine, theirs)] = re.findall(rf"loss: chaingrad ({NUMBER}), PyTorch ({NUMBER})", text)
    assert mine == theirs
    table = re.findall(rf"^(layers\S+) +(\d\.\w+\[[\d, ]+\]) +({NUMBER}) +({NUMBER})$", text, re.M)
    assert len(table) == 5 and all(g == h for _, _, g, h in table) and sum(float(g) != 0 for *_, g, _ in table) >= 4
    assert ("layers.0.neurons.2.w.1", "0.weight[2, 1]") in [row[:2] for row in table]
    assert "all 337 gradients agree to 1e-12 of the largest: True" in text


def test_to_pytorch_trains_in_lock_step(to_pytorch):
    text = printed_text(to_pytorch, "chaingrad_opt.step()")
    table = rows(text, columns=2)
    assert [int(step) for step, *_ in table] == list(range(10))
    assert all(mine == theirs for _, mine, theirs in table)
    assert table[-1][1] < table[0][1]
    assert "after 10 steps all 337 parameters agree to 1e-12: True" in text
    assert printed_text(to_pytorch, "save_torch_checkpoint(") == "the checkpoint holds the trained weights: True\n"


def test_to_pytorch_trains_on_a_thousand_times_the_data_and_times_each_epoch(to_pytorch):
    text = printed_text(to_pytorch, "def torch_epoch(")
    found = re.findall(r"^ *([\d,]+) points, .* accuracy on 1,000 new points (\d+)%$", text, re.M)
    assert [n for n, _ in found] == ["100", "10,000", "100,000"]
    assert all(int(acc) >= 90 for _, acc in found[1:])
    [timing] = [c for c in to_pytorch.cells if c.cell_type == "code" and "traced_per_point * n" in c.source and "print" in c.source]
    assert timing.metadata["tags"] == ["timing"]
    table = rows(printed_text(to_pytorch, "compile_seconds = time.perf_counter() - start"), columns=3)
    assert [n for n, *_ in table] == ["100", "10,000", "100,000"]
    assert all(eager > 0 and traced > 0 and torch > 0 for _, eager, traced, torch in table)  # times: shown, not compared
    assert len(images_shown(to_pytorch, 'ax.set_ylabel("seconds per epoch")')) == 1


# the README's pictures of the notebooks (docs/make_notebook_pictures.py)


@pytest.mark.parametrize("name, notebook", sorted(make_notebook_pictures.PICTURES.items()))
def test_readme_pictures_are_the_saved_notebooks_plots(name, notebook):
    assert f"](docs/{name})" in (EXAMPLES.parent / "README.md").read_text()
    assert (DOCS / name).read_bytes() == make_notebook_pictures.picture(EXAMPLES / notebook), (
        f"docs/{name} is not the plot saved in {notebook}; run: python docs/make_notebook_pictures.py"
    )


def test_a_picture_comes_from_exactly_one_tagged_cell_with_one_image(tmp_path):
    figure = new_output("display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"})
    plot = new_code_cell("plt.show()", outputs=[figure], metadata={"tags": ["readme"]})
    path = tmp_path / "nb.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell("x = 1"), plot]), path)
    assert make_notebook_pictures.picture(path) == b"\x89PNG\r\n\x1a\n"
    plot.outputs = []
    nbformat.write(new_notebook(cells=[plot]), path)
    with pytest.raises(ValueError, match="shows 0 PNG images.*run_notebooks.py"):
        make_notebook_pictures.picture(path)
    nbformat.write(new_notebook(cells=[new_code_cell("x = 1")]), path)
    with pytest.raises(ValueError, match="0 code cells are tagged 'readme'"):
        make_notebook_pictures.picture(path)


# the harness: examples/run_notebooks.py


def notebook(*sources):
    nb = new_notebook(cells=[new_code_cell(s) for s in sources])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def test_kernel_runs_this_python(tmp_path):
    nb = run_notebooks.execute(notebook("import os, sys\nprint(sys.executable)\nprint(os.getcwd())"), tmp_path)
    assert nb.cells[0].outputs[0].text.splitlines() == [sys.executable, str(tmp_path)]


def test_a_cell_that_raises_fails_the_run(tmp_path):
    with pytest.raises(CellExecutionError, match="ZeroDivisionError"):
        run_notebooks.execute(notebook("x = 1", "x / 0", "print('not reached')"), tmp_path)


def test_a_cell_that_runs_too_long_fails_the_run(tmp_path):
    with pytest.raises(CellTimeoutError):
        run_notebooks.execute(notebook("import time\ntime.sleep(60)"), tmp_path, timeout=2)


def test_script_saves_outputs_and_leaves_a_failing_notebook_as_it_was(tmp_path, capsys):
    good, bad = tmp_path / "good.ipynb", tmp_path / "bad.ipynb"
    nbformat.write(notebook("print(6 * 7)"), good)
    nbformat.write(notebook("print('start')", "raise RuntimeError('broken')"), bad)
    bad_before = bad.read_bytes()

    assert run_notebooks.main([str(good), str(bad)]) == 1
    assert bad.read_bytes() == bad_before
    saved = nbformat.read(good, as_version=4)
    assert saved.cells[0].outputs[0].text == "42\n" and saved.cells[0].execution_count == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.ipynb", "good.ipynb"]  # no temporary files left
    assert "RuntimeError" in capsys.readouterr().err

    assert run_notebooks.main(["--check", str(good)]) == 0
    saved.cells[0].outputs[0].text = "41\n"
    nbformat.write(saved, good)
    assert run_notebooks.main(["--check", str(good)]) == 1
    assert "-[cell 0] stdout: 41" in capsys.readouterr().out
    assert nbformat.read(good, as_version=4).cells[0].outputs[0].text == "41\n"  # --check saves nothing


def test_script_refuses_what_is_not_a_notebook(tmp_path):
    with pytest.raises(SystemExit):
        run_notebooks.main([str(tmp_path / "missing.ipynb")])
    with pytest.raises(SystemExit):
        run_notebooks.main(["--timeout", "0"])


# what counts as a change of printed output


def with_outputs(*outputs, tags=()):
    cell = new_code_cell("...", outputs=list(outputs))
    if tags:
        cell.metadata["tags"] = list(tags)
    return new_notebook(cells=[new_markdown_cell("# title"), cell])


def stdout(text):
    return new_output("stream", name="stdout", text=text)


def test_the_same_printed_text_is_not_stale():
    nb = with_outputs(stdout("loss 0.25\n"))
    assert run_notebooks.differences(nb, with_outputs(stdout("loss 0.25\n"))) == ""


def test_changed_printed_text_is_stale_and_the_diff_names_the_cell():
    diff = run_notebooks.differences(with_outputs(stdout("loss 0.25\n")), with_outputs(stdout("loss 0.26\n")))
    assert "-[cell 1] stdout: loss 0.25" in diff and "+[cell 1] stdout: loss 0.26" in diff


def test_printed_text_split_differently_is_the_same():
    assert run_notebooks.differences(with_outputs(stdout("a\nb\n")), with_outputs(stdout("a\n"), stdout("b\n"))) == ""


@pytest.mark.parametrize(
    "before, after",
    [
        ("eager: 1.23 s, traced: 0.31 s\n", "eager: 2.5 s, traced: 0.4 s\n"),
        ("100 steps in 850 ms\n", "100 steps in 1200 ms\n"),
        ("one step: 12.5us\n", "one step: 9us\n"),
        ("took 3 min\n", "took 2 min\n"),
        ("<Line2D at 0x7f3a12bc>\n", "<Line2D at 0x7f99ffee>\n"),
    ],
)
def test_timings_and_addresses_are_not_compared(before, after):
    assert run_notebooks.differences(with_outputs(stdout(before)), with_outputs(stdout(after))) == ""


@pytest.mark.parametrize("before, after", [("3 steps\n", "4 steps\n"), ("accuracy 1.0\n", "accuracy 0.9\n")])
def test_numbers_that_are_not_timings_are_compared(before, after):
    assert run_notebooks.differences(with_outputs(stdout(before)), with_outputs(stdout(after))) != ""


def test_stderr_and_progress_bars_are_not_compared():
    bar = new_output("stream", name="stderr", text="100%|##########| 100/100 [00:03<00:00, 31.2it/s]\n")
    widget = new_output("display_data", data={run_notebooks.WIDGET: {"model_id": "abc"}})
    assert run_notebooks.differences(with_outputs(stdout("done\n")), with_outputs(bar, widget, stdout("done\n"))) == ""


def test_images_count_by_their_type_not_their_bytes():
    def figure(png):
        return new_output("display_data", data={"image/png": png, "text/plain": "<Figure size 640x480 with 1 Axes>"})

    assert run_notebooks.differences(with_outputs(figure("AAAA")), with_outputs(figure("BBBB"))) == ""
    assert run_notebooks.differences(with_outputs(figure("AAAA")), with_outputs()) != ""


def test_a_cell_tagged_timing_is_not_compared():
    before = with_outputs(stdout("traced is 3.1x faster\n"), tags=["timing"])
    after = with_outputs(stdout("traced is 2.7x faster\n"), tags=["timing"])
    assert run_notebooks.differences(before, after) == ""
