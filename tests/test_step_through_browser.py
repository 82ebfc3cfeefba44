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


# --- the page at scale: one example through a 2-16-16-1 MLP (about 400 nodes, 1,085 steps) ---

IN_VIEW_JS = """() => {
    const inside = (r, frame) => r.left >= frame.left - 1 && r.right <= frame.right + 1 &&
        r.top >= frame.top - 1 && r.bottom <= frame.bottom + 1;
    const screen = {left: 0, top: 0, right: innerWidth, bottom: innerHeight};
    const view = document.getElementById("cg-graph").getBoundingClientRect();
    const current = document.querySelector("#cg-graph .cg-current").getBoundingClientRect();
    const reads = [...document.querySelectorAll("#cg-graph .cg-read")].map(g => g.getBoundingClientRect());
    const fixed = ["cg-next", "cg-slider", "cg-text", "cg-counter"]
        .map(id => document.getElementById(id).getBoundingClientRect());
    return {current: inside(current, view), reads: reads.every(r => inside(r, view)),
            controls: fixed.every(r => inside(r, screen)), scrolled: scrollY + scrollX};
}"""


def mlp_example_loss():
    """One example's squared error through a 2-16-16-1 tanh MLP: the notebooks' size of net."""
    model = MLP(2, [16, 16, 1], activation="tanh", seed=0)
    return mse_loss(model([0.5, -0.3]), 1.0)


@pytest.fixture(scope="module")
def mlp_page(tmp_path_factory):
    walk = step_through(mlp_example_loss())
    return walk, walk.save(tmp_path_factory.mktemp("mlp") / "mlp.html").as_uri()


def open_sized(browser, url, width=1200, height=800):
    tab = Tab.__new__(Tab)
    tab.url, tab.requests, tab.blocked, tab.problems = url, [], [], []
    tab.context = browser.new_context(viewport={"width": width, "height": height})
    tab.context.route("**/*", tab.route)
    tab.page = tab.context.new_page()
    tab.page.on("pageerror", lambda e: tab.problems.append(f"script error: {e}"))
    tab.page.goto(url)
    return tab


def test_at_every_50th_step_the_current_node_and_what_it_reads_are_in_view(browser, mlp_page):
    walk, url = mlp_page
    tab = open_sized(browser, url)
    try:
        n = len(walk.steps)
        assert n > 1000
        for k in range(50, n + 1, 50):
            tab.page.locator("#cg-slider").fill(str(k))
            seen = tab.page.evaluate(IN_VIEW_JS)
            assert seen == {"current": True, "reads": True, "controls": True, "scrolled": 0}, f"at step {k}"
            assert tab.text("#cg-text") == walk.steps[k - 1].text
        tab.assert_quiet()
    finally:
        tab.context.close()


def test_play_at_the_fastest_speed_reaches_the_end(browser, mlp_page):
    walk, url = mlp_page
    tab = open_sized(browser, url)
    try:
        tab.page.select_option("#cg-speed", "max")
        tab.page.click("#cg-play")
        sync_api.expect(tab.page.locator("#cg-counter")).to_have_text(
            f"step {len(walk.steps)} of {len(walk.steps)}", timeout=60_000)
        assert tab.text("#cg-play") == "Play"
        assert tab.page.evaluate(IN_VIEW_JS)["current"]
        tab.assert_quiet()
    finally:
        tab.context.close()


def test_zoom_and_fit_change_the_scale_and_drag_pans(browser, mlp_page):
    _, url = mlp_page
    tab = open_sized(browser, url)
    try:
        scale = lambda: float(tab.page.locator("#cg-graph").get_attribute("data-scale"))  # noqa: E731
        assert scale() == 1
        tab.page.click("#cg-zoom-in")
        assert scale() > 1
        tab.page.click("#cg-zoom-out")
        tab.page.click("#cg-zoom-out")
        assert scale() < 1
        tab.page.click("#cg-fit")
        fitted = scale()
        box = tab.page.locator("#cg-graph svg").bounding_box()
        view = tab.page.locator("#cg-graph").bounding_box()
        assert box["height"] <= view["height"] + 1 and box["width"] <= view["width"] + 1
        tab.page.keyboard.press("+")
        assert scale() > fitted
        before = tab.page.locator("#cg-graph svg").bounding_box()
        tab.page.mouse.move(view["x"] + 300, view["y"] + 200)
        tab.page.mouse.down()
        tab.page.mouse.move(view["x"] + 200, view["y"] + 150, steps=3)
        tab.page.mouse.up()
        after = tab.page.locator("#cg-graph svg").bounding_box()
        assert (round(after["x"] - before["x"]), round(after["y"] - before["y"])) == (-100, -50)
        tab.assert_quiet()
    finally:
        tab.context.close()


def test_search_jumps_to_a_node_by_its_label(browser, mlp_page):
    walk, url = mlp_page
    tab = open_sized(browser, url)
    try:
        target = walk.name  # the root, drawn at the far end of the graph
        tab.page.fill("#cg-search", target)
        tab.page.press("#cg-search", "Enter")
        found = tab.page.evaluate("""() => {
            const g = document.querySelector("#cg-graph .cg-found"), r = g.getBoundingClientRect();
            const v = document.getElementById("cg-graph").getBoundingClientRect();
            return [g.querySelector("text").textContent,
                    r.left >= v.left && r.right <= v.right && r.top >= v.top && r.bottom <= v.bottom];
        }""")
        assert found == [target, True]
        assert tab.text("#cg-counter") == f"step 0 of {len(walk.steps)}"  # typing is not stepping
        tab.page.fill("#cg-search", "no such node anywhere")
        tab.page.press("#cg-search", "Enter")
        assert tab.text("#cg-found") == "no node named like that"
        tab.assert_quiet()
    finally:
        tab.context.close()


def test_the_notebook_frame_is_at_most_the_cap_and_the_graph_pans_inside(browser, tmp_path, mlp_page):
    from autograd.render.steps import FRAME_CAP
    walk, _ = mlp_page
    small = step_through(lecture_graph())
    wrapper = tmp_path / "notebook.html"
    wrapper.write_text(f"<!DOCTYPE html><html><body>{walk._repr_html_()}{small._repr_html_()}</body></html>",
                       encoding="utf-8")
    tab = open_sized(browser, wrapper.as_uri())
    try:
        heights = tab.page.evaluate("() => [...document.querySelectorAll('iframe')].map(f => f.offsetHeight)")
        assert heights[0] == FRAME_CAP  # the big graph: the cap
        assert heights[1] < FRAME_CAP  # the lecture's graph: as tall as its content
        frame = tab.page.frames[1]
        frame.locator("#cg-slider").fill("600")
        assert frame.evaluate(IN_VIEW_JS) == {"current": True, "reads": True, "controls": True, "scrolled": 0}
        tab.assert_quiet()
    finally:
        tab.context.close()
