// The network view, run by gr.HTML's js_on_load with `element`, `props` and `watch`.
// window.lenetNetwork (sent once with the page, in its head): the stages (names, shapes, what each does), every weight and
// bias as base64 float32, and LeNet's source with each line tagged with its stage (ui/network.py).
// props.value (each reading): the normalised 32x32 input exactly as the network received it, and
// PyTorch's F5, F6 and OUTPUT. The maps C1..S4 are recomputed here from that input and the weights,
// so a reading carries no maps; the inspector explains any unit from what the page holds, without
// a request. Every listener sits on the view's own elements, so they go when it does.

const net = window.lenetNetwork;
const N = net.input_size; // 32
const STAGE = Object.fromEntries(net.stages.map((s) => [s.name, s]));

// -- numbers in ------------------------------------------------------------------------------------

function bytes(b64) {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
const f32 = (b64) => new Float32Array(bytes(b64).buffer);

// Weights as the model holds them: conv (out, in, k, k) and linear (out, in), row-major.
const W = {};
for (const [name, l] of Object.entries(net.layers)) W[name] = { shape: l.shape, w: f32(l.w), b: f32(l.b) };

// The input: a bit per pixel saying whether a float32 value follows; the others are the background
// (a blank pixel after normalisation).
function unpackInput(b64) {
  const b = bytes(b64);
  const maskLen = (N * N) / 8;
  const vals = new Float32Array(b.buffer, maskLen, (b.length - maskLen) / 4);
  const x = new Float32Array(N * N).fill(net.background);
  let v = 0;
  for (let p = 0; p < N * N; p++) if (b[p >> 3] & (1 << (p & 7))) x[p] = vals[v++];
  return x;
}

// -- the forward pass, as LeNet.forward computes it (sums in float64, stored as float32) -----------

function conv(input, C, H, layer) {
  const { shape, w, b } = W[layer];
  const [O, , K] = shape;
  const Ho = H - K + 1;
  const out = new Float32Array(O * Ho * Ho);
  for (let o = 0; o < O; o++)
    for (let i = 0; i < Ho; i++)
      for (let j = 0; j < Ho; j++) {
        let s = b[o];
        for (let c = 0; c < C; c++)
          for (let di = 0; di < K; di++)
            for (let dj = 0; dj < K; dj++)
              s += input[(c * H + i + di) * H + j + dj] * w[((o * C + c) * K + di) * K + dj];
        out[(o * Ho + i) * Ho + j] = s > 0 ? s : 0; // ReLU
      }
  return out;
}

function pool(input, C, H) {
  const Ho = Math.floor(H / 2);
  const out = new Float32Array(C * Ho * Ho);
  for (let c = 0; c < C; c++)
    for (let i = 0; i < Ho; i++)
      for (let j = 0; j < Ho; j++) {
        let m = -Infinity;
        for (let di = 0; di < 2; di++)
          for (let dj = 0; dj < 2; dj++) m = Math.max(m, input[(c * H + 2 * i + di) * H + 2 * j + dj]);
        out[(c * Ho + i) * Ho + j] = m;
      }
  return out;
}

function linear(input, layer, relu) {
  const { shape, w, b } = W[layer];
  const [O, I] = shape;
  const out = new Float32Array(O);
  for (let o = 0; o < O; o++) {
    let s = b[o];
    for (let i = 0; i < I; i++) s += w[o * I + i] * input[i];
    out[o] = relu && s < 0 ? 0 : s;
  }
  return out;
}

// One reading -> every stage's values. F5, F6 and OUTPUT are PyTorch's; this pass's own F5 is kept
// to show how closely the page's arithmetic agrees with PyTorch's.
function run(value) {
  const x = unpackInput(value.x);
  const c1 = conv(x, 1, N, "conv1");
  const s2 = pool(c1, 6, 30);
  const c3 = conv(s2, 6, 15, "conv2");
  const s4 = pool(c3, 16, 13);
  const f5 = f32(value.F5);
  const mine = linear(s4, "fc1", true);
  let diff = 0;
  for (let i = 0; i < f5.length; i++) diff = Math.max(diff, Math.abs(mine[i] - f5[i]));
  const out = f32(value.OUTPUT);
  const top = Math.max(...out);
  const t = value.temperature || 1; // calibrated weights: softmax(scores / t), as the app shows (lenet.calibrate)
  const e = Array.from(out, (z) => Math.exp((z - top) / t));
  const total = e.reduce((a, b) => a + b, 0);
  return {
    INPUT: x, C1: c1, S2: s2, C3: c3, S4: s4, F5: f5, F6: f32(value.F6), OUTPUT: out,
    probs: e.map((v) => v / total), t, diff, digit: value.digit, network: value.network_digit,
  };
}

// -- colours ---------------------------------------------------------------------------------------

// Activations: near-white at zero to dark blue at the layer's peak (as the app's maps always were).
const STOPS = [[250, 250, 250], [254, 224, 144], [244, 109, 67], [165, 0, 38], [49, 54, 149]];
function heat(t) {
  const u = Math.min(Math.max(t, 0), 1) * (STOPS.length - 1);
  const k = Math.min(Math.floor(u), STOPS.length - 2);
  const f = u - k;
  return STOPS[k].map((a, c) => Math.round(a + (STOPS[k + 1][c] - a) * f));
}
// Weights: blue negative, white zero, red positive, scaled by the layer's largest |w|.
function diverging(t) {
  const u = Math.min(Math.abs(t), 1);
  const to = t < 0 ? [33, 102, 172] : [178, 24, 43];
  return [247, 247, 247].map((a, c) => Math.round(a + (to[c] - a) * u));
}
const css = (rgb) => `rgb(${rgb[0]},${rgb[1]},${rgb[2]})`;
const peak = (a) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0) || 1;

// -- layout: every stage drawn on one canvas, as cells -----------------------------------------------

// A cell is one map (or kernel) drawn at (x, y) with `scale` canvas px per unit.
// Maps of C1 and C3 sit beside their kernels, one row per output map.
const GAP = 4;
const LAYOUT = {
  INPUT: { maps: 1, side: N, scale: 4, kernels: null },
  C1: { maps: 6, side: 30, scale: 2, kernels: { per: 1, scale: 6 } },
  S2: { maps: 6, side: 15, scale: 4, kernels: null },
  C3: { maps: 16, side: 13, scale: 2, kernels: { per: 6, scale: 3 } },
  S4: { maps: 16, side: 6, scale: 4, kernels: null, pitch: 28 },
};
const UNITS = { F5: { cols: 6, cell: 11 }, F6: { cols: 4, cell: 11 } };

function cellsOf(name) {
  const L = LAYOUT[name];
  const cells = [];
  const mapPx = L.side * L.scale;
  const kw = L.kernels ? L.kernels.per * (3 * L.kernels.scale + 1) - 1 + GAP : 0;
  const pitch = L.pitch || mapPx + GAP - (name === "C3" ? 2 : 0);
  for (let k = 0; k < L.maps; k++) {
    const y = k * pitch;
    if (L.kernels)
      for (let c = 0; c < L.kernels.per; c++)
        cells.push({ kind: "kernel", k, c, x: c * (3 * L.kernels.scale + 1), y: y + Math.floor((mapPx - 3 * L.kernels.scale) / 2),
          scale: L.kernels.scale, side: 3 });
    cells.push({ kind: "map", k, x: kw, y, scale: L.scale, side: L.side });
  }
  const width = kw + mapPx;
  const height = (L.maps - 1) * pitch + mapPx;
  return { cells, width, height };
}

// -- the DOM ---------------------------------------------------------------------------------------

const root = element.querySelector(".net");
const flow = element.querySelector(".flow");
const inspector = element.querySelector(".inspector");
const codeBox = element.querySelector(".code");
const IDS = { INPUT: "input-map", C1: "c1-maps", S2: "s2-maps", C3: "c3-maps", S4: "s4-maps", F5: "f5-units",
  F6: "f6-units", OUTPUT: "output-scores" };
const ORDER = ["INPUT", "C1", "S2", "C3", "S4", "F5", "F6", "OUTPUT"];
const codeFor = {}; // stage -> the line of forward that computes it
for (const line of net.code) if (line.runs) codeFor[line.stage] = line.text.replace(/#.*$/, "").trim();

function paramsOf(name) {
  const layer = name in STAGE ? STAGE[name].layer : null;
  return layer ? W[layer].w.length + W[layer].b.length : 0;
}

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
const views = {}; // stage -> {card, canvas, layout}
for (const name of ORDER) {
  const card = document.createElement("div");
  card.className = "stage";
  card.id = IDS[name];
  card.dataset.stage = name;
  const shape = name === "INPUT" ? [1, N, N] : STAGE[name].shape;
  const what = name === "INPUT" ? "your drawing, cropped, scaled and centred as MNIST digits are, then normalised"
    : STAGE[name].what;
  const shapeText = shape.length === 3 ? `${shape[0]} × ${shape[1]}×${shape[2]}` : `${shape[0]} units`;
  const n = paramsOf(name);
  card.innerHTML = `<header><b>${name === "INPUT" ? "Input" : name}</b> <span class="shape">${shapeText}</span></header>
    <p class="what">${esc(what)}</p>
    ${codeFor[name] ? `<code class="line" title="Its line in LeNet.forward">${esc(codeFor[name])}</code>` : ""}
    ${n ? `<p class="params">${n.toLocaleString("en")} weights</p>` : ""}`;
  let canvas = null;
  let layout = null;
  if (LAYOUT[name]) {
    layout = cellsOf(name);
    canvas = document.createElement("canvas");
    canvas.width = layout.width;
    canvas.height = layout.height;
    canvas.style.width = `${layout.width}px`;
    // Where each map sits, in canvas px: for tests and for anyone reading the page's structure.
    canvas.dataset.cells = JSON.stringify(layout.cells.filter((c) => c.kind === "map"));
    card.appendChild(canvas);
  } else if (UNITS[name]) {
    const U = UNITS[name];
    const count = STAGE[name].shape[0];
    layout = { rows: Math.ceil(count / U.cols), ...U, count };
    canvas = document.createElement("canvas");
    canvas.width = U.cols * U.cell;
    canvas.height = layout.rows * U.cell;
    canvas.style.width = `${canvas.width}px`;
    canvas.dataset.cols = String(U.cols);
    canvas.dataset.cell = String(U.cell);
    card.appendChild(canvas);
  } else {
    const list = document.createElement("ol");
    list.className = "scores";
    list.start = 0;
    for (let d = 0; d < 10; d++)
      list.insertAdjacentHTML("beforeend", `<li data-unit="${d}" tabindex="0"><span class="d">${d}</span>
        <span class="bar"><i></i></span><span class="p"></span></li>`);
    card.appendChild(list);
  }
  if (canvas) {
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", `${name}: tap or hover a unit to see its arithmetic`);
  }
  flow.appendChild(card);
  views[name] = { card, canvas, layout };
}
flow.insertAdjacentHTML(
  "beforeend",
  `<p class="legend"><span class="swatch heat"></span> activation: white 0, up to dark blue for the stage's strongest
  &nbsp; <span class="swatch weights"></span> weights: blue negative, red positive &nbsp;
  <span class="swatch mark"></span> what the inspected unit reads</p><p class="agree" aria-live="polite"></p>`,
);
const agree = flow.querySelector(".agree");

codeBox.innerHTML = `<header><b>The code that runs</b> <span>lenet/model.py: ${net.params.toLocaleString("en")} weights</span></header>
  <pre>${net.code.map((l) => `<span class="ln${l.runs ? " runs" : ""}"${l.stage ? ` data-stage="${l.stage}"` : ""}>${esc(l.text) || " "}</span>`).join("")}</pre>`;

// -- drawing ---------------------------------------------------------------------------------------

let state = null; // the last reading, with every stage's values
let focus = null; // the unit inspected: {stage, k, i, j} or {stage, u}
let marks = {}; // stage -> boxes to draw: [{k, i0, j0, i1, j1}] (inclusive), or unit indices for F5/F6

// Colour tables, so painting a map is a lookup per pixel.
const HEAT = Array.from({ length: 256 }, (_, t) => heat(t / 255));
const DIVERGING = Array.from({ length: 511 }, (_, t) => diverging((t - 255) / 255));
const bases = {}; // stage -> its ImageData for the current reading (maps and kernels), without marks
const kernelLayers = {}; // stage -> an ImageData holding only its kernels: the weights never change

// Fill a cell's unit (i, j) as a scale x scale block of one colour, straight into the canvas's pixels.
function block(data, width, cell, i, j, rgb) {
  const s = cell.scale;
  for (let dy = 0; dy < s; dy++) {
    let o = ((Math.floor(cell.y) + i * s + dy) * width + cell.x + j * s) * 4;
    for (let dx = 0; dx < s; dx++, o += 4) {
      data[o] = rgb[0];
      data[o + 1] = rgb[1];
      data[o + 2] = rgb[2];
      data[o + 3] = 255;
    }
  }
}

function kernelLayer(name) {
  if (kernelLayers[name]) return kernelLayers[name];
  const { canvas, layout } = views[name];
  const img = new ImageData(canvas.width, canvas.height);
  const L = LAYOUT[name];
  if (L.kernels) {
    const w = W[STAGE[name].layer].w;
    const top = peak(w);
    for (const cell of layout.cells.filter((c) => c.kind === "kernel"))
      for (let p = 0; p < 9; p++) {
        const v = w[(cell.k * L.kernels.per + cell.c) * 9 + p];
        block(img.data, canvas.width, cell, Math.floor(p / 3), p % 3, DIVERGING[255 + Math.round((255 * v) / top)]);
      }
  }
  return (kernelLayers[name] = img);
}

// Paint a stage's maps once per reading, as pixels; marks are drawn over it.
function paint(name) {
  const { canvas, layout } = views[name];
  const img = new ImageData(new Uint8ClampedArray(kernelLayer(name).data), canvas.width, canvas.height);
  const values = state ? state[name] : null;
  const hi = values ? peak(values) : 1;
  let lo = 0;
  let top = 1;
  if (values && name === "INPUT") {
    lo = Math.min(...values);
    top = Math.max(...values);
  }
  for (const cell of layout.cells) {
    if (cell.kind !== "map") continue;
    const side = cell.side;
    for (let p = 0; p < side * side; p++) {
      let rgb;
      if (!values) rgb = HEAT[0];
      else if (name === "INPUT") {
        const g = Math.round((255 * (values[p] - lo)) / (top - lo || 1));
        rgb = [g, g, g];
      } else rgb = HEAT[Math.min(255, Math.round((255 * values[cell.k * side * side + p]) / hi))];
      block(img.data, canvas.width, cell, Math.floor(p / side), p % side, rgb);
    }
  }
  bases[name] = img;
}

function drawMaps(name) {
  const { canvas, layout } = views[name];
  if (!bases[name]) paint(name);
  const ctx = canvas.getContext("2d");
  ctx.putImageData(bases[name], 0, 0);
  ctx.strokeStyle = "#f97316";
  ctx.lineWidth = 1.5;
  for (const m of marks[name] || []) {
    const kind = m.kernel ? "kernel" : "map";
    const cell = layout.cells.find((c) => c.kind === kind && c.k === m.k && (!m.kernel || c.c === m.c));
    if (!cell) continue;
    const s = cell.scale;
    const [x, y] = [cell.x + m.j0 * s + 0.75, cell.y + m.i0 * s + 0.75];
    ctx.strokeRect(x, y, (m.j1 - m.j0 + 1) * s - 1.5, (m.i1 - m.i0 + 1) * s - 1.5);
  }
}

function drawUnits(name) {
  const { canvas, layout } = views[name];
  const ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const values = state ? state[name] : null;
  const hi = values ? peak(values) : 1;
  const marked = new Set(marks[name] || []);
  for (let u = 0; u < layout.count; u++) {
    const x = (u % layout.cols) * layout.cell;
    const y = Math.floor(u / layout.cols) * layout.cell;
    ctx.fillStyle = css(values ? heat(values[u] / hi) : [235, 235, 235]);
    ctx.fillRect(x + 1, y + 1, layout.cell - 2, layout.cell - 2);
    if (marked.has(u)) {
      ctx.strokeStyle = "#f97316";
      ctx.lineWidth = 1.5;
      ctx.strokeRect(x + 0.75, y + 0.75, layout.cell - 1.5, layout.cell - 1.5);
    }
  }
}

function drawOutput() {
  const items = views.OUTPUT.card.querySelectorAll("li");
  items.forEach((li, d) => {
    const p = state ? state.probs[d] : 0;
    li.querySelector("i").style.width = `${(100 * p).toFixed(1)}%`;
    li.querySelector(".p").textContent = state ? `${(100 * p).toFixed(1)}%` : "";
    li.classList.toggle("best", !!state && d === (state.network ?? state.digit)); // the network's own best
    li.classList.toggle("marked", (marks.OUTPUT || []).includes(d));
  });
}

function drawAll() {
  for (const name of ORDER) {
    if (LAYOUT[name]) drawMaps(name);
    else if (UNITS[name]) drawUnits(name);
    else drawOutput();
  }
}

// -- the inspector ---------------------------------------------------------------------------------

const fmt = (v) => (Math.abs(v) >= 100 ? v.toFixed(1) : v.toFixed(3)).replace("-", "−");
const BELOW = { C1: "INPUT", S2: "C1", C3: "S2", S4: "C3", F5: "S4", F6: "F5", OUTPUT: "F6" };

// The part of each map below that a unit of `name` at rows i0..i1, cols j0..j1 depends on, down to the input.
function traceDown(name, i0, j0, i1, j1, maps) {
  const out = {};
  let stage = name;
  while (BELOW[stage] && LAYOUT[BELOW[stage]]) {
    const below = BELOW[stage];
    if (stage === "C1" || stage === "C3") [i1, j1] = [i1 + 2, j1 + 2]; // a 3x3 kernel
    else [i0, j0, i1, j1] = [2 * i0, 2 * j0, 2 * i1 + 1, 2 * j1 + 1]; // a 2x2 pool
    const ks = maps && maps[below] ? maps[below] : [...Array(LAYOUT[below].maps).keys()];
    out[below] = ks.map((k) => ({ k, i0, j0, i1, j1 }));
    stage = below;
  }
  return out;
}

function tableOf(values, side, cls, weightsPeak) {
  let html = `<table class="${cls}">`;
  for (let i = 0; i < side; i++) {
    html += "<tr>";
    for (let j = 0; j < side; j++) {
      const v = values[i * side + j];
      const bg = weightsPeak ? css(diverging(v / weightsPeak)) : "";
      html += `<td${bg ? ` style="background:${bg}"` : ""}>${fmt(v)}</td>`;
    }
    html += "</tr>";
  }
  return `${html}</table>`;
}

function explainConv(name, k, i, j) {
  const layer = STAGE[name].layer;
  const { shape, w, b } = W[layer];
  const C = shape[1];
  const below = BELOW[name];
  const H = LAYOUT[below].side;
  const src = state[below];
  const wp = peak(w);
  const inputs = [];
  const weights = [];
  let slices = "";
  for (let c = 0; c < C; c++) {
    const xs = [];
    const ws = [];
    let part = 0;
    for (let di = 0; di < 3; di++)
      for (let dj = 0; dj < 3; dj++) {
        const xv = src[(c * H + i + di) * H + j + dj];
        const wv = w[((k * C + c) * 3 + di) * 3 + dj];
        xs.push(xv);
        ws.push(wv);
        part += xv * wv;
      }
    inputs.push(...xs);
    weights.push(...ws);
    slices += `<div class="slice"><span class="cap">${C > 1 ? `S2 map ${c}` : "input"}</span>
      ${tableOf(xs, 3, "x")}<span class="op">×</span>${tableOf(ws, 3, "w", wp)}
      <span class="op">=</span><span class="part">${fmt(part)}</span></div>`;
  }
  const sum = inputs.reduce((a, x, t) => a + x * weights[t], b[k]);
  const value = state[name][(k * (H - 2) + i) * (H - 2) + j];
  const [ni, nj] = [i, j];
  marks = traceDown(name, ni, nj, ni, nj);
  marks[name] = [{ k, i0: i, j0: j, i1: i, j1: j }];
  for (let c = 0; c < C; c++) (marks[name] ||= []).push({ kernel: true, k, c, i0: 0, j0: 0, i1: 2, j1: 2 });
  const rf = 1 + (name === "C1" ? 2 : 7);
  return {
    title: `${name} · map ${k} · row ${i}, col ${j}`,
    body: `<p>A 3×3 window of ${C > 1 ? `each of the ${C} S2 maps` : "the input"} (boxed; it sees ${rf}×${rf} input pixels),
      times ${C > 1 ? `this map's ${C} kernel slices` : "this map's kernel"}, summed:</p>
      <div class="slices">${slices}</div>
      <p class="sum">${C > 1 ? `${C} parts` : `${inputs.length} products`} ${fmt(sum - b[k])} + bias ${fmt(b[k])} =
      <b>${fmt(sum)}</b> → ReLU → <b>${fmt(Math.max(sum, 0))}</b></p>`,
    data: { stage: name, unit: [k, i, j], inputs, weights, bias: b[k], sum, relu: true, value },
  };
}

function explainPool(name, k, i, j) {
  const below = BELOW[name];
  const H = LAYOUT[below].side;
  const src = state[below];
  const inputs = [];
  for (let di = 0; di < 2; di++) for (let dj = 0; dj < 2; dj++) inputs.push(src[(k * H + 2 * i + di) * H + 2 * j + dj]);
  const win = inputs.indexOf(Math.max(...inputs));
  const value = state[name][(k * Math.floor(H / 2) + i) * Math.floor(H / 2) + j];
  marks = traceDown(name, i, j, i, j, { [below]: [k] });
  // Below the pooled map, the trace continues on every map that feeds it.
  marks[name] = [{ k, i0: i, j0: j, i1: i, j1: j }];
  const cells = inputs.map((v, t) => `<td class="${t === win ? "won" : ""}">${fmt(v)}</td>`);
  return {
    title: `${name} · map ${k} · row ${i}, col ${j}`,
    body: `<p>The 2×2 window of ${below} map ${k} (boxed) keeps its largest value:</p>
      <table class="x pool"><tr>${cells[0]}${cells[1]}</tr><tr>${cells[2]}${cells[3]}</tr></table>
      <p class="sum">max = <b>${fmt(value)}</b> (the ${["top-left", "top-right", "bottom-left", "bottom-right"][win]} one won)</p>`,
    data: { stage: name, unit: [k, i, j], inputs, pool: true, value },
  };
}

function nameOfInput(below, t) {
  if (below !== "S4") return `${below} unit ${t}`;
  const k = Math.floor(t / 36);
  return `S4 map ${k} (${Math.floor((t % 36) / 6)}, ${t % 6})`;
}

function explainLinear(name, u) {
  const layer = STAGE[name].layer;
  const { shape, w, b } = W[layer];
  const I = shape[1];
  const below = BELOW[name];
  const src = state[below];
  const inputs = Array.from(src);
  const weights = Array.from(w.subarray(u * I, (u + 1) * I));
  const terms = inputs.map((x, t) => ({ t, c: x * weights[t] }));
  const sum = terms.reduce((a, e) => a + e.c, b[u]);
  const sorted = terms.filter((e) => e.c !== 0).sort((p, q) => q.c - p.c);
  const most = sorted.slice(0, 5);
  const least = sorted.slice(-5).reverse().filter((e) => e.c < 0 && !most.includes(e));
  const shown = new Set([...most, ...least].map((e) => e.t));
  const rest = terms.filter((e) => !shown.has(e.t)).reduce((a, e) => a + e.c, 0);
  const zero = terms.filter((e) => inputs[e.t] === 0).length;
  const row = (e) => `<tr><td>${esc(nameOfInput(below, e.t))}</td><td>${fmt(inputs[e.t])}</td><td>× ${fmt(weights[e.t])}</td>
    <td class="${e.c < 0 ? "neg" : "pos"}">${fmt(e.c)}</td></tr>`;
  const relu = name !== "OUTPUT";
  const value = state[name][u];
  marks = {};
  if (below === "S4") {
    marks.S4 = [...most, ...least].map((e) => {
      const k = Math.floor(e.t / 36);
      const i = Math.floor((e.t % 36) / 6);
      return { k, i0: i, j0: e.t % 6, i1: i, j1: e.t % 6 };
    });
  } else marks[below] = [...most, ...least].map((e) => e.t);
  marks[name] = [u];
  const label = name === "OUTPUT" ? `OUTPUT · digit ${u}` : `${name} · unit ${u}`;
  const tail = relu ? `→ ReLU → <b>${fmt(Math.max(sum, 0))}</b>`
    : `: the score for ${u}; softmax${state.t === 1 ? "" : ` of the scores ÷ ${state.t.toFixed(3)} (calibrated)`} makes it `
      + `<b>${(100 * state.probs[u]).toFixed(1)}%</b>`;
  return {
    title: label,
    body: `<p>Each of the ${I} values of ${below} times its weight, summed (${zero} of the ${I} are 0 and add nothing).
      The inputs that add the most and the least:</p>
      <table class="terms"><tr><th>input</th><th>value</th><th>weight</th><th>adds</th></tr>
      ${most.map(row).join("")}<tr class="gap"><td colspan="3">the other ${I - shown.size}</td><td>${fmt(rest)}</td></tr>
      ${least.map(row).join("")}</table>
      <p class="sum">sum ${fmt(sum - b[u])} + bias ${fmt(b[u])} = <b>${fmt(sum)}</b> ${tail}
      <span class="torch">(PyTorch: ${fmt(value)})</span></p>`,
    data: { stage: name, unit: [u], inputs, weights, bias: b[u], sum, relu, value },
  };
}

function explainInput(i, j) {
  const v = state.INPUT[i * N + j];
  marks = { INPUT: [{ k: 0, i0: i, j0: j, i1: i, j1: j }] };
  return {
    title: `Input · row ${i}, col ${j}`,
    body: `<p>Ink ${fmt(v * 0.3081 + 0.1307)} (0 = paper, 1 = ink), normalised as MNIST was:
      (ink − 0.1307) / 0.3081 = <b>${fmt(v)}</b>. The network sees only these 32×32 numbers.</p>`,
    data: { stage: "INPUT", unit: [i, j], value: v },
  };
}

function inspect() {
  if (!state || !focus) return;
  const t0 = performance.now();
  const f = focus;
  let e;
  if (f.stage === "INPUT") e = explainInput(f.i, f.j);
  else if (f.stage === "C1" || f.stage === "C3") e = explainConv(f.stage, f.k, f.i, f.j);
  else if (f.stage === "S2" || f.stage === "S4") e = explainPool(f.stage, f.k, f.i, f.j);
  else e = explainLinear(f.stage, f.u);
  inspector.innerHTML = `<header><b>${esc(e.title)}</b> <span class="value">= ${fmt(e.data.value)}</span></header>${e.body}`;
  inspector.dataset.unit = JSON.stringify(e.data);
  drawAll();
  lightStage(f.stage);
  inspector.dataset.ms = (performance.now() - t0).toFixed(2);
}

// Which unit is under the pointer, in a stage's canvas or list.
function unitAt(name, ev) {
  const v = views[name];
  if (name === "OUTPUT") {
    const li = ev.target.closest("li[data-unit]");
    return li ? { stage: name, u: Number(li.dataset.unit) } : null;
  }
  const r = v.canvas.getBoundingClientRect();
  const x = ((ev.clientX - r.left) * v.canvas.width) / r.width;
  const y = ((ev.clientY - r.top) * v.canvas.height) / r.height;
  if (UNITS[name]) {
    const u = Math.floor(y / v.layout.cell) * v.layout.cols + Math.floor(x / v.layout.cell);
    return x >= 0 && u >= 0 && u < v.layout.count ? { stage: name, u } : null;
  }
  for (const cell of v.layout.cells) {
    const size = cell.side * cell.scale;
    if (cell.kind !== "map" || x < cell.x || y < cell.y || x >= cell.x + size || y >= cell.y + size) continue;
    return { stage: name, k: cell.k, i: Math.floor((y - cell.y) / cell.scale), j: Math.floor((x - cell.x) / cell.scale) };
  }
  return null;
}

function pick(ev, pin) {
  const card = ev.target.closest(".stage");
  if (!card || !state) return;
  const u = unitAt(card.dataset.stage, ev);
  if (!u) return;
  const same = focus && JSON.stringify(focus) === JSON.stringify(u);
  if (!pin && pinned) return; // a tapped unit stays while the mouse moves on; tap it again to let go
  if (pin) pinned = !(pinned && same);
  focus = u;
  inspect();
}
let pinned = false;

// -- stages and code light each other up -----------------------------------------------------------

function lightStage(name) {
  for (const card of flow.querySelectorAll(".stage")) card.classList.toggle("lit", card.dataset.stage === name);
  for (const ln of codeBox.querySelectorAll(".ln")) ln.classList.toggle("lit", ln.dataset.stage === name);
  root.dataset.lit = name || "";
}

function codeLine(ev) {
  const ln = ev.target.closest(".ln[data-stage]");
  if (!ln) return;
  lightStage(ln.dataset.stage);
  if (ev.type === "click") views[ln.dataset.stage].card.scrollIntoView({ block: "nearest", behavior: "smooth" });
}

flow.addEventListener("pointermove", (ev) => ev.pointerType === "mouse" && pick(ev, false));
flow.addEventListener("click", (ev) => pick(ev, true));
flow.addEventListener("keydown", (ev) => ev.key === "Enter" && pick(ev, true));
codeBox.addEventListener("pointerover", codeLine);
codeBox.addEventListener("click", codeLine);

// -- each reading ----------------------------------------------------------------------------------

function show() {
  const t0 = performance.now();
  const value = props.value;
  state = value && value.x ? run(value) : null;
  for (const name of Object.keys(bases)) delete bases[name];
  root.dataset.ready = state ? "1" : "0";
  root.dataset.digit = state ? String(state.digit) : "";
  root.dataset.input = state ? value.x : "";
  agree.textContent = state
    ? `C1–S4 are computed in your browser from the same weights; its F5 agrees with PyTorch's to ${state.diff.toExponential(1)}.` +
      (state.network !== undefined
        ? ` The network alone reads ${state.network}; your earlier drawings made it ${state.digit}.`
        : "")
    : "";
  if (state && focus) inspect(); // the unit inspected follows the drawing
  else {
    marks = {};
    drawAll();
    if (!state) {
      focus = null;
      pinned = false;
    }
  }
  root.dataset.ms = (performance.now() - t0).toFixed(2); // this reading's forward pass and drawing, in the page
}

watch("value", show);
show();
