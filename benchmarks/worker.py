"""One benchmark measurement in its own process: one engine, one workload, one size.

    python benchmarks/worker.py '{"engine": "chaingrad", "workload": "W3", "size": 100000,
                                  "repeats": 5, "budget": 15.0}'

Prints one JSON object on stdout: ``{"metrics": {name: {"value": .., "unit": .., "repeats": ..}
or {"error": ..}}, "info": {...}}``. Exceptions an engine raises inside a workload (RecursionError,
MemoryError, ...) are caught and reported by name; `run.py` turns a crashed worker into an error too.

Times are ``time.perf_counter`` medians over timed repeats that follow one untimed warm-up run.
The garbage collector stays enabled while timing (a user has it on); between repeats the previous
repeat's graph is freed and collected outside the timed regions.
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import statistics
import sys
import time
import tracemalloc

import workloads

ENGINES = {"chaingrad": "engine_chaingrad", "chaingrad-traced": "engine_chaingrad_traced",
           "micrograd": "engine_micrograd", "handwritten": "engine_handwritten", "floor": "engine_floor"}
REPLAYS = 100  # replays whose memory growth is measured (after as many untimed ones)


def error_name(e: BaseException) -> str:
    """How a caught exception shows in the table: its class name (and message if short)."""
    message = str(e)
    if isinstance(e, RecursionError) or not message or len(message) > 60:
        return type(e).__name__
    return f"{type(e).__name__}: {message}"


def repeat(run_once, warmup, repeats: int, budget: float):
    """Run ``warmup()`` once, then ``run_once()`` up to ``repeats`` times, stopping early when the
    next run would take the total past ``budget`` seconds (at least one run always happens).

    ``run_once()`` returns (times, info): times maps a metric to seconds or to an error string.
    Returns (metrics, info of the last run) with each metric's median and the number of runs.
    """
    warmup()
    gc.collect()
    samples: dict[str, list] = {}
    info: dict = {}
    spent = 0.0
    for i in range(repeats):
        start = time.perf_counter()
        times, info = run_once()
        took = time.perf_counter() - start
        spent += took
        for name, t in times.items():
            samples.setdefault(name, []).append(t)
        if i + 1 < repeats:
            gc.collect()  # free the last graph outside the timed regions
            if spent + took > budget:
                break
    metrics = {}
    for name, values in samples.items():
        errors = [v for v in values if isinstance(v, str)]
        if errors:
            metrics[name] = {"error": errors[0]}
        else:
            metrics[name] = {"value": statistics.median(values), "unit": "s", "repeats": len(values)}
    return metrics, info


def timed(fn, *args):
    """(seconds, result) of fn(*args), or (error string, None) if it raises."""
    start = time.perf_counter()
    try:
        result = fn(*args)
    except Exception as e:  # an engine's failure is a result to report, not a worker crash
        return error_name(e), None
    return time.perf_counter() - start, result


def run_seed(engine, spec):
    """W1: train the seed's 3-4-1 net for 60 epochs from the shared initial weights."""
    layers = workloads.init_weights(workloads.SEED_SIZES, bias=False, seed=workloads.SEED_WEIGHT_SEED)
    args = (workloads.SEED_INPUTS, workloads.SEED_TARGETS, workloads.SEED_LR, workloads.SEED_EPOCHS)

    def once():
        net = engine.seed_network(layers)
        times = {}
        if hasattr(engine, "seed_trace"):  # trace outside the timed training, timed on its own
            times["trace"], net = timed(engine.seed_trace, net)
        times["train"], error = timed(engine.seed_train, net, *args)
        return times, {"final_error": error}

    metrics, info = repeat(once, once, spec["repeats"], spec["budget"])
    if hasattr(engine, "seed_trace"):
        state = engine.seed_trace(engine.seed_network(layers))
        info["replay_growth"] = replay_growth(lambda: state[1](workloads.SEED_INPUTS[0], workloads.SEED_TARGETS[0]))
    return metrics, info


def replay_growth(replay, with_tracemalloc: bool = True) -> dict:
    """What REPLAYS more calls of ``replay()`` leave allocated, after as many calls first (which
    replace the grads' old floats): bytes by tracemalloc (for small traces only: under tracemalloc
    each allocation looks up its line by scanning the code's line table, so one replay of W2's
    14,000-line function takes minutes), memory blocks, and Values alive."""
    from autograd import Value

    def values() -> int:
        return sum(1 for o in gc.get_objects() if type(o) is Value)

    gc.collect()
    if with_tracemalloc:
        tracemalloc.start()
    try:
        for _ in range(REPLAYS):
            replay()
        blocks, count = sys.getallocatedblocks(), values()
        before = tracemalloc.get_traced_memory()[0] if with_tracemalloc else 0
        for _ in range(REPLAYS):
            replay()
        after = tracemalloc.get_traced_memory()[0] if with_tracemalloc else 0
        gc.collect()
        growth = {"blocks": sys.getallocatedblocks() - blocks, "values": values() - count}
        if with_tracemalloc:
            growth["bytes"] = after - before
        return growth
    finally:
        if with_tracemalloc:
            tracemalloc.stop()


def run_mlp(engine, spec):
    """W2: one full-batch training step of the 2-16-16-1 MLP on two moons; training goes on from
    step to step. The three warm-up steps' losses show that every engine computes the same training."""
    layers = workloads.init_weights(workloads.MLP_SIZES, bias=True, seed=workloads.MLP_WEIGHT_SEED)
    inputs, targets = workloads.two_moons()
    model = engine.mlp_model(layers)
    traced = {}
    if hasattr(engine, "mlp_trace"):  # trace once, outside the timed steps
        start = time.perf_counter()
        model = engine.mlp_trace(model, inputs, targets)
        traced["trace"] = {"value": time.perf_counter() - start, "unit": "s", "repeats": 1}
    losses = []

    def warmup():
        for _ in range(3):
            losses.append(engine.mlp_step(model, inputs, targets))

    def once():
        t, loss = timed(engine.mlp_step, model, inputs, targets)
        return {"step": t}, {"losses": losses}

    metrics, info = repeat(once, warmup, spec["repeats"], spec["budget"])
    metrics.update(traced)
    if traced:
        info["replay_growth"] = replay_growth(model[-1], with_tracemalloc=False)
    return metrics, info


def run_chain(engine, spec):
    """W3: build the chain x_(k+1) = x_k * 1.0001 + 0.001 of the given depth, then backpropagate.
    The warm-up is one run at depth min(depth, 10^4)."""
    depth = spec["size"]

    def run(d):
        t_build, graph = timed(engine.chain_build, d)
        if graph is None:
            return {"build": t_build, "backward": "not built"}, {}
        t_back, grad = timed(engine.chain_backward, graph)
        return {"build": t_build, "backward": t_back}, {"grad": grad}

    return repeat(lambda: run(depth), lambda: run(min(depth, 10_000)), spec["repeats"], spec["budget"])


def run_wide(engine, spec):
    """W5: the sum of n products a_i * b_i (a balanced tree of "+"), forward and backward."""
    a, b = workloads.wide_inputs(spec["size"])

    def once():
        t_forward, graph = timed(engine.wide_build, a, b)
        if graph is None:
            return {"forward": t_forward, "backward": "not built"}, {}
        t_back, grad = timed(engine.wide_backward, graph)
        return {"forward": t_forward, "backward": t_back}, {"grad": grad, "expected": b[0]}

    return repeat(once, once, spec["repeats"], spec["budget"])


def traced_memory(engine, build, backward):
    """Bytes allocated by ``build()`` (still held after it) and the peak of extra bytes during
    ``backward(graph)``, both by tracemalloc; plus the number of Values in the graph."""
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        graph = build()
        held = tracemalloc.get_traced_memory()[0] - base
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        try:
            backward(graph)
            peak = tracemalloc.get_traced_memory()[1] - before
        except Exception as e:
            peak = error_name(e)
    finally:
        tracemalloc.stop()
    return held, peak, engine.count_nodes(engine.root_of(graph))


def run_memory(engine, spec):
    """W4: tracemalloc over a ~10^5-node chain (W3's) and a ~10^5-node wide sum (W5's)."""
    depth, n = workloads.MEMORY_CHAIN_DEPTH, workloads.MEMORY_WIDE_SIZE
    a, b = workloads.wide_inputs(n)  # the input floats exist before tracing starts
    try:  # warm-up, untraced: imports and first calls done
        engine.chain_backward(engine.chain_build(100))
        engine.wide_backward(engine.wide_build(a[:100], b[:100]))
    except Exception:
        pass
    metrics, info = {}, {}
    for shape, build, backward, steps in (
        ("chain", lambda: engine.chain_build(depth), engine.chain_backward, depth),
        ("wide", lambda: engine.wide_build(a, b), engine.wide_backward, n),
    ):
        held, peak, nodes = traced_memory(engine, build, backward)
        info[f"{shape}_nodes"] = nodes
        info[f"{shape}_bytes_per_step"] = held / steps
        if nodes:
            metrics[f"{shape}_bytes_per_node"] = {"value": held / nodes, "unit": "B", "repeats": 1}
        else:
            metrics[f"{shape}_bytes_per_node"] = {"error": "no graph", "quiet": True}
        if isinstance(peak, str):
            metrics[f"{shape}_backward_peak"] = {"error": peak}
        else:
            metrics[f"{shape}_backward_peak"] = {"value": peak, "unit": "B", "repeats": 1}
        gc.collect()
    return metrics, info


def run_demo(engine, spec):
    """W6: micrograd's demo.ipynb: ``spec["size"]`` steps of its training from the shared initial
    weights (a fresh model each repeat). "step" is the time per step, with the time to trace and
    compile (its own metric, "trace") counted in; the warm-up is a run of one step."""
    layers = workloads.init_weights(workloads.MLP_SIZES, bias=True, seed=workloads.DEMO_WEIGHT_SEED)
    inputs, targets = workloads.two_moons()

    def run(steps):
        state = engine.demo_model(layers)
        times, spent = {}, 0.0
        if hasattr(engine, "demo_trace"):
            times["trace"], state = timed(engine.demo_trace, state, inputs, targets)
            if state is None:
                return {"trace": times["trace"], "step": times["trace"]}, {}
            spent = times["trace"]
        t, history = timed(engine.demo_train, state, inputs, targets, steps)
        times["step"] = t if history is None else (spent + t) / steps
        return times, {"history": history, "steps": steps}

    return repeat(lambda: run(spec["size"]), lambda: run(1), spec["repeats"], spec["budget"])


WORKLOADS = {"W1": run_seed, "W2": run_mlp, "W3": run_chain, "W4": run_memory, "W5": run_wide, "W6": run_demo}


def main() -> None:
    """Run the measurement described by the JSON in argv[1] and print the JSON result, then leave
    without tearing the heap down (freeing a huge graph at exit would only waste time)."""
    spec = json.loads(sys.argv[1])
    try:
        engine = importlib.import_module(ENGINES[spec["engine"]])
    except ImportError as e:
        result = {"fatal": f"not installed ({e.name})" if e.name else error_name(e)}
    else:
        try:
            metrics, info = WORKLOADS[spec["workload"]](engine, spec)
            result = {"metrics": metrics, "info": info}
        except Exception as e:  # a failure outside the measured calls: the whole job failed
            result = {"fatal": error_name(e)}
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
