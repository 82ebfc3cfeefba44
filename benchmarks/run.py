"""Benchmark chaingrad against micrograd and hand-written float code, and print one table.

    python benchmarks/run.py [--quick] [--only W1,W3] [--engines chaingrad,chaingrad-traced,micrograd,handwritten,floor]

Every (engine, workload, size) is measured in its own process (`worker.py`), one after the other,
so engines never share a heap or a warmed-up interpreter. The table shows medians and each
engine's ratio to chaingrad measured in the same run; see benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import importlib.util
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORKER = HERE / "worker.py"

ENGINES = ["chaingrad", "chaingrad-traced", "micrograd", "handwritten"]
# Engines that run only some workloads: `trace` replays a training step, so W1, W2 and W6; W6 is
# micrograd's own demo, timed against micrograd.
ENGINE_WORKLOADS = {"chaingrad-traced": ("W1", "W2", "W6"), "handwritten": ("W1", "W2", "W3", "W4", "W5"),
                    "floor": ("W1", "W2", "W3", "W4", "W5")}
# Run only when asked for with --engines: a lower bound for engines of chaingrad's design
# (engine_floor.py), to tell what a target asks of the graph itself.
EXTRA_ENGINES = ["floor"]
WORKLOADS = ["W1", "W2", "W3", "W4", "W5", "W6"]

# (timed repeats, seconds after which no further repeat starts, W3 depths, W5 size, rounds of W1, W2
# and W6, W6 steps for micrograd: a micrograd step of the demo takes seconds, so it runs the first
# steps of the 100 only, and its time per step is theirs)
FULL = {"repeats": 5, "budget": 15.0, "depths": [10**3, 10**4, 10**5, 10**6], "wide": 10**5, "rounds": 3,
        "demo_micrograd_steps": 10}
QUICK = {"repeats": 3, "budget": 2.0, "depths": [10**3, 10**4, 10**5], "wide": 10**4, "rounds": 1,
         "demo_micrograd_steps": 3}
DEMO_STEPS = 100
# W1 and W2 take a second or two per engine, so they run in rounds (every engine, then every engine
# again): a slow spell of a shared machine then hits one round of every engine, not all of one engine.
ROUNDS_OF = ("W1", "W2", "W6")

TARGETS = {"W1": 8.0, "W2": 50.0, "W4": 250.0}
# chaingrad-traced with the fused training step: W1 at most 1.0x the hand-written time, W2 at most
# 0.35x; trace + compile of W2 at most 0.4 s; W6 (micrograd's demo, trace time included) at least
# 300x faster a step than micrograd.
TRACED_TARGETS = {"W1": 1.0, "W2": 0.35, "W2 trace": 0.4, "W6": 300.0}


def power_of_ten(n: int) -> str:
    """10^k for powers of ten, else the number with thousands separators."""
    k = len(str(n)) - 1
    return f"10^{k}" if n == 10**k else f"{n:,}"


def cases(settings: dict, only: list[str]) -> list[dict]:
    """The measurements to make: each is one worker job per engine, with the table rows it fills
    as (metric name, row label)."""
    jobs = []
    if "W1" in only:
        jobs.append({"workload": "W1", "rows": [("train", "W1 seed 3-4-1, 60 epochs"), ("trace", "W1 trace + compile")]})
    if "W2" in only:
        jobs.append({"workload": "W2", "rows": [("step", "W2 mlp 2-16-16-1, one step"), ("trace", "W2 trace + compile")]})
    if "W3" in only:
        for depth in settings["depths"]:
            label = f"W3 chain {power_of_ten(depth)}"
            jobs.append({"workload": "W3", "size": depth,
                         "rows": [("build", f"{label} build"), ("backward", f"{label} backward")]})
    if "W4" in only:
        jobs.append({"workload": "W4", "rows": [
            ("chain_bytes_per_node", "W4 chain: bytes/node"),
            ("chain_backward_peak", "W4 chain: backward peak"),
            ("wide_bytes_per_node", "W4 wide: bytes/node"),
            ("wide_backward_peak", "W4 wide: backward peak"),
        ]})
    if "W5" in only:
        label = f"W5 wide {power_of_ten(settings['wide'])}"
        jobs.append({"workload": "W5", "size": settings["wide"],
                     "rows": [("forward", f"{label} forward"), ("backward", f"{label} backward")]})
    if "W6" in only:
        micro = settings["demo_micrograd_steps"]
        jobs.append({"workload": "W6", "size": DEMO_STEPS, "size_of": {"micrograd": micro},
                     "rows": [("step", f"W6 micrograd demo, a step (of {DEMO_STEPS}; micrograd: {micro})"),
                              ("trace", "W6 trace + compile")]})
    return jobs


def run_worker(spec: dict, timeout: float) -> dict:
    """Run one worker process and return its JSON result; a crash, a timeout or unreadable output
    becomes {"fatal": reason}."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    try:
        proc = subprocess.run([sys.executable, str(WORKER), json.dumps(spec)],
                              capture_output=True, text=True, env=env, timeout=timeout, cwd=REPO)
    except subprocess.TimeoutExpired:
        return {"fatal": f"timeout after {timeout:.0f} s"}
    lines = proc.stdout.strip().splitlines()
    if proc.returncode == 0 and lines:
        try:
            return json.loads(lines[-1])
        except json.JSONDecodeError:
            pass
    if proc.returncode < 0:
        try:
            reason = f"crashed ({signal.Signals(-proc.returncode).name})"
        except ValueError:
            reason = f"crashed (signal {-proc.returncode})"
    else:
        reason = f"crashed (exit {proc.returncode})"
    tail = proc.stderr.strip().splitlines()[-1:] or ["no output"]
    return {"fatal": reason, "stderr": tail[0]}


def format_value(metric: dict | None, planned_repeats: int) -> str:
    """A table cell: a time, a byte count or the error."""
    if metric is None:
        return "-"
    if "error" in metric:
        return "n/a (no graph)" if metric["error"] == "no graph" else metric["error"]
    value, unit = metric["value"], metric["unit"]
    if unit == "B":
        return f"{value / 1e6:.2f} MB" if value >= 1e5 else f"{value:.0f} B"
    if value < 1e-3:
        text = f"{value * 1e6:.0f} µs"
    elif value < 1.0:
        text = f"{value * 1e3:.3g} ms"
    else:
        text = f"{value:.3g} s"
    if metric.get("repeats", planned_repeats) < planned_repeats:
        text += f" (n={metric['repeats']})"
    return text


def format_ratio(metric: dict | None, reference: dict | None) -> str:
    """metric / reference as '12.3x', or '-' when either is missing or failed."""
    if not metric or not reference or "value" not in metric or "value" not in reference or reference["value"] <= 0:
        return "-"
    ratio = metric["value"] / reference["value"]
    if ratio < 0.001:
        return "<0.001x"
    return f"{ratio:.2g}x" if ratio < 1 else f"{ratio:.3g}x" if ratio < 100 else f"{ratio:.0f}x"


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    """A padded, markdown-compatible table."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells):
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"

    return "\n".join([line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, rows)])


def machine_description() -> str:
    """CPU model, core count, OS and Python version of this machine."""
    cpu = platform.processor() or platform.machine()
    try:
        for text in Path("/proc/cpuinfo").read_text().splitlines():
            if text.startswith("model name"):
                cpu = text.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}")


def git_revision() -> str:
    """The repository's short commit, with '+changes' when the tree differs from it."""
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                             text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return rev + ("+changes" if dirty else "")


def micrograd_version() -> str | None:
    """The installed micrograd's version, or None when it cannot be imported."""
    if importlib.util.find_spec("micrograd") is None:
        return None
    try:
        return importlib.metadata.version("micrograd")
    except importlib.metadata.PackageNotFoundError:
        return "unknown version"


def notes(results: dict, engines: list[str], settings: dict) -> list[str]:
    """Lines under the table: each engine's final error, losses, gradients and node counts."""
    lines = []

    def info(job_key, engine):
        return results.get((job_key, engine), {}).get("info", {})

    def per_engine(job_key, describe):
        parts = []
        for engine in engines:
            i = info(job_key, engine)
            text = describe(i) if i else None
            if text:
                parts.append(f"{engine} {text}")
        return "; ".join(parts)

    if any(k[0] == ("W1", None) for k in results):
        lines.append("W1 final error (mean squared error of the last epoch): "
                     + per_engine(("W1", None), lambda i: f"{i['final_error']:.6e}" if i.get("final_error") is not None else "?"))
    if any(k[0] == ("W2", None) for k in results):
        lines.append("W2 loss at warm-up steps 1, 2, 3: "
                     + per_engine(("W2", None), lambda i: " > ".join(f"{x:.6f}" for x in i["losses"])))
    growth = [(w, info((w, None), "chaingrad-traced").get("replay_growth")) for w in ("W1", "W2")]
    if any(g is not None for _, g in growth):
        lines.append("chaingrad-traced: what 100 more replays leave allocated (after 100 first): " + "; ".join(
            f"{w} {g['values']} Values, {g['blocks']} memory blocks" + (f", {g['bytes']} B by tracemalloc" if "bytes" in g else
                                                                         " (tracemalloc: see README)")
            for w, g in growth if g is not None))
    if any(k[0][0] == "W3" for k in results):
        depth = max(k[0][1] for k in results if k[0][0] == "W3")
        expected = 1.0001**depth
        lines.append(f"W3 d x_N / d x_0 at depth {power_of_ten(depth)} (1.0001^N = {expected:.10g}): "
                     + per_engine(("W3", depth), lambda i: f"{i['grad']:.10g}" if i.get("grad") is not None else "no gradient (backward failed)"))
    if any(k[0] == ("W4", None) for k in results):
        lines.append("W4 counts every Value in the graph, constant leaves included (chain: x_0 + 4 per step; "
                     "wide: 2 leaves, 1 product, ~1 sum per i); bytes/node = bytes held after building "
                     "/ Values; backward peak = tracemalloc peak during backward above the memory before it.")
        lines.append("W4 Values counted (chain, wide): "
                     + per_engine(("W4", None), lambda i: i["chain_nodes"] and f"{i['chain_nodes']}, {i['wide_nodes']}")
                     + " (handwritten keeps no graph"
                     + ("; floor keeps a constant inside its op, so its chain has 2 Values per step)" if "floor" in engines else ")"))
        lines.append("W4 bytes per chain step / per wide product: "
                     + per_engine(("W4", None), lambda i: f"{i['chain_bytes_per_step']:.0f} / {i['wide_bytes_per_step']:.0f}"))
    if any(k[0][0] == "W5" for k in results):
        key = ("W5", settings["wide"])
        lines.append("W5 d sum / d a_0 equals b_0: "
                     + per_engine(key, lambda i: "yes" if i.get("grad") == i.get("expected") else f"NO ({i.get('grad')})"))
    demo = ("W6", DEMO_STEPS)
    if any(k[0] == demo for k in results):
        def steps(i, first, last=None):
            history = i.get("history") or []
            shown = history[first:last]
            return ", ".join(f"{loss:.6f} ({acc:.0%})" for loss, acc in shown) if shown else None

        lines.append("W6 loss (accuracy) at steps 1, 2, 3: " + per_engine(demo, lambda i: steps(i, 0, 3)))
        lines.append(f"W6 loss (accuracy) at step {DEMO_STEPS}: "
                     + per_engine(demo, lambda i: steps(i, DEMO_STEPS - 1) if i.get("steps") == DEMO_STEPS else None))
    for (job_key, engine), result in results.items():
        if "stderr" in result:
            lines.append(f"{job_key[0]} {engine} {result['fatal']}: {result['stderr']}")
    return lines


def target_lines(results: dict, engines: list[str], settings: dict) -> list[str]:
    """The issue's targets, each with the measured number and whether it is met."""
    lines = []

    def metric(job_key, engine, name):
        return results.get((job_key, engine), {}).get("metrics", {}).get(name)

    def ratio(job_key, name, engine="chaingrad"):
        c, m = metric(job_key, engine, name), metric(job_key, "micrograd", name)
        if c and m and "value" in c and "value" in m:
            return m["value"] / c["value"]
        return None

    if "chaingrad" not in engines:
        return lines
    lines += traced_target_lines(results, engines)
    for workload, name, what in (("W1", "train", "W1 seed"), ("W2", "step", "W2 mlp step")):
        if ((workload, None), "chaingrad") in results:
            r = ratio((workload, None), name)
            goal = TARGETS[workload]
            status = "micrograd not measured" if r is None else ("met" if r >= goal else "NOT met")
            shown = "-" if r is None else f"{r:.3g}x"
            lines.append(f"{what}: chaingrad at least {goal:g}x faster than micrograd: {shown} -> {status}")
            floor = ratio((workload, None), name, "floor")
            if floor is not None:
                verdict = "within its reach" if floor >= goal else "beyond it too, so tuning chaingrad cannot get there"
                lines.append(f"{what}: the floor engine (the same design stripped to its minimum) is {floor:.3g}x "
                             f"faster than micrograd: {goal:g}x is {verdict}")
    deepest = 10**6
    if (("W3", deepest), "chaingrad") in results:
        b, w = metric(("W3", deepest), "chaingrad", "build"), metric(("W3", deepest), "chaingrad", "backward")
        if b and w and "value" in b and "value" in w:
            lines.append(f"W3: a 10^6-deep chain builds ({b['value']:.3g} s) and backpropagates "
                         f"({w['value']:.3g} s) -> met if that counts as 'in seconds'")
        else:
            lines.append(f"W3: a 10^6-deep chain fails: {(b or {}).get('error')} / {(w or {}).get('error')} -> NOT met")
    if (("W4", None), "chaingrad") in results:
        for shape in ("chain", "wide"):
            m = metric(("W4", None), "chaingrad", f"{shape}_bytes_per_node")
            if m and "value" in m:
                status = "met" if m["value"] <= TARGETS["W4"] else "NOT met"
                lines.append(f"W4 {shape}: at most {TARGETS['W4']:g} bytes/node: {m['value']:.0f} -> {status}")
    return lines


def traced_target_lines(results: dict, engines: list[str]) -> list[str]:
    """The targets of chaingrad-traced: speed against hand-written floats and micrograd, trace
    time, and the same numbers as eager chaingrad."""
    lines = []
    if "chaingrad-traced" not in engines:
        return lines

    def value(workload, engine, name):
        m = results.get(((workload, None), engine), {}).get("metrics", {}).get(name) or {}
        return m.get("value")

    def info(workload, engine, key):
        return results.get(((workload, None), engine), {}).get("info", {}).get(key)

    for workload, name, what in (("W1", "train", "W1 seed"), ("W2", "step", "W2 mlp step")):
        traced = value(workload, "chaingrad-traced", name)
        if traced is None:
            continue
        hand, micro = value(workload, "handwritten", name), value(workload, "micrograd", name)
        limit = TRACED_TARGETS[workload]
        if hand is not None:
            ratio = traced / hand
            lines.append(f"{what}: chaingrad-traced (fused step) at most {limit:g}x the hand-written time: "
                         f"{ratio:.3g}x -> {'met' if ratio <= limit else 'NOT met'}")
        if micro is not None:
            speedup = micro / traced
            lines.append(f"{what}: chaingrad-traced at least {TARGETS[workload]:g}x faster than micrograd: "
                         f"{speedup:.3g}x -> {'met' if speedup >= TARGETS[workload] else 'NOT met'}")
    seconds = value("W2", "chaingrad-traced", "trace")
    if seconds is not None:
        lines.append(f"W2 trace + compile at most {TRACED_TARGETS['W2 trace']:g} s: {seconds:.3g} s -> "
                     f"{'met' if seconds <= TRACED_TARGETS['W2 trace'] else 'NOT met'}")
    demo = ((("W6", DEMO_STEPS), "chaingrad-traced"), (("W6", DEMO_STEPS), "micrograd"))
    traced, micro = (results.get(key, {}).get("metrics", {}).get("step", {}).get("value") for key in demo)
    if traced is not None and micro is not None:
        speedup = micro / traced
        lines.append(f"W6 micrograd demo: chaingrad-traced (fused step, trace time included) at least "
                     f"{TRACED_TARGETS['W6']:g}x faster a step than micrograd: {speedup:.3g}x -> "
                     f"{'met' if speedup >= TRACED_TARGETS['W6'] else 'NOT met'}")
    for workload, key, what in (("W1", "final_error", "W1 final error"), ("W2", "losses", "W2 losses")):
        traced, eager = info(workload, "chaingrad-traced", key), info(workload, "chaingrad", key)
        if traced is not None and eager is not None:
            lines.append(f"{what}: chaingrad-traced equal to chaingrad bit for bit: "
                         f"{'yes -> met' if traced == eager else 'NO -> NOT met'}")
    histories = [results.get((("W6", DEMO_STEPS), e), {}).get("info", {}).get("history") for e in ("chaingrad-traced", "chaingrad")]
    if all(h is not None for h in histories):
        lines.append("W6 losses and accuracies: chaingrad-traced equal to chaingrad bit for bit: "
                     f"{'yes -> met' if histories[0] == histories[1] else 'NO -> NOT met'}")
    growth = [g for g in (info(w, "chaingrad-traced", "replay_growth") for w in ("W1", "W2")) if g is not None]
    if growth:
        ok = all(g["values"] <= 0 and g["blocks"] < 100 and g.get("bytes", 0) < 120 for g in growth)  # not one a replay
        lines.append(f"a replay allocates no Values (no growth over 100 replays): "
                     f"{', '.join(str(g['values']) for g in growth)} Values, at most {max(g.get('bytes', 0) for g in growth)} B "
                     f"-> {'met' if ok else 'NOT met'}")
    return lines


def combine_rounds(runs: list[dict]) -> dict:
    """One result from an engine's worker results of several rounds: each metric is the median of
    the rounds' medians, with the fewest repeats a round made; any failure is the result."""
    for result in runs:
        if "fatal" in result:
            return result
    if len(runs) == 1:
        return runs[0]
    metrics = {}
    for name, first in runs[0]["metrics"].items():
        values = [result["metrics"].get(name, {}) for result in runs]
        failed = next((v for v in values if "value" not in v), None)
        if failed is not None:
            metrics[name] = failed
        else:
            metrics[name] = dict(first, value=statistics.median(v["value"] for v in values),
                                 repeats=min(v["repeats"] for v in values))
    return {"metrics": metrics, "info": runs[-1]["info"]}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Benchmark chaingrad against micrograd and hand-written floats.")
    parser.add_argument("--quick", action="store_true",
                        help="fewer repeats and smaller sizes (W3 up to 10^5, W5 10^4): under a minute")
    parser.add_argument("--only", default=",".join(WORKLOADS),
                        help="comma-separated workloads to run, e.g. W1,W2 (default: all)")
    parser.add_argument("--engines", default=",".join(ENGINES),
                        help="comma-separated engines to run (default: chaingrad,chaingrad-traced,micrograd,handwritten; "
                             "add floor for the lower bound of chaingrad's design)")
    parser.add_argument("--timeout", type=float, default=900.0,
                        help="seconds after which one worker process counts as failed (default 900)")
    args = parser.parse_args(argv)
    args.only = [w.strip().upper() for w in args.only.split(",") if w.strip()]
    args.engines = [e.strip().lower() for e in args.engines.split(",") if e.strip()]
    for w in args.only:
        if w not in WORKLOADS:
            parser.error(f"--only: unknown workload {w!r}; choose from {', '.join(WORKLOADS)}")
    for e in args.engines:
        if e not in ENGINES + EXTRA_ENGINES:
            parser.error(f"--engines: unknown engine {e!r}; choose from {', '.join(ENGINES + EXTRA_ENGINES)}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    settings = QUICK if args.quick else FULL
    engines = [e for e in ENGINES + EXTRA_ENGINES if e in args.engines]
    mg_version = micrograd_version()
    started = time.perf_counter()
    jobs = cases(settings, args.only)

    def rounds(job):
        return settings["rounds"] if job["workload"] in ROUNDS_OF else 1

    results: dict = {}  # ((workload, size), engine) -> worker result
    total = sum(rounds(job) for job in jobs) * len(engines)
    done = 0
    for job in jobs:
        job_key = (job["workload"], job.get("size"))
        runs: dict[str, list] = {engine: [] for engine in engines}
        for _ in range(rounds(job)):
            for engine in engines:
                done += 1
                if engine == "micrograd" and mg_version is None:
                    runs[engine].append({"fatal": "not installed"})
                    continue
                if job["workload"] not in ENGINE_WORKLOADS.get(engine, WORKLOADS):
                    runs[engine].append({"metrics": {}, "info": {}})  # not a workload of this engine: "-"
                    continue
                size = f" {power_of_ten(job['size'])}" if "size" in job and job["workload"] != "W6" else ""
                print(f"[{done}/{total}] {job['workload']}{size} {engine} ...", end="", file=sys.stderr, flush=True)
                t0 = time.perf_counter()
                spec = {"engine": engine, "workload": job["workload"], "size": job.get("size_of", {}).get(engine, job.get("size")),
                        "repeats": settings["repeats"], "budget": settings["budget"]}
                runs[engine].append(run_worker(spec, args.timeout))
                print(f" {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
        for engine in engines:
            results[(job_key, engine)] = combine_rounds(runs[engine])

    header = ["workload", *engines]
    ratio_engines = [e for e in engines if e != "chaingrad"] if "chaingrad" in engines else []
    header += [f"{e}/chaingrad" for e in ratio_engines]
    rows = []
    for job in jobs:
        job_key = (job["workload"], job.get("size"))
        for name, label in job["rows"]:
            cells = {}
            for engine in engines:
                result = results[(job_key, engine)]
                cells[engine] = {"error": result["fatal"]} if "fatal" in result else result["metrics"].get(name)
            rows.append([label, *(format_value(cells[e], settings["repeats"]) for e in engines),
                         *(format_ratio(cells[e], cells["chaingrad"]) for e in ratio_engines)])

    elapsed = time.perf_counter() - started
    mode = "quick" if args.quick else "full"
    print(f"chaingrad benchmarks ({mode}), {datetime.date.today().isoformat()}, chaingrad {git_revision()}, "
          f"micrograd {mg_version or 'not installed'}")
    print(f"Machine: {machine_description()}")
    in_rounds = ""
    if settings["rounds"] > 1 and set(ROUNDS_OF) & set(args.only):
        in_rounds = (f"; {', '.join(w for w in ROUNDS_OF if w in args.only)} in {settings['rounds']} rounds of every "
                     "engine in turn, each shown as the median of its rounds' medians")
    print(f"Times: median of up to {settings['repeats']} timed repeats after a warm-up, each engine in its "
          f"own process{in_rounds}; (n=k) marks fewer repeats, when one repeat alone is long. Ratios: time "
          f"(or bytes) divided by chaingrad's, so above 1x means chaingrad is faster (smaller).\n")
    print(markdown_table(header, rows))
    print()
    for line in notes(results, engines, settings):
        print(f"- {line}")
    targets = target_lines(results, engines, settings)
    if targets:
        print("\nTargets:")
        for line in targets:
            print(f"- {line}")
    print(f"\nTotal runtime: {elapsed:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
