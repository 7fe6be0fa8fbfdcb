"""A drawing pad for the Draw page: a Streamlit ``components.v2`` component, no build step.

The browser keeps the strokes on a square canvas (mouse, pen or finger through pointer
events). On each pointer up it averages the ink over blocks of the canvas into a
``side x side`` grey image (0 = paper, 255 = full ink) and sends it as the component's
``pixels`` state, a flat list read row by row; Clear sends ``null``. Python checks what
arrives with :func:`compression.drawing.parse_drawing` before any use.
"""

from __future__ import annotations

import streamlit as st

from compression.drawing import DRAWING_SIDE

CANVAS_PIXELS = 280  # canvas side in CSS pixels: 5 per grey pixel sent
PEN_WIDTH = 20  # stroke width in canvas pixels (MNIST strokes are about 2-3 of 28)
assert CANVAS_PIXELS % DRAWING_SIDE == 0, "each grey pixel averages a whole block"

_HTML = """
<div class="pad">
  <canvas class="ink"
          aria-label="Drawing area: draw one digit or piece of clothing"></canvas>
  <button type="button" class="clear">Clear</button>
</div>
"""

_CSS = """
.pad { display: flex; flex-direction: column; align-items: flex-start; gap: 0.5rem; }
.ink {
  background: #fff; cursor: crosshair;
  border: 1px solid var(--st-border-color, #ccc); border-radius: 6px; touch-action: none;
}
.clear {
  font: inherit; padding: 0.25rem 0.9rem; cursor: pointer;
  border: 1px solid var(--st-border-color, #ccc); border-radius: 6px;
  background: var(--st-secondary-background-color, #f0f2f6); color: inherit;
}
"""

_JS = """
export default function ({ parentElement, data, setStateValue }) {
  const canvas = parentElement.querySelector("canvas.ink");
  canvas.sendPixels = (pixels) => setStateValue("pixels", pixels);  // this run's sender
  if (canvas.dataset.ready) return;  // a rerun: the strokes and listeners stay
  canvas.dataset.ready = "1";
  const side = data.side, pen = data.pen;
  canvas.width = canvas.height = data.size;  // before any stroke: resizing wipes a canvas
  canvas.style.width = canvas.style.height = `${data.size}px`;
  const block = canvas.width / side;
  const pad = canvas.getContext("2d", { willReadFrequently: true });
  pad.lineCap = "round";
  pad.lineJoin = "round";
  pad.lineWidth = pen;
  pad.strokeStyle = "#000";
  let last = null;

  const at = (event) => {
    const box = canvas.getBoundingClientRect();
    return [(event.clientX - box.left) * canvas.width / box.width,
            (event.clientY - box.top) * canvas.height / box.height];
  };
  const line = (from, to) => {
    pad.beginPath();
    pad.moveTo(from[0], from[1]);
    pad.lineTo(to[0], to[1]);
    pad.stroke();
  };
  // ink of each block x block square, averaged: the alpha channel holds the strokes
  const grey = () => {
    const alpha = pad.getImageData(0, 0, canvas.width, canvas.height).data;
    const sums = new Float64Array(side * side);
    for (let y = 0; y < canvas.height; y++) {
      for (let x = 0; x < canvas.width; x++) {
        const cell = Math.floor(y / block) * side + Math.floor(x / block);
        sums[cell] += alpha[4 * (y * canvas.width + x) + 3];
      }
    }
    return Array.from(sums, (sum) => Math.round(sum / (block * block)));
  };

  canvas.addEventListener("pointerdown", (event) => {
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    last = at(event);
    line(last, last);
  });
  canvas.addEventListener("pointermove", (event) => {
    if (last === null) return;
    const next = at(event);
    line(last, next);
    last = next;
  });
  const finish = () => {
    if (last === null) return;
    last = null;
    canvas.sendPixels(grey());
  };
  canvas.addEventListener("pointerup", finish);
  canvas.addEventListener("pointercancel", finish);
  parentElement.querySelector("button.clear").addEventListener("click", () => {
    pad.clearRect(0, 0, canvas.width, canvas.height);
    canvas.sendPixels(null);
  });
}
"""

_PAD = st.components.v2.component("compression_explorer.drawing_pad", html=_HTML, css=_CSS, js=_JS)


def drawing_pad(key: str) -> object:
    """Mount the pad; what the browser last sent as ``pixels`` (None before any drawing).

    The value is unchecked browser input: pass it to ``parse_drawing``."""
    result = _PAD(
        key=key,
        data={"side": DRAWING_SIDE, "size": CANVAS_PIXELS, "pen": PEN_WIDTH},
        default={"pixels": None},
        on_pixels_change=lambda: None,
        width=CANVAS_PIXELS + 4,
    )
    return result.get("pixels")
