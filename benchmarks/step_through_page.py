"""How long the step-through page of a real net takes to build and to load, and its size.

    python benchmarks/step_through_page.py [--no-browser]

For one example through a 2-16-16-1 tanh MLP (about 400 nodes) and a 2-72-72-72-1 one (about
10^4 nodes): the build (``step_through(loss).html``: the steps, their data and the drawing), the
page's size, and its load in headless Chromium (Debian's /usr/bin/chromium, with Playwright): from
opening the file to the script's first step shown (the page parsed, its SVG drawn and its steps
read). Each is the best of three runs.
"""

import sys
import tempfile
import time
from pathlib import Path

from autograd import step_through
from autograd.render import steps
from autograd.backward import topological_order
from nn import MLP, mse_loss

NETS = {"2-16-16-1": [16, 16, 1], "2-72-72-72-1": [72, 72, 72, 1]}


def one_example_loss(sizes):
    model = MLP(2, sizes, activation="tanh", seed=0)
    return mse_loss(model([0.5, -0.3]), 1.0)


def best(f, runs=3):
    times = []
    for _ in range(runs):
        steps.digits.cache_clear()  # each run writes its numbers from scratch
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return min(times)


def load_time(browser, path):
    tab = browser.new_page(viewport={"width": 1200, "height": 800})
    start = time.perf_counter()
    tab.goto(path.as_uri())
    tab.wait_for_function("document.getElementById('cg-counter').textContent.startsWith('step 0')")
    seconds = time.perf_counter() - start
    tab.close()
    return seconds


def main():
    rows = []
    folder = Path(tempfile.mkdtemp())
    for name, sizes in NETS.items():
        loss = one_example_loss(sizes)
        nodes = len(topological_order(loss))
        build = best(lambda: step_through(loss, max_nodes=10**5).html)
        walk = step_through(loss, max_nodes=10**5)
        path = walk.save(folder / f"{name}.html")
        rows.append([name, nodes, len(walk.steps), build, path.stat().st_size / 1e6, path])
    if "--no-browser" not in sys.argv:
        from playwright.sync_api import sync_playwright
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                                 args=["--no-sandbox", "--disable-gpu"])
            for row in rows:
                row.append(min(load_time(browser, row[5]) for _ in range(3)))
            browser.close()
    print("| net | nodes | steps | build (s) | size (MB) | load in Chromium (s) |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, nodes, steps, build, size, _, *load in rows:
        shown = f"{load[0]:.2f}" if load else "-"
        print(f"| {name} | {nodes:,} | {steps:,} | {build:.2f} | {size:.1f} | {shown} |")


if __name__ == "__main__":
    main()
