"""Regenerate docs/step_through.html and its screenshot docs/step_through.png: the step-through
page of L = (a*b + c) * f (the graph of micrograd's first lecture), shown at the backward step
that gives a its gradient.

    python docs/make_step_through.py

Run from anywhere after `pip install -e '.[test]'`, with Debian's Chromium at /usr/bin/chromium
(`apt-get install -y chromium`): the screenshot is taken by headless Chromium, driven by Playwright,
from the real page opened from file://, as the browser tests do.
"""

from pathlib import Path

from playwright.sync_api import sync_playwright

from autograd import Value, step_through

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

with sync_playwright() as playwright:
    browser = playwright.chromium.launch(
        executable_path="/usr/bin/chromium",
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
              "--disable-component-update", "--no-first-run"],
    )
    tab = browser.new_page(viewport={"width": 1000, "height": 400}, device_scale_factor=1.5)
    tab.goto(page.as_uri())
    for _ in range(k):
        tab.keyboard.press("ArrowRight")
    shot = HERE / "step_through.png"
    tab.screenshot(path=shot, full_page=True)
    print(f"step {k} of {len(walk.steps)}: {walk.steps[k - 1].text}")
    browser.close()
print(f"wrote {page} and {shot}")
