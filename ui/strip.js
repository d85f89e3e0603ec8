// The digit strip, run by gr.HTML's js_on_load with `element`, `trigger` and `props`.
// Python sends props.value = {digits: [{digit, sure, src, selected}, ...], selected}; the template
// (strip.py) draws one button per digit. A click marks that digit picked, at once and locally, and
// tells Python with trigger("input"), which then shows that digit's top 3 and maps from the reading
// it kept: no new reading is made.

function pick(e) {
  const button = e.target.closest("button[data-index]");
  const value = props.value;
  if (!button || !value || !Array.isArray(value.digits)) return;
  const k = Number(button.dataset.index);
  if (k === value.selected) return; // already shown
  // A new object, so gr.HTML re-renders the template with the new selection.
  props.value = {
    ...value,
    selected: k,
    digits: value.digits.map((d, i) => ({ ...d, selected: i === k })),
  };
  trigger("input");
}

// One listener on the strip's own root element (buttons come and go with each reading); it goes with it.
element.addEventListener("click", pick);
