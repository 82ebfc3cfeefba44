"""Regenerate the step-through pages in docs/ and their screenshots:

- docs/step_through.html and docs/step_through.png: the page of L = (a*b + c) * f (the graph of
  micrograd's first lecture), at the backward step that gives a its gradient;
- docs/step_through_mlp.html and docs/step_through_mlp_{start,backward,end}.png: the page of one
  example's squared error through a 2-16-16-1 tanh MLP (407 nodes, 1,085 steps): at the start
  (the whole graph, Fit), in the middle of the backward pass (through a tanh) and at the last step.

    python docs/make_step_through.py

Run from anywhere after `pip install -e '.[test]'`, with Debian's Chromium at /usr/bin/chromium
(`apt-get install -y chromium`): the screenshots are taken by headless Chromium, driven by
Playwright, from the real pages opened from file://, as the browser tests do.
"""

from pathlib import Path

from playwright.sync_api import sync_playwright

from autograd import Value, step_through
from nn import MLP, mse_loss

HERE = Path(__file__).resolve().parent

a, b, c, f = Value(2.0, label="a"), Value(-3.0, label="b"), Value(10.0, label="c"), Value(-2.0, label="f")
e = a * b
e.label = "e"
d = e + c
d.label = "d"
L = d * f
L.label = "L"

walk = step_through(L)
page = walk.save(HERE / "step_through.html")
k = next(i for i, s in enumerate(walk.steps, 1) if s.kind == "backward" and s.node is a)

model = MLP(2, [16, 16, 1], activation="tanh", seed=0)
loss = mse_loss(model([0.5, -0.3]), 1.0)
loss.label = "loss"
mlp = step_through(loss)
mlp_page = mlp.save(HERE / "step_through_mlp.html")
n = len(mlp.steps)
forward = sum(s.kind == "forward" for s in mlp.steps)
# mid-backward: the step that takes the gradient through a hidden neuron's tanh (it reads tanh's output)
middle = next(i for i, s in enumerate(mlp.steps, 1)
              if i > forward + (n - forward) // 2 and s.kind == "backward" and s.output is not None
              and s.output.op == "tanh")
shots = {"start": 0, "backward": middle, "end": n}

with sync_playwright() as playwright:
    browser = playwright.chromium.launch(
        executable_path="/usr/bin/chromium",
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
              "--disable-component-update", "--no-first-run"],
    )
    tab = browser.new_page(viewport={"width": 1000, "height": 560}, device_scale_factor=1.5)
    tab.goto(page.as_uri())
    for _ in range(k):
        tab.keyboard.press("ArrowRight")
    shot = HERE / "step_through.png"
    tab.screenshot(path=shot)
    print(f"step {k} of {len(walk.steps)}: {walk.steps[k - 1].text}")
    tab = browser.new_page(viewport={"width": 1100, "height": 700}, device_scale_factor=1.25)
    tab.goto(mlp_page.as_uri())
    for name, step in shots.items():
        tab.locator("#cg-slider").fill(str(step))
        if step == 0:
            tab.click("#cg-fit")  # the whole graph
        tab.screenshot(path=HERE / f"step_through_mlp_{name}.png")
        print(f"{name}: step {step} of {n}: {mlp.steps[step - 1].text if step else ''}")
    browser.close()
print(f"wrote {page}, {shot}, {mlp_page} and its screenshots")
