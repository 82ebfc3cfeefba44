"""The step-through page in a real browser: headless Chromium (Debian's package) driven by Playwright.

Each page is opened from file://, every request it makes is routed (anything but the page itself
fails the test), and console errors, script errors and dialogs are recorded.
"""

import os
from pathlib import Path

import pytest

from autograd import Value, render_html, step_through
from autograd.backward import topological_order
from autograd.render.svg import short
from example_graphs import lecture_graph
from nn import MLP, mse_loss

CHROMIUM = Path("/usr/bin/chromium")
MISSING = ("the browser tests need Chromium at /usr/bin/chromium: install it with "
           "`apt-get install -y chromium` (Debian's package; as root), then run pytest again")
if not CHROMIUM.exists():
    if os.environ.get("CHAINGRAD_REQUIRE_BROWSER"):  # set by .ci/run: CI must run these tests
        raise RuntimeError(MISSING)
    pytest.skip(MISSING, allow_module_level=True)
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="the browser tests need Playwright: pip install -e '.[test]'"
)

HOSTILE_LABELS = ["</script><script>alert(1)</script>", '"><img src=x onerror=alert(1)>']

RECORDS_JS = """() => Object.fromEntries(
    [...document.querySelectorAll("#cg-graph g.node")]
        .map(g => [g.querySelector("title").textContent, [...g.querySelectorAll("text")].map(t => t.textContent)])
        .filter(([name]) => !name.endsWith("_op")))"""
MARKED_JS = """(cls) => [...document.querySelectorAll("#cg-graph ." + cls)]
    .map(g => g.classList.contains("edge") ? g.id : g.querySelector("title").textContent)"""


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run"],
        )
        yield chromium
        chromium.close()


class Tab:
    """One page open in the browser, with what it did that it should not have."""

    def __init__(self, browser, url):
        self.url = url
        self.requests, self.blocked, self.problems = [], [], []
        self.context = browser.new_context()
        self.context.route("**/*", self.route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.problems.append(f"console: {m.text}"))
        self.page.on("pageerror", lambda e: self.problems.append(f"script error: {e}"))
        self.page.on("dialog", lambda d: (self.problems.append(f"dialog: {d.message}"), d.dismiss()))
        self.page.goto(url)

    def route(self, route):
        self.requests.append(route.request.url)
        if route.request.url == self.url:
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def records(self):
        """{node name in the SVG: the texts its record shows}"""
        return self.page.evaluate(RECORDS_JS)

    def marked(self, cls):
        return sorted(self.page.evaluate(MARKED_JS, cls))

    def text(self, selector):
        return self.page.locator(selector).text_content()

    def state(self):
        return (self.records(), self.text("#cg-panel"), self.text("#cg-counter"),
                [self.marked(c) for c in ("cg-current", "cg-from", "cg-edge")])

    def assert_quiet(self):
        assert self.problems == [] and self.blocked == []
        assert self.requests == [self.url]


@pytest.fixture
def open_page(browser, tmp_path):
    tabs = []

    def open_(root, **draw_options):
        tab = Tab(browser, render_html(root, tmp_path / f"page{len(tabs)}.html", **draw_options).as_uri())
        tabs.append(tab)
        return tab

    yield open_
    for tab in tabs:
        tab.context.close()


def reused_graph():
    """y = x * x + x.tanh(): x gets three contributions, so its grad field shows three totals."""
    x = Value(0.5, "x")
    y = x * x + x.tanh()
    y.label = "y"
    return y


def expected_records(root, steps_done):
    """What each record should show after ``steps_done`` steps, worked out from the steps."""
    names = {v: f"n{i}" for i, v in enumerate(topological_order(root))}
    shown = {name: {"data": "", "grad": ""} for name in names.values()}
    steps = step_through(root).steps
    label = {s.node: s.text.split(" = ")[0] for s in steps if s.kind == "forward"}  # or a made-up name
    for step in steps[:steps_done]:
        if step.kind == "forward":
            shown[names[step.node]]["data"] = f"data {short(step.value)}"
        else:
            shown[names[step.node]]["grad"] = f"grad {short(step.total)}"
    return {name: [label[v], shown[name]["data"], shown[name]["grad"]] for v, name in names.items()}


@pytest.mark.parametrize("graph", [lecture_graph, reused_graph])
def test_next_fills_in_one_number_at_a_time_and_the_panel_says_how(open_page, graph):
    root = graph()
    steps = step_through(root).steps
    tab = open_page(root)
    assert tab.records() == expected_records(root, 0)  # only the labels
    assert tab.text("#cg-counter") == f"step 0 of {len(steps)}"
    for k in range(1, len(steps) + 1):
        tab.page.click("#cg-next")
        assert tab.records() == expected_records(root, k), f"after {k} steps"
        assert tab.text("#cg-text") == steps[k - 1].text
        assert tab.text("#cg-counter") == f"step {k} of {len(steps)}"
    assert tab.page.is_disabled("#cg-next")
    tab.assert_quiet()


def test_the_step_highlights_its_node_what_it_comes_from_and_the_edge(open_page):
    tab = open_page(lecture_graph())
    for _ in range(3):  # e = a * b: e is n4, made by n4_op from a (n2) and b (n3)
        tab.page.click("#cg-next")
    assert tab.marked("cg-current") == ["n4"]
    assert tab.marked("cg-from") == ["n2", "n3", "n4_op"]
    assert tab.marked("cg-edge") == ["n4_op:0", "n4_op:1", "n4_op:out"]
    for _ in range(13 - 3):  # dL/da += dL/de * de/da: a gets its gradient from e
        tab.page.click("#cg-next")
    assert tab.marked("cg-current") == ["n2"]
    assert tab.marked("cg-from") == ["n4", "n4_op"]
    assert tab.marked("cg-edge") == ["n4_op:0", "n4_op:out"]
    fill = tab.page.evaluate("""() => [".cg-current > polygon", ".cg-from > polygon", ".cg-edge > path"]
        .map(s => getComputedStyle(document.querySelector("#cg-graph " + s)))
        .map(style => [style.fill, style.stroke])""")
    colours = {tuple(pair) for pair in fill}
    assert len(colours) == 3, "current node, its source and the edge each have their own colour"
    assert ("rgb(173, 216, 230)", "rgb(0, 0, 0)") not in colours  # not the leaves' light blue
    tab.assert_quiet()


@pytest.mark.parametrize("graph", [lecture_graph, reused_graph])
def test_previous_undoes_each_step_exactly(open_page, graph):
    root = graph()
    tab = open_page(root)
    states = [tab.state()]
    for _ in range(len(step_through(root).steps)):
        tab.page.click("#cg-next")
        states.append(tab.state())
    for k in reversed(range(len(states) - 1)):
        tab.page.click("#cg-prev")
        assert tab.state() == states[k], f"back at step {k}"
    assert tab.page.is_disabled("#cg-prev")
    tab.page.click("#cg-next")
    tab.page.click("#cg-next")
    tab.page.click("#cg-reset")
    assert tab.state() == states[0]
    tab.assert_quiet()


def test_the_arrow_keys_step_forward_and_back(open_page):
    root = lecture_graph()
    n = len(step_through(root).steps)
    tab = open_page(root)
    for _ in range(4):
        tab.page.keyboard.press("ArrowRight")
    assert tab.text("#cg-counter") == f"step 4 of {n}"
    assert tab.records() == expected_records(root, 4)
    tab.page.keyboard.press("ArrowLeft")
    assert tab.records() == expected_records(root, 3)
    tab.page.keyboard.press("End")
    assert tab.text("#cg-counter") == f"step {n} of {n}"
    tab.page.keyboard.press("Home")
    assert tab.records() == expected_records(root, 0)
    tab.page.focus("#cg-slider")  # a focused slider moves one step per key too, not two
    tab.page.keyboard.press("ArrowRight")
    assert tab.text("#cg-counter") == f"step 1 of {n}"
    tab.assert_quiet()


def test_the_slider_jumps_to_any_step(open_page):
    root = lecture_graph()
    tab = open_page(root)
    tab.page.locator("#cg-slider").fill("9")
    assert tab.records() == expected_records(root, 9)
    tab.page.locator("#cg-slider").fill("2")
    assert tab.records() == expected_records(root, 2)
    tab.assert_quiet()


def test_play_runs_to_the_end_and_pause_stops(open_page):
    tab = open_page(Value(3.0, "x"))  # two steps: x = 3, dx/dx = 1
    tab.page.click("#cg-play")
    assert tab.text("#cg-play") == "Pause"
    sync_api.expect(tab.page.locator("#cg-counter")).to_have_text("step 2 of 2", timeout=10_000)
    assert tab.text("#cg-play") == "Play"
    assert tab.records() == {"n0": ["x", "data 3", "grad 1"]}
    tab.page.click("#cg-play")  # from the end, play starts over
    tab.page.click("#cg-play")
    stopped = tab.text("#cg-counter")
    assert stopped in ("step 0 of 2", "step 1 of 2")
    tab.page.wait_for_timeout(1500)
    assert tab.text("#cg-counter") == stopped
    tab.assert_quiet()


def seed_net_loss():
    """One example's squared error of the seed post's 3-4-1 ReLU net, nodes left unlabelled."""
    model = MLP(3, [4, 1], activation="relu", bias=False, seed=21)
    return mse_loss(model([1, 0, 1]), 1)


@pytest.mark.parametrize("rankdir", ["LR", "TB"])
def test_after_the_last_step_every_node_shows_backwards_data_and_grad(open_page, rankdir):
    root = seed_net_loss()
    tab = open_page(root, rankdir=rankdir)
    tab.page.keyboard.press("End")
    shown = tab.records()
    root.backward()
    order = topological_order(root)
    assert len(shown) == len(order) > 20
    for i, v in enumerate(order):
        assert shown[f"n{i}"][-2:] == [f"data {short(v.data)}", f"grad {short(v.grad)}"]
    tab.assert_quiet()


def test_hostile_labels_show_as_text_and_run_nothing(open_page):
    x, y = (Value(2.0, label) for label in HOSTILE_LABELS)
    out = x * y
    tab = open_page(out)
    tab.page.keyboard.press("ArrowRight")
    assert tab.text("#cg-text") == f"{HOSTILE_LABELS[0]} = 2"
    tab.page.keyboard.press("End")
    shown = tab.records()
    assert shown["n0"][0] == HOSTILE_LABELS[0] and shown["n1"][0] == HOSTILE_LABELS[1]
    assert tab.page.evaluate("document.querySelectorAll('img').length + document.scripts.length") == 2
    assert tab.page.title() == "Backprop step by step: v1"
    tab.assert_quiet()  # no alert dialog, no request for the image "x"


def test_the_notebook_frame_plays_the_page(browser, tmp_path):
    root = lecture_graph()
    wrapper = tmp_path / "notebook.html"
    wrapper.write_text(f"<!DOCTYPE html><html><body>{step_through(root)._repr_html_()}</body></html>",
                       encoding="utf-8")
    tab = Tab(browser, wrapper.as_uri())
    try:
        frame = tab.page.frame_locator("iframe")
        frame.locator("#cg-next").click()
        frame.locator("#cg-next").click()
        assert frame.locator("#cg-counter").text_content() == "step 2 of 14"
        assert frame.locator("#cg-text").text_content() == "b = -3"
        tab.assert_quiet()
    finally:
        tab.context.close()


def test_a_backward_step_marks_the_numbers_its_local_derivative_reads(open_page):
    root = lecture_graph()  # L = (a*b + c) * f; draw_dot numbers f, c, a, b, e, d, L as n0..n6
    tab = open_page(root)
    steps = step_through(root).steps
    names = {v: f"n{i}" for i, v in enumerate(topological_order(root))}
    for k, step in enumerate(steps, 1):
        tab.page.keyboard.press("ArrowRight")
        assert tab.marked("cg-reads") == sorted(names[v] for v in step.reads), step.text
    assert tab.marked("cg-reads") == [names[steps[-1].output.parents[0]]]  # de/db reads a
    assert "the numbers its local derivative reads" in tab.text(".cg-legend")
    tab.assert_quiet()
