// The step-through page's script: plays the steps (JSON in #cg-data) over the graph's SVG.
// Each step writes one text into one record of the SVG (its data or its grad field) and
// highlights the nodes and edges involved; going back writes the text the field showed before.
// The graph sits in a view that pans and zooms (drag, wheel, keys, touch, buttons) and follows
// the step: after each step the current node and the nodes it reads are on screen.
// Everything from the graph is set with textContent: it is shown as text, never run.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("cg-data").textContent);
  const steps = data.steps;
  const view = document.getElementById("cg-graph");
  const svg = view.querySelector("svg");

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
  const recordOf = new Map(); // <g> -> its index in data.records
  data.records.forEach((name, i) => {
    const g = nodes.get(name);
    const texts = g.querySelectorAll("text");
    const record = { data: texts[texts.length - 2], grad: texts[texts.length - 1] };
    record.data.textContent = "";
    record.grad.textContent = "";
    fields.set(name, record);
    recordOf.set(g, i);
    g.classList.add("cg-kind-" + data.kinds[i]);
  });

  const $ = (id) => document.getElementById(id);
  const slider = $("cg-slider"), counter = $("cg-counter"), play = $("cg-play"), speed = $("cg-speed");
  let done = 0; // how many steps are applied
  let marked = []; // [element, class] pairs highlighted now
  let timer = null; // the Play loop's timeout or animation frame
  const exact = new Map(); // "n3 data" -> the full number the field shows now
  const before = []; // before[k]: the full number step k's field showed before it

  // --- the view: content at (x, y) is drawn at (x * scale + dx, y * scale + dy) ---
  let scale = 1, dx = 0, dy = 0;
  const width = svg.width.baseVal.value, height = svg.height.baseVal.value;
  svg.style.width = width + "px";
  svg.style.height = height + "px";

  function draw() {
    svg.style.transform = "translate(" + dx + "px," + dy + "px) scale(" + scale + ")";
    view.dataset.scale = String(scale);
  }

  function zoomAt(factor, x, y) { // keeps the point (x, y) of the view where it is
    const s = Math.max(0.02, Math.min(8, scale * factor));
    dx = x - (x - dx) * s / scale;
    dy = y - (y - dy) * s / scale;
    scale = s;
    draw();
  }

  function zoom(factor) {
    zoomAt(factor, view.clientWidth / 2, view.clientHeight / 2);
  }

  function fit() {
    const s = Math.min(view.clientWidth / width, view.clientHeight / height, 1);
    scale = s;
    dx = (view.clientWidth - width * s) / 2;
    dy = (view.clientHeight - height * s) / 2;
    draw();
  }

  // Where elements are, in the content's coordinates (unscaled), as one box around them all.
  function box(elements) {
    const frame = view.getBoundingClientRect();
    let left = Infinity, top = Infinity, right = -Infinity, bottom = -Infinity;
    for (const e of elements) {
      const r = e.getBoundingClientRect();
      left = Math.min(left, (r.left - frame.left - dx) / scale);
      top = Math.min(top, (r.top - frame.top - dy) / scale);
      right = Math.max(right, (r.right - frame.left - dx) / scale);
      bottom = Math.max(bottom, (r.bottom - frame.top - dy) / scale);
    }
    return { left, top, right, bottom };
  }

  // Pans (and zooms out if they do not fit) so that every element is in the view; zoomed out
  // further than READABLE (by Fit or by hand), it zooms back in to that, if they fit.
  const READABLE = 0.75;
  function show(elements) {
    if (elements.length === 0) return;
    const b = box(elements), w = view.clientWidth, h = view.clientHeight, margin = 24;
    const needed = Math.min((w - 2 * margin) / (b.right - b.left), (h - 2 * margin) / (b.bottom - b.top));
    const wanted = Math.max(0.02, Math.min(Math.max(scale, READABLE), needed));
    if (wanted !== scale) {
      scale = wanted;
      dx = dy = -1e9; // not inside: centred below
    }
    const inside = b.left * scale + dx >= margin && b.right * scale + dx <= w - margin &&
      b.top * scale + dy >= margin && b.bottom * scale + dy <= h - margin;
    if (!inside) {
      dx = w / 2 - (b.left + b.right) / 2 * scale;
      dy = h / 2 - (b.top + b.bottom) / 2 * scale;
    }
    draw();
  }

  // Drag to pan (mouse, pen, one finger); two fingers pinch to zoom.
  const pointers = new Map();
  let pinch = 0;
  view.addEventListener("pointerdown", (event) => {
    view.setPointerCapture(event.pointerId);
    pointers.set(event.pointerId, [event.clientX, event.clientY]);
    view.classList.add("cg-dragging");
  });
  view.addEventListener("pointermove", (event) => {
    const was = pointers.get(event.pointerId);
    if (!was) return;
    const now = [event.clientX, event.clientY];
    if (pointers.size === 1) {
      dx += now[0] - was[0];
      dy += now[1] - was[1];
      draw();
    }
    pointers.set(event.pointerId, now);
    if (pointers.size === 2) {
      const [p, q] = [...pointers.values()];
      const distance = Math.hypot(p[0] - q[0], p[1] - q[1]);
      const frame = view.getBoundingClientRect();
      if (pinch) zoomAt(distance / pinch, (p[0] + q[0]) / 2 - frame.left, (p[1] + q[1]) / 2 - frame.top);
      pinch = distance;
    }
  });
  const lift = (event) => {
    pointers.delete(event.pointerId);
    pinch = 0;
    if (pointers.size === 0) view.classList.remove("cg-dragging");
  };
  view.addEventListener("pointerup", lift);
  view.addEventListener("pointercancel", lift);
  view.addEventListener("wheel", (event) => { // wheel pans; with Ctrl (or a trackpad's pinch) zooms
    event.preventDefault();
    if (event.ctrlKey || event.metaKey) {
      const frame = view.getBoundingClientRect();
      zoomAt(Math.exp(-event.deltaY / 300), event.clientX - frame.left, event.clientY - frame.top);
    } else {
      dx -= event.deltaX;
      dy -= event.deltaY;
      draw();
    }
  }, { passive: false });

  // --- hover: the full name and the full numbers of a record ---
  const tip = $("cg-tip");
  view.addEventListener("mousemove", (event) => {
    const g = event.target.closest && event.target.closest("g.node");
    if (!g || !recordOf.has(g) || pointers.size) {
      tip.hidden = true;
      return;
    }
    const i = recordOf.get(g), name = data.records[i];
    const lines = [data.full_names[i] + " (" + data.kinds[i] + ")"];
    for (const field of ["data", "grad"]) {
      if (exact.has(name + " " + field)) lines.push(field + " " + exact.get(name + " " + field));
    }
    tip.textContent = lines.join("\n");
    const frame = view.getBoundingClientRect();
    tip.style.left = (event.clientX - frame.left + 14) + "px";
    tip.style.top = (event.clientY - frame.top + 14) + "px";
    tip.hidden = false;
  });
  view.addEventListener("mouseleave", () => { tip.hidden = true; });

  // --- the steps ---
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
    for (const name of step.reads) mark(nodes.get(name), "cg-read");
    mark(nodes.get(step.node), "cg-current");
  }

  function goTo(k, follow = true) {
    k = Math.max(0, Math.min(steps.length, k));
    while (done < k) {
      const step = steps[done], key = step.node + " " + step.field;
      fields.get(step.node)[step.field].textContent = step.shows;
      before[done++] = exact.get(key);
      exact.set(key, step.exact);
    }
    while (done > k) {
      const step = steps[--done], key = step.node + " " + step.field;
      fields.get(step.node)[step.field].textContent = step.was;
      if (before[done] === undefined) exact.delete(key); else exact.set(key, before[done]);
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
    if (step && follow) {
      const names = [step.node, ...step.reads];
      if (step.op) names.push(step.op);
      show(names.map((name) => nodes.get(name)).filter(Boolean));
    }
  }

  function pause() {
    if (timer !== null) {
      clearTimeout(timer);
      cancelAnimationFrame(timer);
    }
    timer = null;
    play.textContent = "Play";
  }

  function tick() {
    const rate = speed.value;
    if (rate === "max") { // as fast as it draws: as many steps as fit in a frame, then draw
      const start = performance.now();
      do goTo(done + 1, false); while (done < steps.length && performance.now() - start < 12);
      goTo(done);
    } else {
      goTo(done + 1);
    }
    if (done === steps.length) return pause();
    timer = rate === "max" ? requestAnimationFrame(tick) : setTimeout(tick, 1000 / Number(rate));
  }

  function playOrPause() {
    if (timer !== null) return pause();
    if (done === steps.length) goTo(0);
    play.textContent = "Pause";
    timer = setTimeout(tick, 0);
  }

  // --- search: jumps to the next node whose name or full name holds the text ---
  let labels = null, found = -1;
  function search() {
    const text = $("cg-search").value.trim().toLowerCase();
    if (!text) return;
    if (labels === null) {
      labels = data.records.map((name, i) => {
        const texts = [...nodes.get(name).querySelectorAll("text")].slice(0, -2).map((t) => t.textContent);
        return (texts.join(" ") + "\n" + data.full_names[i]).toLowerCase();
      });
    }
    for (let j = 1; j <= labels.length; j++) {
      const i = (found + j) % labels.length;
      if (labels[i].includes(text)) {
        found = i;
        const g = nodes.get(data.records[i]);
        for (const e of svg.querySelectorAll(".cg-found")) e.classList.remove("cg-found");
        g.classList.add("cg-found");
        if (scale < 0.8) zoom(1 / scale);
        show([g]);
        $("cg-found").textContent = "";
        return;
      }
    }
    $("cg-found").textContent = "no node named like that";
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
  $("cg-end").addEventListener("click", last);
  play.addEventListener("click", playOrPause);
  slider.addEventListener("input", by(() => Number(slider.value)));
  $("cg-zoom-in").addEventListener("click", () => zoom(1.25));
  $("cg-zoom-out").addEventListener("click", () => zoom(0.8));
  $("cg-fit").addEventListener("click", fit);
  $("cg-search").addEventListener("keydown", (event) => {
    if (event.key === "Enter") search();
    event.stopPropagation(); // typing is not stepping
  });
  $("cg-search-go").addEventListener("click", search);
  document.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const pan = 80;
    const keys = {
      ArrowRight: next, ArrowLeft: previous, Home: first, End: last,
      "+": () => zoom(1.25), "=": () => zoom(1.25), "-": () => zoom(0.8), "0": fit,
      w: () => { dy += pan; draw(); }, s: () => { dy -= pan; draw(); },
      a: () => { dx += pan; draw(); }, d: () => { dx -= pan; draw(); },
    };
    if (event.shiftKey && event.key.startsWith("Arrow")) { // Shift+arrows pan
      const move = { ArrowUp: [0, pan], ArrowDown: [0, -pan], ArrowLeft: [pan, 0], ArrowRight: [-pan, 0] };
      dx += move[event.key][0];
      dy += move[event.key][1];
      event.preventDefault();
      return draw();
    }
    if (!(event.key in keys)) return;
    event.preventDefault(); // the slider, if focused, would move too
    keys[event.key]();
  });
  draw();
  goTo(0);
})();
