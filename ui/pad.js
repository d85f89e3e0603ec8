// The stroke pad, run by gr.HTML's js_on_load with `element`, `trigger`, `props` and `watch`.
// It draws on its own <canvas> with Pointer Events (mouse, finger and pen alike) and sends
// Python the strokes, never pixels: props.value = {strokes: JSON of [[[x, y], ...], ...], width, height, seq,
// final} (final: false while the pen moves, true at pen-up, Undo and Clear)
// (one string, not arrays: Gradio snapshots every prop value by value several times per reading)
// with trigger("input"), in the pad's own units (props.size on each side, whatever size the
// canvas is shown at); seq numbers the sends.
// While the pen moves it sends the unfinished drawing every props.live_ms at most; pen-up,
// Undo and Clear send at once. props.boxes, set from Python, is drawn on a second canvas
// over the ink, so it is never part of the strokes.
// Python answers each reading by setting props.ack to its seq. The pad cannot see a request
// fail, so a final reading (pen-up, Undo, Clear) with no answer after props.retry_ms is sent
// again, with a notice on the pad, until one arrives (waiting twice as long each time).

const size = props.size;
const ink = element.querySelector("canvas.ink");
const overlay = element.querySelector("canvas.overlay");
const notice = element.querySelector(".notice");
const strokes = []; // finished strokes, each [[x, y], ...] in pad units
let current = null; // the stroke under the pen
let pointerId = null; // the one pointer drawing; a second finger is ignored
let lastSent = -Infinity;
let liveSent = false; // a reading of the stroke under the pen went out
let seq = 0; // the last send's number
let waitingFor = 0; // the final reading not yet answered (0: none)
let retryTimer = null;
let retryMs = props.retry_ms;
let colours = null; // ink, paper and boxes, read from CSS once per theme or size change, not per move
let ratio = devicePixelRatio; // the pixel ratio the backing stores were sized for

// Pointer position in pad units, rounded to 0.1: the JSON stays small.
function point(e) {
  const r = ink.getBoundingClientRect();
  const x = ((e.clientX - r.left) * size) / r.width;
  const y = ((e.clientY - r.top) * size) / r.height;
  return [Math.round(x * 10) / 10, Math.round(y * 10) / 10];
}

// A 2D context that draws in pad units on a backing store of the shown size x devicePixelRatio.
function context(canvas) {
  const ctx = canvas.getContext("2d");
  ctx.setTransform(canvas.width / size, 0, 0, canvas.height / size, 0, 0);
  return ctx;
}

// Ink and paper follow the theme: CSS gives the canvases their colours (see pad.css).
function readColours() {
  const style = getComputedStyle(ink);
  const next = { ink: style.color, paper: style.backgroundColor, boxes: getComputedStyle(overlay).color };
  const changed = !colours || Object.keys(next).some((k) => next[k] !== colours[k]);
  colours = next;
  element.dataset.ink = next.ink; // what the pad paints with, for tests
  return changed;
}

function pen() {
  const ctx = context(ink);
  ctx.strokeStyle = ctx.fillStyle = colours.ink;
  ctx.lineWidth = props.brush;
  ctx.lineCap = ctx.lineJoin = "round";
  return ctx;
}

function drawStroke(ctx, s) {
  ctx.beginPath();
  ctx.moveTo(s[0][0], s[0][1]);
  // A lone point still leaves a dot, as a pen tap does.
  for (const [x, y] of s.length > 1 ? s.slice(1) : s) ctx.lineTo(x, y);
  ctx.stroke();
}

function redraw() {
  const ctx = pen();
  ctx.save();
  ctx.fillStyle = colours.paper;
  ctx.fillRect(0, 0, size, size); // paper painted in, so the canvas is what it shows
  ctx.restore();
  for (const s of strokes) drawStroke(ctx, s);
  if (current) drawStroke(ctx, current);
}

function drawBoxes() {
  const ctx = context(overlay);
  ctx.clearRect(0, 0, size, size);
  ctx.strokeStyle = colours.boxes;
  ctx.lineWidth = Math.max(1, size / 140);
  ctx.setLineDash([size / 35, size / 70]);
  const boxes = props.boxes || [];
  for (const [x0, y0, x1, y1] of boxes) ctx.strokeRect(x0, y0, x1 - x0, y1 - y0);
  overlay.dataset.boxes = String(boxes.length); // what the overlay shows, for tests and assistive checks
}

function show(message) {
  notice.textContent = message;
  notice.hidden = !message;
}

// Each send is one "input" event. Setting props.value also makes Gradio announce "change" on its
// own (whenever the value differs), so a reading wired to "change" as well would run twice per send.
function send(final) {
  lastSent = performance.now();
  seq += 1;
  const all = current ? [...strokes, current.slice()] : strokes.slice();
  props.value = { strokes: JSON.stringify(all), width: size, height: size, seq, final: !!final };
  if (final) {
    waitingFor = seq;
    element.dataset.waiting = String(seq);
    clearTimeout(retryTimer);
    retryTimer = setTimeout(retry, retryMs);
  }
  trigger("input");
}

// No answer to the final reading: send the drawing again (a new seq), and say so.
function retry() {
  if (!waitingFor || !element.isConnected) return;
  show("No answer from the server yet: reading your drawing again…");
  retryMs = Math.min(retryMs * 2, 30000);
  send(true);
}

// Python's answer to a reading: any answer to the final one, or a later one, ends the wait.
function answered() {
  if (!waitingFor || !(props.ack >= waitingFor)) return;
  waitingFor = 0;
  delete element.dataset.waiting;
  clearTimeout(retryTimer);
  retryMs = props.retry_ms;
  show("");
}

function down(e) {
  if (pointerId !== null || (e.pointerType === "mouse" && e.button !== 0)) return;
  e.preventDefault(); // no text selection, no emulated mouse events
  if (devicePixelRatio !== ratio) resize(); // a ratio change no media query reported
  pointerId = e.pointerId;
  try {
    ink.setPointerCapture(pointerId); // moves and the lift arrive here even off the canvas
  } catch {
    // Not capturable (the pointer is already gone, say): draw without capture; up or cancel still ends it.
  }
  current = [point(e)];
  liveSent = false;
  drawStroke(pen(), current);
}

function move(e) {
  if (e.pointerId !== pointerId) return;
  const ctx = pen();
  // Coalesced events: every sample the device made since the last frame, not just one.
  for (const c of e.getCoalescedEvents ? e.getCoalescedEvents() : [e]) {
    const p = point(c);
    const [px, py] = current[current.length - 1];
    if (Math.hypot(p[0] - px, p[1] - py) < 0.5) continue; // same ink, fewer points to send
    ctx.beginPath();
    ctx.moveTo(px, py);
    ctx.lineTo(p[0], p[1]);
    ctx.stroke();
    current.push(p);
  }
  if (performance.now() - lastSent >= props.live_ms) {
    liveSent = true;
    send(false); // a reading while the pen moves
  }
}

// Pen-up, or the capture lost without one (the browser took the pointer): the stroke ends as drawn.
function up(e) {
  if (e.pointerId !== pointerId) return;
  pointerId = null;
  strokes.push(current);
  current = null;
  send(true); // the final reading
}

// A cancelled pointer (a palm, the system taking the touch) was no stroke: its ink goes, and if a
// reading of it went out, the drawing without it is read again.
function cancel(e) {
  if (e.pointerId !== pointerId) return;
  pointerId = null;
  current = null;
  redraw();
  if (liveSent) send(true);
}

function undo() {
  if (!strokes.length) return;
  strokes.pop();
  // The boxes stay until the reading this sends redraws them: cleared here, they would stay cleared
  // whenever that reading's boxes equal the last ones Python sent (Gradio only passes on changes).
  redraw();
  send(true);
}

function clear() {
  strokes.length = 0;
  props.boxes = [];
  drawBoxes();
  redraw();
  send(true);
}

// Backing stores follow the shown size and pixel ratio, so lines stay sharp when the page resizes,
// zooms or moves to a screen of another pixel ratio.
function resize() {
  if (!element.isConnected) return false;
  const r = ink.getBoundingClientRect();
  ratio = devicePixelRatio;
  for (const c of [ink, overlay]) {
    c.width = Math.max(1, Math.round(r.width * devicePixelRatio));
    c.height = Math.max(1, Math.round(r.height * devicePixelRatio));
  }
  readColours();
  redraw();
  drawBoxes();
  return true;
}
const resized = new ResizeObserver(() => resize() || resized.disconnect());
resized.observe(ink);

// A pixel ratio change (zoom, another monitor) resizes no element: a media query on the current ratio
// hears it, once, and the next one listens for the ratio after it.
function watchPixelRatio() {
  const query = matchMedia(`(resolution: ${devicePixelRatio}dppx)`);
  query.addEventListener("change", () => resize() && watchPixelRatio(), { once: true });
}
watchPixelRatio();

// A theme switch (Gradio's "dark" class, or the system's colour scheme) repaints with the new colours.
function restyle() {
  if (!element.isConnected) return false;
  if (readColours()) {
    redraw();
    drawBoxes();
  }
  return true;
}
const themed = new MutationObserver(() => restyle() || themed.disconnect());
for (const el of new Set([document.documentElement, document.body, element.closest("gradio-app")]))
  if (el) themed.observe(el, { attributes: true, attributeFilter: ["class", "style"] });
const scheme = matchMedia("(prefers-color-scheme: dark)");
scheme.addEventListener("change", function onScheme() {
  // Gradio flips its class on the same change; read the colours once it has.
  if (!element.isConnected) return scheme.removeEventListener("change", onScheme);
  requestAnimationFrame(restyle);
});

// The pointer listeners sit on the pad's own elements, so they go when it does; the observers and
// media queries above let go on their next call once the pad has left the page.
ink.addEventListener("pointerdown", down);
ink.addEventListener("pointermove", move);
ink.addEventListener("pointerup", up);
ink.addEventListener("lostpointercapture", up); // after a pointerup, pointerId is already null: ignored
ink.addEventListener("pointercancel", cancel);
element.querySelector("button.undo").addEventListener("click", undo);
element.querySelector("button.clear").addEventListener("click", clear);
watch("boxes", drawBoxes);
watch("ack", answered);
readColours();
redraw();
