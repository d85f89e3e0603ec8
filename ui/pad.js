// The stroke pad, run by gr.HTML's js_on_load with `element`, `trigger`, `props` and `watch`.
// It draws on its own <canvas> with Pointer Events (mouse, finger and pen alike) and sends
// Python the strokes, never pixels: props.value = {strokes: [[[x, y], ...], ...], width, height}
// with trigger("input"), in the pad's own units (props.size on each side, whatever size the
// canvas is shown at).
// While the pen moves it sends the unfinished drawing every props.live_ms at most; pen-up,
// Undo and Clear send at once. props.boxes, set from Python, is drawn on a second canvas
// over the ink, so it is never part of the strokes.

const size = props.size;
const ink = element.querySelector("canvas.ink");
const overlay = element.querySelector("canvas.overlay");
const strokes = []; // finished strokes, each [[x, y], ...] in pad units
let current = null; // the stroke under the pen
let pointerId = null; // the one pointer drawing; a second finger is ignored
let lastSent = -Infinity;

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

// Ink and paper follow the theme: CSS gives the canvas its colours (see pad.css).
function pen() {
  const ctx = context(ink);
  const style = getComputedStyle(ink);
  ctx.strokeStyle = ctx.fillStyle = style.color;
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
  ctx.fillStyle = getComputedStyle(ink).backgroundColor;
  ctx.fillRect(0, 0, size, size); // paper painted in, so the canvas is what it shows
  ctx.restore();
  for (const s of strokes) drawStroke(ctx, s);
  if (current) drawStroke(ctx, current);
}

function drawBoxes() {
  const ctx = context(overlay);
  ctx.clearRect(0, 0, size, size);
  ctx.strokeStyle = getComputedStyle(overlay).color;
  ctx.lineWidth = Math.max(1, size / 140);
  ctx.setLineDash([size / 35, size / 70]);
  const boxes = props.boxes || [];
  for (const [x0, y0, x1, y1] of boxes) ctx.strokeRect(x0, y0, x1 - x0, y1 - y0);
  overlay.dataset.boxes = String(boxes.length); // what the overlay shows, for tests and assistive checks
}

// Each send is one "input" event. Setting props.value also makes Gradio announce "change" on its
// own (whenever the value differs), so a reading wired to "change" as well would run twice per send.
function send() {
  lastSent = performance.now();
  const all = current ? [...strokes, current.slice()] : strokes.slice();
  props.value = { strokes: all, width: size, height: size };
  trigger("input");
}

function down(e) {
  if (pointerId !== null || (e.pointerType === "mouse" && e.button !== 0)) return;
  e.preventDefault(); // no text selection, no emulated mouse events
  pointerId = e.pointerId;
  ink.setPointerCapture(pointerId); // moves and the lift arrive here even off the canvas
  current = [point(e)];
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
  if (performance.now() - lastSent >= props.live_ms) send(); // a reading while the pen moves
}

function up(e) {
  if (e.pointerId !== pointerId) return;
  pointerId = null;
  strokes.push(current);
  current = null;
  send(); // pen-up: the final reading
}

function undo() {
  if (!strokes.length) return;
  strokes.pop();
  // The boxes stay until the reading this sends redraws them: cleared here, they would stay cleared
  // whenever that reading's boxes equal the last ones Python sent (Gradio only passes on changes).
  redraw();
  send();
}

function clear() {
  strokes.length = 0;
  props.boxes = [];
  drawBoxes();
  redraw();
  send();
}

// Backing stores follow the shown size and pixel ratio, so lines stay sharp when the page resizes.
const resized = new ResizeObserver(() => {
  if (!element.isConnected) return resized.disconnect();
  const r = ink.getBoundingClientRect();
  for (const c of [ink, overlay]) {
    c.width = Math.max(1, Math.round(r.width * devicePixelRatio));
    c.height = Math.max(1, Math.round(r.height * devicePixelRatio));
  }
  redraw();
  drawBoxes();
});
resized.observe(ink);

// Every listener sits on the pad's own elements, so they go when it does; none on window or document.
ink.addEventListener("pointerdown", down);
ink.addEventListener("pointermove", move);
ink.addEventListener("pointerup", up);
ink.addEventListener("pointercancel", up);
element.querySelector("button.undo").addEventListener("click", undo);
element.querySelector("button.clear").addEventListener("click", clear);
watch("boxes", drawBoxes);
redraw();
