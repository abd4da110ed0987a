// Masks as the server sends them: run lengths over the rows, alternating background and
// object, starting with background. Painted as a coloured, half-transparent overlay.

export const COLOURS = [
  [255, 64, 96], [64, 200, 255], [255, 200, 40], [120, 230, 90],
  [200, 110, 255], [255, 140, 40], [40, 230, 200], [240, 240, 240],
];

export function colour(id) {
  return COLOURS[(id - 1) % COLOURS.length];
}

export function cssColour(id) {
  const [r, g, b] = colour(id);
  return `rgb(${r}, ${g}, ${b})`;
}

// Paint the object pixels of runs into rgba (ImageData.data, w*h*4) in colour c, alpha a.
export function paintRuns(rgba, runs, c, a) {
  let pos = 0;
  const total = rgba.length / 4;
  for (let i = 0; i < runs.length && pos < total; i++) {
    const end = Math.min(total, pos + runs[i]);
    if (i % 2) {
      for (let p = pos * 4; p < end * 4; p += 4) {
        rgba[p] = c[0]; rgba[p + 1] = c[1]; rgba[p + 2] = c[2]; rgba[p + 3] = a;
      }
    }
    pos = end;
  }
}

// Mark the boundary of each painted region opaque, so the outline reads on any background.
export function outline(rgba, w, h) {
  const out = new Uint8ClampedArray(rgba);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = (y * w + x) * 4;
      if (!rgba[p + 3]) continue;
      const edge = x === 0 || y === 0 || x === w - 1 || y === h - 1 ||
        !rgba[p - 4 + 3] || !rgba[p + 4 + 3] || !rgba[p - w * 4 + 3] || !rgba[p + w * 4 + 3];
      if (edge) out[p + 3] = 255;
    }
  }
  return out;
}

// A canvas (w x h) holding the overlay of masks [{object, rle}].
export function overlayCanvas(masks, w, h) {
  const c = document.createElement('canvas');
  c.width = w; c.height = h;
  const ctx = c.getContext('2d');
  const img = ctx.createImageData(w, h);
  for (const m of masks) paintRuns(img.data, m.rle, colour(m.object), 110);
  img.data.set(outline(img.data, w, h));
  ctx.putImageData(img, 0, 0);
  return c;
}
