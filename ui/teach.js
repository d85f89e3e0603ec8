// The correction row and the writer's examples, run by gr.HTML's js_on_load with `element`, `trigger`,
// `props` and `watch`. The examples live in this browser only (localStorage, props.storage_key) and go
// with every reading as this component's value: {examples: JSON of [{strokes, digit}, ...]}, the newest last,
// at most props.max_examples. Python sets props.pending (what the reading shown is made of: one
// {strokes, digit} per digit read) and props.selected (the digit the row corrects).

const row = element.querySelector(".digits");
const count = element.querySelector(".count");
const root = element.querySelector(".teach");
let pending = []; // the reading shown

function load() {
  try {
    const saved = JSON.parse(localStorage.getItem(props.storage_key) || "[]");
    return Array.isArray(saved) ? saved.slice(-props.max_examples) : [];
  } catch {
    return []; // unreadable storage: start afresh rather than send junk
  }
}

let examples = load();

function save(ask) {
  examples = examples.slice(-props.max_examples);
  try {
    localStorage.setItem(props.storage_key, JSON.stringify(examples));
  } catch {
    // storage full or denied: the examples still go with this page's readings
  }
  props.value = { examples: JSON.stringify(examples) }; // one string: Gradio copies props value by value
  root.dataset.count = String(examples.length);
  count.textContent = examples.length
    ? `The network has learned from ${examples.length} of your digits.`
    : "Correct a reading and the next ones adapt to your handwriting.";
  element.querySelector(".forget").disabled = !examples.length;
  if (ask) trigger("input"); // read the drawing again with the examples as they are now
}

for (let d = 0; d < 10; d++)
  row.insertAdjacentHTML("beforeend", `<button type="button" data-digit="${d}" aria-label="It is a ${d}">${d}</button>`);

function teach(e) {
  const button = e.target.closest("button[data-digit]");
  const k = props.selected;
  if (!button || !pending.length || k < 0 || k >= pending.length) return;
  const digit = Number(button.dataset.digit);
  remember([{ strokes: pending[k].strokes, digit }]);
  pending = pending.map((p, i) => (i === k ? { ...p, digit, taught: true } : p));
  root.dataset.taught = String(digit);
  save(true);
}

function forget() {
  examples = [];
  pending = [];
  save(true);
}

// Add examples, each at most once (a taught digit read again as taught is not a new example).
function remember(items) {
  const known = new Set(examples.map((e) => JSON.stringify(e.strokes)));
  for (const item of items) {
    const key = JSON.stringify(item.strokes);
    if (known.has(key)) examples = examples.filter((e) => JSON.stringify(e.strokes) !== key);
    examples.push({ strokes: item.strokes, digit: item.digit });
    known.add(key);
  }
}

// A new reading. When the drawing was cleared (nothing pending any more), what was read before and left
// uncorrected is accepted as read: its digits become examples too.
function onPending() {
  const next = Array.isArray(props.pending) ? props.pending : [];
  if (!next.length && pending.length) {
    const accepted = pending.filter((p) => !p.taught);
    if (accepted.length) {
      remember(accepted);
      save(false);
    }
  }
  pending = next.map((p) => ({ ...p }));
  root.classList.toggle("idle", !pending.length);
  delete root.dataset.taught;
}

element.addEventListener("click", (e) => (e.target.closest(".forget") ? forget() : teach(e)));
watch("pending", onPending);
save(false);
onPending();
