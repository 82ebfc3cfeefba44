"""The benchmark suite runs, and its engines compute the same things (timings are not checked here:
they belong to `python benchmarks/run.py`, whose ratios are measured in one run)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def measure(engine, workload, size=None):
    spec = {"engine": engine, "workload": workload, "size": size, "repeats": 1, "budget": 5.0}
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / "worker.py"), json.dumps(spec)],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_chaingrad_trains_the_seed_net_exactly_like_handwritten_floats():
    ours = measure("chaingrad", "W1")["info"]["final_error"]
    by_hand = measure("handwritten", "W1")["info"]["final_error"]
    assert ours < 1e-10
    assert ours == pytest.approx(by_hand, rel=1e-9)


def test_chaingrad_and_handwritten_take_the_same_mlp_steps():
    ours = measure("chaingrad", "W2")["info"]["losses"]
    by_hand = measure("handwritten", "W2")["info"]["losses"]
    assert len(ours) == 3 and ours[0] > ours[1] > ours[2]
    assert ours == pytest.approx(by_hand, rel=1e-9)


def test_chain_gradient_is_the_product_of_the_factors():
    # x_(k+1) = x_k * 1.0001 + 0.001, so d x_N / d x_0 = 1.0001 ** N
    result = measure("chaingrad", "W3", size=1000)
    assert result["info"]["grad"] == pytest.approx(1.0001**1000, rel=1e-12)
    assert set(result["metrics"]) == {"build", "backward"}


def test_memory_workload_counts_every_node():
    result = measure("chaingrad", "W4")
    assert result["info"]["chain_nodes"] == 100_001  # 4 Values per step for 25,000 steps, and x_0
    assert result["metrics"]["chain_bytes_per_node"]["value"] > 0


def test_run_prints_one_table_with_a_row_per_workload():
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / "run.py"), "--quick", "--only", "W1,W3",
         "--engines", "chaingrad,handwritten"],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    rows = [line for line in done.stdout.splitlines() if line.startswith("| W")]
    assert rows[0].startswith("| W1")
    assert any(row.startswith("| W3") for row in rows)


@pytest.mark.parametrize("workload, key", [("W1", "final_error"), ("W2", "losses")])
def test_floor_engine_computes_the_same_training_as_chaingrad(workload, key):
    # The floor is a lower bound only if it does all the work: its numbers must be the same, bit for bit.
    floor = measure("floor", workload)["info"][key]
    assert floor == measure("chaingrad", workload)["info"][key]
    assert floor == pytest.approx(measure("handwritten", workload)["info"][key], rel=1e-9)


def test_floor_engine_is_run_only_when_asked_for():
    command = [sys.executable, str(BENCHMARKS / "run.py"), "--quick", "--only", "W1"]
    plain = subprocess.run(command + ["--engines", "chaingrad,handwritten"], capture_output=True, text=True, timeout=300)
    assert plain.returncode == 0, plain.stderr
    assert "floor" not in plain.stdout
    with_floor = subprocess.run(command + ["--engines", "chaingrad,handwritten,floor"],
                                capture_output=True, text=True, timeout=300)
    assert with_floor.returncode == 0, with_floor.stderr
    header = next(line for line in with_floor.stdout.splitlines() if line.startswith("| workload"))
    assert "| floor " in header and "floor/chaingrad" in header


def import_run():
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import run
    finally:
        sys.path.remove(str(BENCHMARKS))
    return run


def test_rounds_combine_into_the_median_of_their_medians():
    run = import_run()

    def result(seconds, repeats=5):
        return {"metrics": {"step": {"value": seconds, "unit": "s", "repeats": repeats}}, "info": {"losses": [seconds]}}

    combined = run.combine_rounds([result(0.030), result(0.090, repeats=2), result(0.035)])
    assert combined["metrics"]["step"] == {"value": 0.035, "unit": "s", "repeats": 2}
    assert combined["info"] == {"losses": [0.035]}  # the last round's
    failed = {"fatal": "MemoryError"}
    assert run.combine_rounds([result(0.030), failed, result(0.035)]) == failed
    broken = {"metrics": {"step": {"error": "RecursionError"}}, "info": {}}
    assert run.combine_rounds([result(0.030), broken])["metrics"]["step"] == {"error": "RecursionError"}


def test_targets_say_whether_the_floor_engine_could_reach_them():
    run = import_run()

    def timing(seconds):
        return {"metrics": {"train": {"value": seconds}}}

    results = {(("W1", None), "chaingrad"): timing(0.020), (("W1", None), "micrograd"): timing(0.040),
               (("W1", None), "floor"): timing(0.010)}
    lines = run.target_lines(results, ["chaingrad", "micrograd", "floor"], run.QUICK)
    assert lines[0] == "W1 seed: chaingrad at least 8x faster than micrograd: 2x -> NOT met"
    assert lines[1] == ("W1 seed: the floor engine (the same design stripped to its minimum) is 4x faster than "
                        "micrograd: 8x is beyond it too, so tuning chaingrad cannot get there")
    results[(("W1", None), "floor")] = timing(0.004)
    assert run.target_lines(results, ["chaingrad", "micrograd", "floor"], run.QUICK)[1].endswith("8x is within its reach")


@pytest.mark.parametrize("workload, key", [("W1", "final_error"), ("W2", "losses")])
def test_traced_engine_trains_exactly_like_eager_chaingrad_and_keeps_no_values(workload, key):
    traced = measure("chaingrad-traced", workload)
    assert traced["info"][key] == measure("chaingrad", workload)["info"][key]
    assert traced["info"]["replay_growth"]["values"] == 0
    assert traced["metrics"]["trace"]["value"] > 0


def test_the_demo_workload_trains_the_same_with_the_fused_traced_step_as_eagerly():
    traced = measure("chaingrad-traced", "W6", size=3)
    eager = measure("chaingrad", "W6", size=3)
    assert traced["info"]["history"] == eager["info"]["history"]
    assert len(eager["info"]["history"]) == 3 and eager["info"]["history"][2][0] < eager["info"]["history"][0][0]
    assert 0 < traced["metrics"]["trace"]["value"] < traced["metrics"]["step"]["value"] * 3  # counted in the step
