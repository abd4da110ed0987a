// The frame view: the frame, the mask overlay and the prompts on one canvas, and the pointer
// gestures that make prompts (click, shift-click / right-click, drag a box).

import { overlayCanvas } from './masks.js';

const DRAG_MIN = 6; // CSS pixels before a press becomes a box

export class FrameView {
  // onPrompt({type, x, y} | {type: 'box', x0, y0, x1, y1}) in full-resolution pixels.
  constructor(canvas, onPrompt) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.onPrompt = onPrompt;
    this.image = null;        // the frame (HTMLImageElement)
    this.overlay = null;      // canvas of the masks
    this.prompts = [];        // prompts drawn on this frame
    this.full = { w: 1, h: 1 };
    this.drag = null;
    canvas.addEventListener('pointerdown', (e) => this.down(e));
    canvas.addEventListener('pointermove', (e) => this.move(e));
    canvas.addEventListener('pointerup', (e) => this.up(e));
    canvas.addEventListener('contextmenu', (e) => e.preventDefault());
  }

  // Size the canvas for a video: preview pixels on screen, full-resolution prompt coordinates.
  setVideo(info) {
    this.canvas.width = info.preview_width;
    this.canvas.height = info.preview_height;
    this.full = { w: info.width, h: info.height };
    this.image = null;
    this.overlay = null;
    this.prompts = [];
    this.draw();
  }

  setImage(img) { this.image = img; this.draw(); }

  setMasks(masks) {
    this.overlay = masks && masks.length ? overlayCanvas(masks, this.full.w, this.full.h) : null;
    this.draw();
  }

  setPrompts(p) { this.prompts = p; this.draw(); }

  // From a pointer event to full-resolution pixel coordinates (clamped into the frame).
  toFull(e) {
    const r = this.canvas.getBoundingClientRect();
    const fx = (e.clientX - r.left) / r.width, fy = (e.clientY - r.top) / r.height;
    return {
      x: Math.max(0, Math.min(this.full.w - 1, Math.floor(fx * this.full.w))),
      y: Math.max(0, Math.min(this.full.h - 1, Math.floor(fy * this.full.h))),
      cx: e.clientX, cy: e.clientY,
    };
  }

  down(e) {
    if (!this.image) return;
    e.preventDefault();
    this.canvas.setPointerCapture(e.pointerId);
    this.drag = { start: this.toFull(e), now: null, negative: e.shiftKey || e.button === 2 };
  }

  move(e) {
    if (!this.drag) return;
    const p = this.toFull(e);
    if (Math.hypot(p.cx - this.drag.start.cx, p.cy - this.drag.start.cy) >= DRAG_MIN) {
      this.drag.now = p;
      this.draw();
    }
  }

  up(e) {
    if (!this.drag) return;
    const d = this.drag;
    this.drag = null;
    const p = this.toFull(e);
    if (d.now && Math.hypot(p.cx - d.start.cx, p.cy - d.start.cy) >= DRAG_MIN) {
      this.onPrompt({
        type: 'box', x0: Math.min(d.start.x, p.x), y0: Math.min(d.start.y, p.y),
        x1: Math.max(d.start.x, p.x), y1: Math.max(d.start.y, p.y),
      });
    } else {
      this.onPrompt({ type: d.negative ? 'negative' : 'positive', x: d.start.x, y: d.start.y });
    }
    this.draw();
  }

  draw() {
    const { ctx, canvas } = this;
    const sx = canvas.width / this.full.w, sy = canvas.height / this.full.h;
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    if (this.image) ctx.drawImage(this.image, 0, 0, canvas.width, canvas.height);
    if (this.overlay) ctx.drawImage(this.overlay, 0, 0, canvas.width, canvas.height);
    for (const p of this.prompts) {
      if (p.type === 'box') this.box(p.x0 * sx, p.y0 * sy, (p.x1 - p.x0) * sx, (p.y1 - p.y0) * sy, '#ffd84d');
      else this.dot(p.x * sx, p.y * sy, p.type === 'positive' ? '#3ddc84' : '#ff4d4d');
    }
    if (this.drag && this.drag.now) {
      const a = this.drag.start, b = this.drag.now;
      this.box(Math.min(a.x, b.x) * sx, Math.min(a.y, b.y) * sy, Math.abs(b.x - a.x) * sx,
        Math.abs(b.y - a.y) * sy, '#ffffff');
    }
  }

  dot(x, y, colour) {
    const { ctx } = this;
    ctx.beginPath();
    ctx.arc(x, y, 5, 0, 2 * Math.PI);
    ctx.fillStyle = colour;
    ctx.fill();
    ctx.lineWidth = 2;
    ctx.strokeStyle = '#000';
    ctx.stroke();
  }

  box(x, y, w, h, colour) {
    const { ctx } = this;
    ctx.lineWidth = 2;
    ctx.setLineDash([6, 4]);
    ctx.strokeStyle = colour;
    ctx.strokeRect(x, y, w, h);
    ctx.setLineDash([]);
  }
}

// The before/after view: the source frame left of the split, the result right of it.
export class CompareView {
  constructor(canvas, slider) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.slider = slider;
    this.before = null;
    this.after = null;
    slider.addEventListener('input', () => this.draw());
  }

  set(before, after) {
    this.before = before;
    this.after = after;
    const ref = after || before;
    if (ref) {
      this.canvas.width = ref.naturalWidth;
      this.canvas.height = ref.naturalHeight;
    }
    this.draw();
  }

  draw() {
    const { ctx, canvas } = this;
    const split = Math.round(canvas.width * this.slider.value / 1000);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    if (this.before) ctx.drawImage(this.before, 0, 0, canvas.width, canvas.height);
    if (this.after) {
      ctx.save();
      ctx.beginPath();
      ctx.rect(split, 0, canvas.width - split, canvas.height);
      ctx.clip();
      ctx.drawImage(this.after, 0, 0, canvas.width, canvas.height);
      ctx.restore();
    }
    ctx.fillStyle = '#fff';
    ctx.fillRect(split - 1, 0, 2, canvas.height);
    ctx.font = '14px system-ui, sans-serif';
    ctx.fillText('before', 8, 20);
    ctx.fillText('after', canvas.width - 44, 20);
  }
}
