"""demo.py run as a program: it trains the seed net with finite differences and with backprop,
prints both error columns, the gradient gap and the predictions, and writes the graph as SVG and the
step-through page of backprop through it."""

import math
import re
import subprocess
import sys
from pathlib import Path

import pytest

DEMO = Path(__file__).resolve().parents[1] / "demo.py"
TARGETS = [1, 1, 0, 0]  # the post's targets, in the order the demo prints its predictions
CHECKPOINTS = [10, 20, 30, 40, 50, 60]  # the default 60 epochs, printed every 10

NUMBER = r"[-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?"
TABLE_ROW = re.compile(rf"^\s*(\d+)\s+({NUMBER})\s+({NUMBER})\s+({NUMBER})\s*$")
PREDICTION_ROW = re.compile(rf"^(\[[\d, ]+\])\s+(\d+)\s+({NUMBER})\s*$")
GAP_LINE = re.compile(rf"gradient gap.*?:\s*({NUMBER})")


def run_demo(cwd, *args):
    return subprocess.run(
        [sys.executable, str(DEMO), *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    """One run with the default options, in an empty folder so graph.svg and backprop.html land there."""
    cwd = tmp_path_factory.mktemp("demo")
    result = run_demo(cwd)
    assert result.returncode == 0, result.stderr
    return cwd, result.stdout


@pytest.fixture(scope="module")
def table(default_run):
    """{epoch: (finite-difference error, backprop error, traced error)} from the printed table."""
    rows = [TABLE_ROW.match(line) for line in default_run[1].splitlines()]
    return {int(m[1]): (float(m[2]), float(m[3]), float(m[4])) for m in rows if m}


def test_demo_prints_a_checkpoint_every_ten_epochs(table):
    assert sorted(table) == CHECKPOINTS


def test_demo_finite_difference_and_backprop_errors_agree_to_three_digits(table):
    for epoch, (finite_differences, backprop, _) in table.items():
        assert math.isfinite(finite_differences) and math.isfinite(backprop), epoch
        assert finite_differences == pytest.approx(backprop, rel=1e-3), f"epoch {epoch}"


def test_demo_error_falls_below_1e_10_by_the_last_epoch(table):
    assert table[max(table)][1] < 1e-10


def test_demo_traced_errors_equal_the_backprop_errors(table):
    for epoch, (_, backprop, traced) in table.items():
        assert traced == backprop, f"epoch {epoch}"


def test_demo_writes_the_generated_code_and_names_it(default_run):
    cwd, stdout = default_run
    code = (cwd / "backprop.py").read_text(encoding="utf-8")
    compile(code, "backprop.py", "exec")
    assert "def error(live, a0_0, a0_1, a0_2, y):" in code
    assert "d_w12_0 = d_a2 * a1_0" in code  # the post's derivs_2 = 2*(layer_2-out)*layer_1.T
    assert "backprop.py" in stdout.splitlines()[-1]


def test_demo_code_into_a_missing_folder_fails_clearly(tmp_path):
    result = run_demo(tmp_path, "--code", str(tmp_path / "missing" / "backprop.py"))
    assert result.returncode != 0
    assert "--code" in result.stderr and "does not exist" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_demo_gradient_gap_is_small(default_run):
    gaps = GAP_LINE.findall(default_run[1])
    assert len(gaps) == 1
    assert 0.0 <= float(gaps[0]) < 1e-6


def test_demo_predictions_are_near_the_targets(default_run):
    rows = [PREDICTION_ROW.match(line) for line in default_run[1].splitlines()]
    rows = [m for m in rows if m]
    assert [int(m[2]) for m in rows] == TARGETS
    for m in rows:
        assert float(m[3]) == pytest.approx(int(m[2]), abs=1e-3), m[0]


def test_demo_writes_the_svg_and_names_it(default_run):
    cwd, stdout = default_run
    svg = cwd / "graph.svg"
    assert svg.is_file()
    assert "<svg" in svg.read_text(encoding="utf-8")
    assert any(line.endswith(": graph.svg") for line in stdout.splitlines())


def test_demo_writes_the_step_through_page_of_the_same_loss_and_names_it(default_run):
    cwd, stdout = default_run
    page = (cwd / "backprop.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page
    for label in ("error", "a2", "w12[0,3]", "w01[2,1]", "a0[0]"):
        assert f">{label}</text>" in page
    assert any(line.endswith(": backprop.html") for line in stdout.splitlines())


@pytest.mark.parametrize(
    "args, option",
    [(["--epochs", "-3"], "--epochs"), (["--lr", "abc"], "--lr")],
)
def test_demo_rejects_bad_options_with_an_argparse_error(tmp_path, args, option):
    result = run_demo(tmp_path, *args)
    assert result.returncode != 0
    assert "error:" in result.stderr and option in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("option, name", [("--svg", "graph.svg"), ("--html", "backprop.html")])
def test_demo_output_into_a_missing_folder_fails_clearly(tmp_path, option, name):
    result = run_demo(tmp_path, option, str(tmp_path / "missing" / name))
    assert result.returncode != 0
    assert "missing" in result.stderr and "does not exist" in result.stderr and option in result.stderr
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_demo_help_mentions_each_option(tmp_path):
    result = run_demo(tmp_path, "--help")
    assert result.returncode == 0
    for option in ("--seed", "--epochs", "--lr", "--svg", "--html", "--code"):
        assert option in result.stdout


def test_demo_piped_into_a_reader_that_stops_exits_quietly(tmp_path):
    # as `python demo.py | head`: the pipe is closed before the demo writes
    demo = subprocess.Popen([sys.executable, str(DEMO)], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    demo.stdout.close()
    stderr = demo.communicate(timeout=120)[1].decode()
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr, stderr
    assert demo.returncode == 1
