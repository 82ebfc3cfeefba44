// The step-through page's script: plays the steps (JSON in #cg-data) over the graph's SVG.
// Each step writes one text into one record of the SVG (its data or its grad field) and
// highlights the nodes and edges involved; going back writes the text the field showed before.
// Everything from the graph is set with textContent: it is shown as text, never run.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("cg-data").textContent);
  const steps = data.steps;
  const svg = document.querySelector("#cg-graph svg");

  // Graphviz puts each node's name (n0, n0_op, ...) in the <title> of its <g class="node">,
  // and each edge's id (n3_op:0, n3_op:out) on its <g class="edge">.
  const nodes = new Map();
  for (const g of svg.querySelectorAll("g.node")) {
    nodes.set(g.querySelector("title").textContent, g);
  }
  const edges = new Map();
  for (const g of svg.querySelectorAll("g.edge")) {
    edges.set(g.id, g);
  }
  // A record's last two texts are its data and grad fields (a label may take several lines).
  const fields = new Map();
  for (const name of data.records) {
    const texts = nodes.get(name).querySelectorAll("text");
    const record = { data: texts[texts.length - 2], grad: texts[texts.length - 1] };
    record.data.textContent = "";
    record.grad.textContent = "";
    fields.set(name, record);
  }

  const $ = (id) => document.getElementById(id);
  const slider = $("cg-slider"), counter = $("cg-counter"), play = $("cg-play");
  let done = 0; // how many steps are applied
  let marked = []; // [element, class] pairs highlighted now
  let timer = null;

  function mark(element, cls) {
    if (element) {
      element.classList.add(cls);
      marked.push([element, cls]);
    }
  }

  function highlight(step) {
    for (const [element, cls] of marked) element.classList.remove(cls);
    marked = [];
    if (!step) return;
    for (const name of step.from) mark(nodes.get(name), "cg-from");
    if (step.op) mark(nodes.get(step.op), "cg-from");
    for (const id of step.edges) mark(edges.get(id), "cg-edge");
    for (const name of step.reads || []) mark(nodes.get(name), "cg-reads"); // what d(out)/d(node) reads
    mark(nodes.get(step.node), "cg-current");
  }

  function goTo(k) {
    k = Math.max(0, Math.min(steps.length, k));
    while (done < k) {
      const step = steps[done++];
      fields.get(step.node)[step.field].textContent = step.shows;
    }
    while (done > k) {
      const step = steps[--done];
      fields.get(step.node)[step.field].textContent = step.was;
    }
    const step = done > 0 ? steps[done - 1] : null;
    highlight(step);
    $("cg-phase").textContent = step ? step.phase : "Start";
    $("cg-text").textContent = step ? step.text : data.intro;
    $("cg-note").textContent = step ? step.note : "";
    slider.value = String(done);
    counter.textContent = "step " + done + " of " + steps.length;
    $("cg-prev").disabled = $("cg-reset").disabled = done === 0;
    $("cg-next").disabled = done === steps.length;
  }

  function pause() {
    if (timer !== null) clearInterval(timer);
    timer = null;
    play.textContent = "Play";
  }

  function playOrPause() {
    if (timer !== null) return pause();
    if (done === steps.length) goTo(0);
    timer = setInterval(() => {
      goTo(done + 1);
      if (done === steps.length) pause();
    }, 900);
    play.textContent = "Pause";
  }

  const by = (move) => () => {
    pause();
    goTo(move());
  };
  const next = by(() => done + 1), previous = by(() => done - 1);
  const first = by(() => 0), last = by(() => steps.length);
  $("cg-next").addEventListener("click", next);
  $("cg-prev").addEventListener("click", previous);
  $("cg-reset").addEventListener("click", first);
  play.addEventListener("click", playOrPause);
  slider.addEventListener("input", by(() => Number(slider.value)));
  document.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const keys = { ArrowRight: next, ArrowLeft: previous, Home: first, End: last };
    if (!(event.key in keys)) return;
    event.preventDefault(); // the slider, if focused, would move too
    keys[event.key]();
  });
  goTo(0);
})();
