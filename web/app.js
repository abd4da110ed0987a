// The page: open a video, click objects into masks, track them, remove them, compare and
// download. All state that matters lives on the server; this keeps what the view needs.

import * as api from './api.js';
import { cssColour } from './masks.js';
import { FrameView, CompareView } from './view.js';

const $ = (id) => document.getElementById(id);

const state = {
  video: null,          // the server's description of the open video
  frame: 0,
  nFrames: 0,           // frames known so far (all once decoded)
  objects: [],          // [{id, keyframes, masked_frames}]
  active: 0,            // the object clicks go to
  masks: [],            // masks of the shown frame [{object, key, rle}]
  prompts: new Map(),   // "object:frame" → {list: [...], base: rle of a tracked mask or null}
  candidates: null,     // the last segmentation's answer
  chosen: 0,
  seq: 0,               // drops answers to requests that newer ones replaced
  playing: null,
  result: null,         // {job, video}
  jobs: {},
  options: [],
};

// Figures the browser test reads.
window.vanishStats = { clickToMaskMs: [], solveMs: [], solveCpuMs: [], masksShown: 0, liveFrames: [], prepared: null };

const view = new FrameView($('frame-canvas'), onPrompt);
const compare = new CompareView($('compare-canvas'), $('split'));

// ---- messages --------------------------------------------------------------------------------

function showError(e) {
  const msg = e && e.message ? e.message : String(e);
  $('error').textContent = msg;
  $('error').hidden = false;
}

function clearError() {
  $('error').hidden = true;
  $('error').textContent = '';
}

function status(text) { $('status').textContent = text; }

// Run an action, showing its failure on the page in the server's words.
async function guard(fn) {
  try { return await fn(); } catch (e) { showError(e); return undefined; }
}

// ---- opening ---------------------------------------------------------------------------------

$('open-file').addEventListener('change', async (e) => {
  const file = e.target.files[0];
  e.target.value = '';
  if (!file) return;
  clearError();
  status(`uploading ${file.name}…`);
  const ok = await guard(async () => {
    const info = await api.upload(file, (f) => status(`uploading ${file.name}… ${Math.round(f * 100)}%`));
    status('');
    await openVideo(info);
    return true;
  });
  if (!ok) status('');
});

$('open-path-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  clearError();
  await guard(async () => openVideo(await api.post('/api/videos/open', { path: $('open-path').value })));
});

async function openVideo(info) {
  stopPlay();
  state.video = info;
  state.frame = 0;
  state.nFrames = info.n_decoded;
  state.masks = [];
  state.prompts.clear();
  state.candidates = null;
  state.result = null;
  $('result-box').hidden = true;
  $('compare-box').hidden = true;
  $('progress-box').hidden = true;
  $('empty-hint').hidden = true;
  $('video-name').textContent = `${info.name} · ${info.width}×${info.height}`;
  view.setVideo(info);
  const q = new URLSearchParams(location.search);
  q.set('video', info.id);
  history.replaceState(null, '', `?${q}`);
  for (const id of ['play', 'frame-slider', 'add-object', 'track-button', 'remove-button', 'find-watermark'])
    $(id).disabled = false;
  setWatermarkNote('', WATERMARK_HINT);
  state.objects = info.objects;
  if (!state.objects.length) await addObject();
  else state.active = state.objects[0].id;
  renderObjects();
  watchDecode();
  await showFrame(0);
}

// Poll the video until it is decoded, growing the scrub bar as frames arrive.
async function watchDecode() {
  const id = state.video.id;
  for (;;) {
    const info = await guard(() => api.get(`/api/videos/${id}`));
    if (!info || !state.video || state.video.id !== id) return;
    state.nFrames = info.n_decoded;
    state.video = { ...state.video, ...info };
    $('frame-slider').max = Math.max(0, (info.decoded ? info.n_frames : Math.max(info.n_frames_header, info.n_decoded)) - 1);
    updateFrameNumber();
    if (info.error) { showError(`decoding failed: ${info.error}`); return; }
    if (info.decoded) { status(''); return; }
    status(`decoding ${info.n_decoded} frames…`);
    await sleep(400);
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- frames ----------------------------------------------------------------------------------

function frameUrl(videoId, n) {
  return api.url(`/api/videos/${videoId}/frames/${n}`);
}

function loadImage(src) {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error(`cannot load frame (${src.split('?')[0]})`));
    img.src = src;
  });
}

function updateFrameNumber() {
  const total = state.video ? (state.video.decoded ? state.video.n_frames : `${state.nFrames}…`) : '–';
  $('frame-number').textContent = state.video ? `${state.frame} / ${total}` : '–';
}

// Show frame n: the picture, the masks of every object, the prompts of the active one.
async function showFrame(n) {
  if (!state.video) return;
  state.frame = n;
  $('frame-slider').value = n;
  updateFrameNumber();
  const vid = state.video.id;
  const img = await guard(() => loadImage(frameUrl(vid, n)));
  if (!img || state.frame !== n || state.video.id !== vid) return;
  view.setImage(img);
  await refreshMasks();
  updateCompare(img);
  prepareSoon();
}

// Once the view rests on a frame, have the server open its segmenter session, so that the
// first click there costs only the solve.
let prepareTimer = null;
function prepareSoon() {
  clearTimeout(prepareTimer);
  if (state.playing) return;
  prepareTimer = setTimeout(() => {
    if (!state.video || state.playing) return;
    const frame = state.frame, t0 = performance.now();
    api.post(`/api/videos/${state.video.id}/prepare`, { frame })
      .then(() => { window.vanishStats.prepared = { frame, ms: performance.now() - t0 }; })
      .catch(() => {});
  }, 150);
}

async function refreshMasks() {
  const n = state.frame, vid = state.video.id;
  const m = await guard(() => api.get(`/api/videos/${vid}/masks/${n}`));
  if (!m || state.frame !== n || state.video.id !== vid) return;
  state.masks = m.masks;
  view.setMasks(state.masks);
  view.setPrompts(currentPrompts().list);
  renderCandidates();
}

$('frame-slider').addEventListener('input', (e) => {
  stopPlay();
  showFrame(Number(e.target.value));
});

function step(d) {
  const max = Number($('frame-slider').max);
  const n = Math.max(0, Math.min(max, state.frame + d));
  if (n !== state.frame) showFrame(n);
}

// Play at the video's rate, never faster than frames load.
function startPlay() {
  if (!state.video || state.playing) return;
  const rate = state.video.frame_rate;
  const dt = rate && rate[0] > 0 ? (1000 * rate[1]) / rate[0] : 40;
  $('play').textContent = '❚❚';
  const tick = async () => {
    if (!state.playing) return;
    const max = Number($('frame-slider').max);
    const t0 = performance.now();
    await showFrame(state.frame >= max ? 0 : state.frame + 1);
    if (state.playing) state.playing = setTimeout(tick, Math.max(0, dt - (performance.now() - t0)));
  };
  state.playing = setTimeout(tick, 0);
}

function stopPlay() {
  if (state.playing) clearTimeout(state.playing);
  state.playing = null;
  $('play').textContent = '▶';
}

$('play').addEventListener('click', () => (state.playing ? stopPlay() : startPlay()));

document.addEventListener('keydown', (e) => {
  if (!state.video || e.target.tagName === 'INPUT' && e.target.type === 'text') return;
  if (e.key === 'ArrowRight') { stopPlay(); step(1); e.preventDefault(); }
  else if (e.key === 'ArrowLeft') { stopPlay(); step(-1); e.preventDefault(); }
  else if (e.key === ' ' && e.target.tagName !== 'BUTTON') { state.playing ? stopPlay() : startPlay(); e.preventDefault(); }
  else if ((e.ctrlKey || e.metaKey) && e.key === 'z') { undo(); e.preventDefault(); }
});

// ---- objects ---------------------------------------------------------------------------------

async function addObject() {
  const r = await guard(() => api.post(`/api/videos/${state.video.id}/objects`));
  if (!r) return;
  state.objects.push({ id: r.id, keyframes: [], masked_frames: 0 });
  state.active = r.id;
  renderObjects();
  view.setPrompts(currentPrompts().list);
}

$('add-object').addEventListener('click', () => { clearError(); addObject(); });

async function refreshObjects() {
  const info = await guard(() => api.get(`/api/videos/${state.video.id}`));
  if (!info) return;
  state.objects = info.objects;
  if (!state.objects.find((o) => o.id === state.active))
    state.active = state.objects.length ? state.objects[0].id : 0;
  renderObjects();
}

function renderObjects() {
  const ul = $('object-list');
  ul.replaceChildren();
  for (const o of state.objects) {
    const li = document.createElement('li');
    li.dataset.object = o.id;
    li.className = o.id === state.active ? 'active' : '';
    const sw = document.createElement('span');
    sw.className = 'swatch';
    sw.style.background = cssColour(o.id);
    const info = document.createElement('span');
    info.className = 'info';
    const keys = o.keyframes.length;
    if (o.static) {
      info.textContent = `Watermark ${o.id} · ` + (o.masked_frames ? 'every frame' : 'no mask');
      info.title = 'One mask for every frame: a click on any frame edits it everywhere';
    } else
      info.textContent = `Object ${o.id}` + (o.masked_frames ? ` · ${o.masked_frames} frames · ${keys} key` : '');
    const del = document.createElement('button');
    del.className = 'del';
    del.title = o.static ? 'Delete this watermark' : 'Delete this object';
    del.textContent = '×';
    del.addEventListener('click', async (e) => {
      e.stopPropagation();
      clearError();
      if (await guard(() => api.del(`/api/videos/${state.video.id}/objects/${o.id}`))) {
        for (const key of [...state.prompts.keys()]) if (key.startsWith(`${o.id}:`)) state.prompts.delete(key);
        await refreshObjects();
        await refreshMasks();
      }
    });
    li.append(sw, info, del);
    li.addEventListener('click', () => {
      state.active = o.id;
      state.candidates = null;
      renderObjects();
      view.setPrompts(currentPrompts().list);
      renderCandidates();
    });
    ul.append(li);
  }
  const has = currentPrompts().list.length > 0;
  const active = state.objects.find((o) => o.id === state.active);
  $('undo').disabled = !has;
  $('clear').disabled = !state.masks.some((m) => m.object === state.active) && !has;
  $('clear').title = active && active.static ? "Clear this watermark's mask (on every frame)"
    : "Clear this object's mask on this frame";
}

// ---- clicks → masks --------------------------------------------------------------------------

function currentPrompts() {
  const key = `${state.active}:${state.frame}`;
  if (!state.prompts.has(key)) state.prompts.set(key, { list: [], base: null });
  return state.prompts.get(key);
}

// A new prompt on the shown frame: segment with every prompt of this object on this frame.
async function onPrompt(p) {
  if (!state.video) return;
  clearError();
  stopPlay();
  const t0 = performance.now();
  if (!state.active) await addObject();
  const pr = currentPrompts();
  if (!pr.list.length) {
    // Correcting a tracked mask: the clicks refine it rather than start over.
    const tracked = state.masks.find((m) => m.object === state.active && !m.key);
    pr.base = tracked ? tracked.rle : null;
  }
  pr.list.push(p);
  view.setPrompts(pr.list);
  await segment(pr, t0);
}

async function segment(pr, t0) {
  const seq = ++state.seq, frame = state.frame, object = state.active, vid = state.video.id;
  const body = { frame, object, prompts: pr.list };
  if (pr.base) body.refine_mask = pr.base;
  status('segmenting…');
  const r = await guard(() => api.post(`/api/videos/${vid}/segment`, body));
  status('');
  if (!r || seq !== state.seq || state.frame !== frame || state.video.id !== vid) return;
  state.candidates = r;
  state.chosen = 0;
  setObjectMask(object, r.candidates.length ? r.candidates[0].rle : null);
  renderCandidates();
  renderObjects();
  requestAnimationFrame(() => {
    window.vanishStats.clickToMaskMs.push(performance.now() - t0);
    window.vanishStats.solveMs.push(r.solve_ms);
    window.vanishStats.solveCpuMs.push(r.solve_cpu_ms);
    window.vanishStats.masksShown++;
    $('frame-canvas').dataset.masksShown = String(window.vanishStats.masksShown);
  });
  refreshObjects();
}

function setObjectMask(object, rle) {
  state.masks = state.masks.filter((m) => m.object !== object);
  if (rle) state.masks.push({ object, key: true, rle });
  view.setMasks(state.masks);
}

function renderCandidates() {
  const c = state.candidates;
  const show = c && c.frame === state.frame && c.object === state.active && c.candidates.length > 1;
  $('candidates').hidden = !show;
  const list = $('candidate-list');
  list.replaceChildren();
  if (!show) return;
  c.candidates.forEach((cand, i) => {
    const b = document.createElement('button');
    b.textContent = `${cand.kind} ${(cand.score * 100).toFixed(0)}%`;
    b.title = `${cand.area} pixels`;
    b.dataset.testid = `candidate-${i}`;
    b.className = i === state.chosen ? 'chosen' : '';
    b.addEventListener('click', async () => {
      clearError();
      const ok = await guard(() => api.post(`/api/videos/${state.video.id}/select`,
        { frame: c.frame, object: c.object, candidate: i }));
      if (!ok) return;
      state.chosen = i;
      setObjectMask(c.object, cand.rle);
      renderCandidates();
    });
    list.append(b);
  });
}

// Undo the last prompt of the active object on this frame: segment again with the prompts
// before it; past the first, back to what the frame had before the clicks (the tracked mask,
// or none).
async function undo() {
  const pr = currentPrompts();
  if (!pr.list.length) return;
  clearError();
  pr.list.pop();
  view.setPrompts(pr.list);
  if (pr.list.length) await segment(pr, performance.now());
  else if (pr.base) await restoreTracked(pr);
  else await clearFrame(false);
  renderObjects();
}

// Put back the tracked mask that the first click on this frame replaced.
async function restoreTracked(pr) {
  const object = state.active, frame = state.frame, vid = state.video.id, base = pr.base;
  ++state.seq;
  state.candidates = null;
  pr.base = null;
  const ok = await guard(() => api.post(`/api/videos/${vid}/objects/${object}/masks/${frame}`, { rle: base, key: false }));
  if (!ok) { pr.base = base; return; }
  await refreshObjects();
  if (state.frame === frame && state.video.id === vid) await refreshMasks();
}

async function clearFrame(all) {
  const pr = currentPrompts();
  pr.list = [];
  pr.base = null;
  state.candidates = null;
  const q = all ? {} : { frame: state.frame };
  await guard(() => api.del(`/api/videos/${state.video.id}/objects/${state.active}/masks`, q));
  await refreshObjects();
  await refreshMasks();
}

$('undo').addEventListener('click', () => undo());
$('clear').addEventListener('click', () => { clearError(); clearFrame(false); });

// ---- jobs ------------------------------------------------------------------------------------

// What the page calls the jobs and their stages.
const JOB_NAMES = { track: 'track', remove: 'remove', overlay: 'find watermark' };
const STAGE_NAMES = { detect: 'looking for edges that stay put', overlay: 'measuring its opacity' };
const jobName = (job) => JOB_NAMES[job.kind] || job.kind;

function showProgress(job) {
  $('progress-box').hidden = false;
  $('progress').value = job.progress;
  const frames = job.n_frames ? ` · frame ${job.frames_done} of ${job.n_frames}` : '';
  const stage = job.kind === 'overlay' ? STAGE_NAMES[job.stage] || job.stage : job.stage;
  const pct = job.state === 'running' && job.progress >= 1 ? 'finishing' : `${Math.round(job.progress * 100)}%`;
  $('progress-text').textContent = `${jobName(job)}: ${stage} ${pct}${frames}`;
}

// Follow a job until it ends, with a Cancel button while it runs; returns its last status.
async function follow(job, onTick) {
  state.jobs.current = job.id;
  $('cancel-button').hidden = false;
  try {
    for (;;) {
      showProgress(job);
      if (onTick) await onTick(job);
      if (job.state !== 'running') return job;
      await sleep(300);
      const j = await guard(() => api.get(`/api/jobs/${job.id}`));
      if (!j) return { ...job, state: 'failed', error: 'lost the job' };
      job = j;
    }
  } finally {
    if (state.jobs.current === job.id) {
      state.jobs.current = null;
      $('cancel-button').hidden = true;
    }
  }
}

// The buttons that start jobs: one job at a time from the page, so that the progress bar and
// its Cancel button are that job's.
function jobButtons(disabled) {
  for (const id of ['find-watermark', 'track-button', 'remove-button']) $(id).disabled = disabled;
}

function ended(job) {
  if (job.state === 'failed') showError(`${jobName(job)} failed: ${job.error}`);
  else if (job.state === 'cancelled') status(`${jobName(job)} cancelled`);
}

// ---- finding a watermark ---------------------------------------------------------------------

const WATERMARK_HINT = 'Finds a static logo or watermark by itself and adds it as an object with the same mask on every frame ' +
  '(found again, it replaces that object).';

// The note under "Find watermark": kind '' (a hint), 'found', 'none' or 'cancelled'.
function setWatermarkNote(kind, text) {
  const note = $('watermark-note');
  note.textContent = text;
  note.className = kind === 'found' ? 'small note' : kind === 'none' ? 'small note none' : 'muted small';
  note.dataset.state = kind;
}

$('find-watermark').addEventListener('click', async () => {
  clearError();
  stopPlay();
  const vid = state.video.id;
  const before = state.objects.find((o) => o.static); // a watermark found before: replaced
  jobButtons(true);
  setWatermarkNote('', 'Looking for a watermark: it reads the whole video twice…');
  const job = await guard(() => api.post(`/api/videos/${vid}/detect-overlay`));
  if (!job) { jobButtons(false); setWatermarkNote('', WATERMARK_HINT); return; }
  const done = await follow(job);
  jobButtons(false);
  window.vanishStats.watermark = { state: done.state, object: done.object || 0, pixels: done.overlay_pixels || 0 };
  ended(done);
  if (!state.video || state.video.id !== vid) return;
  if (done.state === 'cancelled') setWatermarkNote('cancelled', 'Cancelled: nothing was added.');
  else if (done.state !== 'done') setWatermarkNote('', WATERMARK_HINT);
  else if (!done.object)
    setWatermarkNote('none', 'No watermark found: nothing in this video stays put while the picture ' +
      'under it moves. One over a picture that hardly changes cannot be told from the scene: click it instead.');
  else {
    state.active = done.object;
    state.candidates = null;
    const again = before && before.id === done.object ? ' (it replaces the one found before)' : '';
    // the clicks on the mask it replaced no longer apply (nor does their Undo)
    for (const key of [...state.prompts.keys()]) if (key.startsWith(`${done.object}:`)) state.prompts.delete(key);
    view.setPrompts([]);
    setWatermarkNote('found', `Found a watermark of ${done.overlay_pixels} pixels: Watermark ${done.object}${again}, ` +
      'the same mask on every frame. Check it on a few frames; click a part it missed, shift-click a part ' +
      'that is not the watermark (an edit holds on every frame), or delete it with ×. Then Remove: it is ' +
      'un-blended where the picture shows through it, and the other objects are filled.');
  }
  await refreshObjects();
  await refreshMasks();
  status('');
});

$('track-button').addEventListener('click', async () => {
  clearError();
  stopPlay();
  // Disabled from the click on, so that nothing (a second click, a test waiting for the job)
  // takes the last job's finished state for this one's while the request is on its way.
  jobButtons(true);
  const job = await guard(() => api.post(`/api/videos/${state.video.id}/track`));
  if (!job) { jobButtons(false); return; }
  const done = await follow(job);
  jobButtons(false);
  ended(done);
  if (done.state === 'done') {
    const n = done.masks_written, all = done.n_frames * state.objects.filter((o) => o.keyframes.length).length;
    $('track-note').dataset.masksWritten = String(n);
    $('track-note').textContent = (n < all ? `Re-tracked ${n} masks: only the frames your corrections affect. ` : 'Tracked. ') +
      'Scrub to check the masks; click to correct any frame, then track again.';
  }
  // The keyframes keep their masks and prompts; a tracked frame's next click starts afresh.
  for (const [key, pr] of state.prompts) if (!pr.list.length) state.prompts.delete(key);
  await refreshObjects();
  await refreshMasks();
});

// The removal options, made from the library's option table.
async function buildOptions() {
  const opts = await guard(() => api.get('/api/options'));
  if (!opts) return;
  state.options = opts.inpaint;
  const box = $('options');
  box.replaceChildren();
  for (const o of opts.inpaint) {
    const label = document.createElement('label');
    label.textContent = o.name === 'dilate' ? 'mask dilation' : o.name;
    label.title = o.help;
    label.htmlFor = `opt-${o.name}`;
    const value = document.createElement('span');
    value.className = 'value';
    let input;
    if (o.type === 'choice') {
      input = document.createElement('select');
      o.choices.forEach((c, i) => { const op = new Option(c, c, i === o.default, i === o.default); input.append(op); });
      value.append(input);
    } else if (o.type === 'bool') {
      input = document.createElement('input');
      input.type = 'checkbox';
      input.checked = !!o.default;
      value.append(input);
    } else {
      input = document.createElement('input');
      input.type = 'range';
      input.min = o.min;
      input.max = o.name === 'dilate' ? Math.min(o.max, 32) : o.max;
      input.step = o.type === 'int' ? 1 : (o.max - o.min) / 100;
      input.value = o.default;
      const shown = document.createElement('span');
      shown.className = 'mono small';
      shown.textContent = input.value;
      input.addEventListener('input', () => { shown.textContent = input.value; });
      value.append(input, shown);
    }
    input.id = `opt-${o.name}`;
    input.title = o.help;
    input.dataset.testid = `option-${o.name}`;
    input.dataset.option = o.name;
    box.append(label, value);
  }
}

function optionValues() {
  const out = {};
  for (const o of state.options) {
    const el = $(`opt-${o.name}`);
    if (!el) continue;
    if (o.type === 'choice') out[o.name] = el.value;
    else if (o.type === 'bool') out[o.name] = el.checked;
    else out[o.name] = Number(el.value);
  }
  return out;
}

// During Remove: the newest finished frame the server keeps, shown as it comes.
async function showLiveFrame(job) {
  if (job.latest_frame === undefined || job.latest_frame === state.liveShown) return;
  const n = job.latest_frame;
  const [img, before] = await Promise.all([
    loadImage(api.url(`/api/jobs/${job.id}/frames/${n}`)).catch(() => null),
    loadImage(frameUrl(job.video, n)).catch(() => null)]);
  if (!img || state.jobs.remove !== job.id) return; // dropped by the server meanwhile: next tick
  state.liveShown = n;
  $('live-frame').src = img.src;
  $('live-caption').textContent = `frame ${n} filled`;
  $('live-box').hidden = false;
  // the before/after view follows the finished frames until the result is there
  $('compare-title').textContent = `frame ${n} as it comes out of the fill`;
  $('compare-box').hidden = false;
  compare.set(before, img);
  window.vanishStats.liveFrames.push({ frame: n, running: job.state === 'running' });
  $('live-frame').dataset.frame = String(n);
}

$('remove-button').addEventListener('click', async () => {
  clearError();
  stopPlay();
  const vid = state.video.id;
  jobButtons(true); /* from the click on, as for Track */
  const job = await guard(() => api.post(`/api/videos/${vid}/remove`, { options: optionValues() }));
  if (!job) { jobButtons(false); return; }
  state.jobs.remove = job.id;
  state.liveShown = -1;
  $('live-box').hidden = true;
  const done = await follow(job, showLiveFrame);
  jobButtons(false);
  ended(done);
  if (done.state === 'done') showResult(done, vid);
  else $('compare-box').hidden = !(state.result && state.result.video);
});

$('cancel-button').addEventListener('click', () => {
  const id = state.jobs.current;
  if (id) guard(() => api.post(`/api/jobs/${id}/cancel`));
});

function showResult(job, vid) {
  state.result = { job: job.id, video: job.result_video };
  $('result-box').hidden = false;
  $('result-video').src = api.url(`/api/jobs/${job.id}/result`);
  $('download-video').href = api.url(`/api/jobs/${job.id}/result`, { download: 1 });
  $('download-masks').href = api.url(`/api/videos/${vid}/masks.zip`);
  $('compare-box').hidden = !job.result_video;
  $('compare-title').textContent = '(drag the slider; the frame follows the scrub bar)';
  status('done: compare below, or download');
  $('live-box').hidden = true;
  showFrame(state.frame);
}

// Before/after at the shown frame.
async function updateCompare(before) {
  if (!state.result || !state.result.video) return;
  const n = state.frame;
  const after = await loadImage(frameUrl(state.result.video, n)).catch(() => null);
  if (state.frame === n) compare.set(before, after);
}

// ---- start -----------------------------------------------------------------------------------

async function start() {
  const health = await guard(() => api.get('/api/health'));
  if (!health) return;
  await buildOptions();
  if (!health.segment) showError('click-to-mask is not built into this server');
  $('open-path-form').hidden = false;
  if (!health.track)
    $('track-note').textContent = 'Each frame takes the mask of its nearest drawn frame (static objects).';
  const q = new URLSearchParams(location.search);
  const id = q.get('video') || health.input;
  if (id) {
    const info = await guard(() => api.get(`/api/videos/${id}`));
    if (info) await openVideo(info);
  }
}

start();
