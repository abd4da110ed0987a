// Browser test of the page served by `vanish gui`, in headless Debian chromium driven by
// playwright-core: open a real clip, click the object, see its mask, track, remove, download and
// check the file (frame count, audio); a bad upload shows an error; two pages on two videos at
// once do not interfere; the time from a click to its mask on the page at 854x480 is printed.
// "Find watermark" on the bundled sample (demo/sample.mp4): cancelled, then run; its proposal is
// an object with one mask on every frame, close to the logo's footprint (demo/logo-mask.png),
// edited by a click on one frame (the edit holds on every frame) and back by Undo; found again
// after an edit, it replaces that object's mask (no second object); Remove takes
// the logo off (PSNR in the logo's box against the clean clip, opencv-doc's box.mp4). One click
// on a semi-transparent watermark of two parts: after Track the page shows the footprint that
// Remove takes away (the part not clicked too), and Remove takes it off.
//
//   node gui.test.mjs path/to/vanish        (tests/e2e/run.sh does npm ci first)
//   E2E_ONLY=watermark node gui.test.mjs ... runs one part (main, pages, watermark or clicked)
// Screenshots go to tests/e2e/out/.

import { spawn, spawnSync, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, 'out');
const vanish = path.resolve(process.argv[2] || process.env.VANISH || '');
const BOX = '/usr/share/doc/opencv-doc/opencv4/html/box.mp4.gz';
const SAMPLE = path.resolve(here, '../../demo/sample.mp4');
const LOGO_MASK = path.resolve(here, '../../demo/logo-mask.png');
const LOGO_BOX = { x: 548, y: 20, w: 72, h: 95 }; // where demo/make_sample.sh burns the logo
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const BAR_MS = 300;

let failures = 0;
function check(cond, what) {
  console.log(`${cond ? 'ok  ' : 'FAIL'} ${what}`);
  if (!cond) failures++;
}

function ffprobe(file, entries) {
  return JSON.parse(execFileSync('ffprobe', ['-v', 'fatal', '-count_frames', '-of', 'json',
    '-show_entries', entries, file]).toString());
}

// Clips cut from opencv-doc's box.mp4 (with its sound): 2 s at 854x480, and 1 s at 640x360.
function makeClips(dir) {
  if (!fs.existsSync(BOX)) throw new Error(`${BOX} is missing (apt-get install opencv-doc)`);
  const src = path.join(dir, 'box.mp4');
  fs.writeFileSync(src, execFileSync('gunzip', ['-c', BOX], { maxBuffer: 1 << 28 }));
  const cut = (name, t, size) => {
    const f = path.join(dir, name);
    execFileSync('ffmpeg', ['-v', 'fatal', '-y', '-ss', '2', '-t', t, '-i', src, '-vf', `scale=${size}`,
      '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20', '-c:a', 'aac', '-b:a', '96k', f]);
    return f;
  };
  const bad = path.join(dir, 'bad.mp4');
  fs.writeFileSync(bad, 'this is not a video\n'.repeat(100));
  return { clip: cut('clip.mp4', '2', '854:480'), clip2: cut('clip2.mp4', '1', '640:360'), bad };
}

// Start `vanish gui` on a free port; resolves with {url, proc} once it printed its URL.
let serverLog = '';

// Stop the server with Ctrl-C and wait for it: it must exit cleanly (with nothing from a
// sanitizer, when the binary has one).
function stopServer(proc) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => { proc.kill('SIGKILL'); resolve(null); }, 60000);
    proc.removeAllListeners('exit');
    proc.on('exit', (code) => { clearTimeout(timer); resolve(code); });
    proc.kill('SIGINT');
  });
}

function startServer(tmp) {
  return new Promise((resolve, reject) => {
    const proc = spawn(vanish, ['gui', '--port', '0', '--threads', '2'],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TMPDIR: tmp } });
    let text = '';
    proc.stdout.on('data', (d) => {
      text += d;
      const m = text.match(/serving on (http:\/\/\S+)/);
      if (m) resolve({ url: m[1], proc });
    });
    proc.stderr.on('data', (d) => { serverLog += d; process.stderr.write(`[server] ${d}`); });
    proc.on('exit', (code) => reject(new Error(`vanish gui exited with ${code}: ${text}`)));
    setTimeout(() => reject(new Error('vanish gui did not print its URL')), 15000);
  });
}

async function launch(dir) {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    // playwright starts chromium with a fresh --user-data-dir of its own (it refuses ours).
  });
}

const shot = (page, name) => page.screenshot({ path: path.join(out, name), fullPage: true });

// Open a video through the page's file input and wait until every frame is decoded.
async function openClip(page, file, frames) {
  await page.setInputFiles('[data-testid=open-file]', file);
  await page.waitForFunction((n) => document.querySelector('[data-testid=frame-number]').textContent.endsWith(`/ ${n}`),
    frames, { timeout: 60000 });
}

// Click at full-resolution pixel (x, y) of the frame; resolves with the in-page latency (ms)
// and the wall time seen from here.
async function clickFrame(page, x, y, info, opts = {}) {
  const box = await page.locator('[data-testid=frame-canvas]').boundingBox();
  const before = await page.evaluate(() => window.vanishStats.masksShown);
  const t0 = Date.now();
  await page.mouse.click(box.x + (x + 0.5) * box.width / info.w, box.y + (y + 0.5) * box.height / info.h, opts);
  await page.waitForFunction((b) => window.vanishStats.masksShown > b, before, { timeout: 20000 });
  const wall = Date.now() - t0;
  const inPage = await page.evaluate(() => window.vanishStats.clickToMaskMs.at(-1));
  return { inPage, wall };
}

// Drag a box from (x0, y0) to (x1, y1) in full-resolution pixels; latency as clickFrame.
async function dragBox(page, x0, y0, x1, y1, info) {
  const box = await page.locator('[data-testid=frame-canvas]').boundingBox();
  const at = (x, y) => [box.x + (x + 0.5) * box.width / info.w, box.y + (y + 0.5) * box.height / info.h];
  const before = await page.evaluate(() => window.vanishStats.masksShown);
  const t0 = Date.now();
  await page.mouse.move(...at(x0, y0));
  await page.mouse.down();
  await page.mouse.move(...at((x0 + x1) / 2, (y0 + y1) / 2), { steps: 3 });
  await page.mouse.move(...at(x1, y1), { steps: 3 });
  await page.mouse.up();
  await page.waitForFunction((b) => window.vanishStats.masksShown > b, before, { timeout: 20000 });
  const wall = Date.now() - t0;
  const inPage = await page.evaluate(() => window.vanishStats.clickToMaskMs.at(-1));
  return { inPage, wall };
}

// The masks of frame n of the page's video, through the page's own API client.
async function masksOf(page, n) {
  return page.evaluate(async (frame) => {
    const q = new URLSearchParams(location.search);
    const r = await fetch(`/api/videos/${q.get('video')}/masks/${frame}`);
    const m = await r.json();
    // area and centroid (full-resolution pixels) from the run lengths
    const stats = (rle) => {
      let pos = 0, area = 0, sx = 0, sy = 0;
      rle.forEach((run, i) => {
        if (i % 2) for (let p = pos; p < pos + run; p++) { area++; sx += p % m.width; sy += Math.floor(p / m.width); }
        pos += run;
      });
      return { area, cx: area ? Math.round(sx / area) : -1, cy: area ? Math.round(sy / area) : -1, rle: rle.join(',') };
    };
    return m.masks.map((k) => ({ object: k.object, key: k.key, ...stats(k.rle) }));
  }, n);
}

// Poll the masks of frame n until test(masks) holds; the last masks seen.
async function masksUntil(page, n, test) {
  let m = [];
  for (let i = 0; i < 50; i++) {
    m = await masksOf(page, n);
    if (test(m)) break;
    await page.waitForTimeout(100);
  }
  return m;
}

// Correct the tracked mask of frame n with two clicks, then undo both: each undo steps back one
// click, and the last one puts the tracked mask back.
async function undoOnTracked(page, n, info) {
  const tracked = await masksOf(page, n);
  if (!tracked.length) return check(false, `frame ${n} has a tracked mask to correct`);
  const t = tracked[0];
  await clickFrame(page, t.cx, t.cy, info);
  const one = await masksOf(page, n);
  await clickFrame(page, Math.min(info.w - 1, t.cx + 40), Math.max(0, t.cy - 60), info, { modifiers: ['Shift'] });
  const two = await masksOf(page, n);
  check(one[0].key && two[0].key, `clicks on tracked frame ${n} make it a keyframe (${one[0].area}, ${two[0].area} pixels)`);
  await page.click('#undo');
  const back1 = await masksUntil(page, n, (m) => m.length && m[0].rle === one[0].rle);
  check(back1.length === 1 && back1[0].key && back1[0].rle === one[0].rle, 'undo steps back to the mask of the first click');
  await page.click('#undo');
  const back0 = await masksUntil(page, n, (m) => m.length && !m[0].key);
  check(back0.length === 1 && !back0[0].key && back0[0].rle === t.rle,
    `undo past the first click puts the tracked mask back (${back0.length ? back0[0].area : 0} of ${t.area} pixels)`);
  const err = await page.locator('[data-testid=error]').isVisible();
  check(!err, 'no error after the undos');
}

async function waitJob(page) {
  await page.waitForFunction(() => {
    const p = document.querySelector('[data-testid=progress]');
    return p && p.value >= 1 && !document.querySelector('[data-testid=remove-button]').disabled &&
      !document.querySelector('[data-testid=track-button]').disabled;
  }, null, { timeout: 300000 });
}

// Entries in a zip's end-of-central-directory record.
function zipEntries(file) {
  const b = fs.readFileSync(file);
  const end = b.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  return end < 0 ? -1 : b.readUInt16LE(end + 10);
}

async function mainFlow(browser, url, clips, dir) {
  const ctx = await browser.newContext({ acceptDownloads: true, viewport: { width: 1300, height: 900 } });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => check(false, `no script error on the page (${e.message})`));
  await page.goto(url);
  await openClip(page, clips.clip, 60);
  await shot(page, '01-opened.png');
  const info = { w: 854, h: 480 };

  // Frame 30, then click the pen on the table (a thin object at about (344, 224)).
  await page.locator('[data-testid=frame-slider]').fill('30');
  await page.waitForFunction(() => document.querySelector('[data-testid=frame-number]').textContent.startsWith('30 /'));
  // A person takes longer than this to aim: the page has opened the frame's session by then.
  await page.waitForFunction(() => (window.vanishStats.prepared || {}).frame === 30, null, { timeout: 20000 });
  const prep = await page.evaluate(() => window.vanishStats.prepared.ms);
  const first = await clickFrame(page, 344, 224, info);
  const second = await clickFrame(page, 300, 224, info);
  const third = await dragBox(page, 270, 212, 414, 236, info);
  let m = await masksOf(page, 30);
  check(m.length === 1 && m[0].area > 200 && m[0].area < 20000, `a mask of the pen after the clicks (${m[0] ? m[0].area : 0} pixels)`);
  await shot(page, '02-mask.png');
  const lat = [first, second, third];
  const solve = await page.evaluate(() => window.vanishStats.solveMs.slice(-3));
  const cpu = await page.evaluate(() => window.vanishStats.solveCpuMs.slice(-3));
  console.log(`click-to-mask at 854x480 (in page, click → overlay drawn): ${lat.map((l) => l.inPage.toFixed(0)).join(', ')} ms` +
    ` (of which the server's solve: ${solve.map((x) => Number(x).toFixed(0)).join(', ')} ms, using` +
    ` ${cpu.map((x) => Number(x).toFixed(0)).join(', ')} ms of CPU time)` +
    `; seen from the test: ${lat.map((l) => l.wall).join(', ')} ms; the frame's session opened in ${prep.toFixed(0)} ms` +
    ` before the first click (load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores)`);
  // The latency bar is a figure to report, not a pass/fail check: a test that times itself fails
  // on a loaded machine for reasons that are not the page's.
  const worst = Math.max(...lat.map((l) => l.inPage));
  console.log(`${worst < BAR_MS ? 'bar met' : 'BAR MISSED'}: slowest click ${worst.toFixed(0)} ms (bar ${BAR_MS} ms)`);

  // Track; afterwards another frame shows its tracked mask.
  await page.click('[data-testid=track-button]');
  await waitJob(page);
  await page.locator('[data-testid=frame-slider]').fill('55');
  await page.waitForFunction(() => document.querySelector('[data-testid=frame-number]').textContent.startsWith('55 /'));
  await page.waitForTimeout(400);
  m = await masksOf(page, 55);
  check(m.length === 1 && !m[0].key && m[0].area > 200, 'frame 55 has a tracked mask after Track');
  await shot(page, '03-tracked.png');
  await undoOnTracked(page, 55, info);

  // Correct frame 45 and track again: only the frames that the correction affects are
  // re-tracked; frames before the hand-over keep their masks.
  const before10 = await masksOf(page, 10);
  await page.locator('[data-testid=frame-slider]').fill('45');
  await page.waitForFunction(() => document.querySelector('[data-testid=frame-number]').textContent.startsWith('45 /'));
  await page.waitForTimeout(300);
  const t45 = (await masksOf(page, 45))[0];
  await clickFrame(page, t45.cx, t45.cy, info);
  await page.click('[data-testid=track-button]');
  await waitJob(page);
  const written = Number(await page.locator('#track-note').getAttribute('data-masks-written'));
  const after10 = await masksOf(page, 10);
  check(written > 0 && written < 59, `re-track after correcting frame 45 wrote ${written} of 58 tracked masks`);
  check(after10.length === 1 && after10[0].rle === before10[0].rle, 'frame 10 (before the hand-over) kept its mask');
  await shot(page, '03b-retracked.png');

  // Remove with a small dilation (the control comes from the option table).
  await page.locator('[data-testid=option-dilate]').fill('4');
  if (process.env.E2E_METHOD !== 'default')
    await page.locator('[data-testid=option-method]').selectOption(process.env.E2E_METHOD || 'spatial');
  await page.click('[data-testid=remove-button]');
  await page.waitForSelector('[data-testid=progress]', { state: 'visible' });
  // Finished frames appear while the job runs (the server keeps the latest few).
  const live = await page.waitForFunction(() => window.vanishStats.liveFrames.length > 0, null, { timeout: 300000 })
    .then(() => true, () => false);
  if (live) await shot(page, '04a-removing.png');
  await waitJob(page);
  const lf = await page.evaluate(() => ({ shown: window.vanishStats.liveFrames,
    width: document.querySelector('[data-testid=live-frame]').naturalWidth }));
  check(lf.shown.length > 0 && lf.width === 854, `finished frames shown during Remove (${lf.shown.map((f) => f.frame).join(', ')})`);
  check(lf.shown.some((f) => f.running), 'a filled frame was on the page before the job ended');
  const err = await page.locator('[data-testid=error]').isVisible();
  check(!err, `no error after Remove${err ? ': ' + await page.locator('[data-testid=error]').textContent() : ''}`);
  await page.waitForSelector('[data-testid=result-video]', { state: 'visible', timeout: 20000 });
  const ready = await page.waitForFunction(() => document.querySelector('[data-testid=result-video]').readyState >= 1,
    null, { timeout: 20000 }).then(() => true, () => false);
  check(ready, 'the result plays in the page (metadata loaded through Range requests)');
  await page.locator('[data-testid=frame-slider]').fill('30');
  await page.waitForTimeout(800);
  await shot(page, '04-result.png');

  // Downloads: the video (frame count, audio) and the masks.
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=download-video]')]);
  const video = path.join(out, 'downloaded.mp4');
  await dl.saveAs(video);
  const p = ffprobe(video, 'stream=codec_type,nb_read_frames');
  const v = p.streams.find((s) => s.codec_type === 'video'), a = p.streams.find((s) => s.codec_type === 'audio');
  check(v && Number(v.nb_read_frames) === 60, `downloaded video has 60 frames (${v ? v.nb_read_frames : 'none'})`);
  check(!!a, 'downloaded video has its audio');
  const [dm] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=download-masks]')]);
  const zip = path.join(out, 'masks.zip');
  await dm.saveAs(zip);
  check(zipEntries(zip) === 60, `masks zip holds one PNG per frame (${zipEntries(zip)})`);

  // A bad upload: the page says what went wrong.
  await page.setInputFiles('[data-testid=open-file]', clips.bad);
  await page.waitForSelector('[data-testid=error]', { state: 'visible', timeout: 20000 });
  const text = await page.locator('[data-testid=error]').textContent();
  check(/bad\.mp4/.test(text), `a bad upload shows an error naming the file: "${text}"`);
  await shot(page, '05-bad-upload.png');
  await ctx.close();
}

// A grey PNG as one byte per pixel (through ffmpeg).
function greyPixels(file) {
  return execFileSync('ffmpeg', ['-v', 'fatal', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'gray', '-'],
    { maxBuffer: 1 << 26 });
}

// IoU of run lengths (as the API gives them) with a grey image (non-zero = in).
function iouRle(rle, grey) {
  let pos = 0, both = 0, a = 0, b = 0;
  for (const v of grey) b += v !== 0;
  rle.split(',').map(Number).forEach((run, i) => {
    if (i % 2) for (let p = pos; p < pos + run; p++) { a++; both += grey[p] !== 0; }
    pos += run;
  });
  return both / (a + b - both);
}

// The mask pixel nearest to the centroid of run lengths over a frame of width w: {x, y}.
function pixelNearCentroid(rle, w) {
  const pix = [];
  let pos = 0;
  rle.split(',').map(Number).forEach((run, i) => {
    if (i % 2) for (let p = pos; p < pos + run; p++) pix.push([p % w, Math.floor(p / w)]);
    pos += run;
  });
  const cx = pix.reduce((s, p) => s + p[0], 0) / pix.length, cy = pix.reduce((s, p) => s + p[1], 0) / pix.length;
  let best = pix[0];
  for (const p of pix) if ((p[0] - cx) ** 2 + (p[1] - cy) ** 2 < (best[0] - cx) ** 2 + (best[1] - cy) ** 2) best = p;
  return { x: best[0], y: best[1] };
}

// PSNR (dB) of a video against the clean clip inside the logo's box, over the first 150 frames.
function logoPsnr(video, clean) {
  const b = LOGO_BOX, crop = `crop=${b.w}:${b.h}:${b.x}:${b.y}`;
  const r = spawnSync('ffmpeg', ['-v', 'info', '-nostdin', '-i', video, '-i', clean, '-lavfi',
    `[0:v]trim=end_frame=150,${crop}[a];[1:v]trim=end_frame=150,${crop}[b];[a][b]psnr`, '-f', 'null', '-']);
  const m = /average:([0-9.inf]+)/.exec(r.stderr.toString());
  return m ? Number(m[1]) : NaN;
}

async function setFrame(page, n) {
  await page.locator('[data-testid=frame-slider]').fill(String(n));
  await page.waitForFunction((k) => document.querySelector('[data-testid=frame-number]').textContent.startsWith(`${k} /`), n);
}

// "Find watermark" on the bundled sample: cancel, find, check, edit and undo, find again, remove.
async function watermarkFlow(browser, url, dir) {
  const ctx = await browser.newContext({ acceptDownloads: true, viewport: { width: 1300, height: 900 } });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => check(false, `no script error on the page (${e.message})`));
  await page.goto(url);
  await openClip(page, SAMPLE, 150);
  const info = { w: 640, h: 480 };
  const note = page.locator('[data-testid=watermark-note]');
  const t0 = Date.now();

  // Cancel: the job stops and adds nothing.
  await page.click('[data-testid=find-watermark]');
  await page.waitForSelector('[data-testid=cancel-button]', { state: 'visible' });
  await page.waitForFunction(() => /find watermark/.test(document.querySelector('[data-testid=progress-text]').textContent));
  await shot(page, '07-finding.png');
  await page.click('[data-testid=cancel-button]');
  await page.waitForFunction(() => document.querySelector('[data-testid=watermark-note]').dataset.state === 'cancelled',
    null, { timeout: 30000 });
  const objects0 = await page.locator('[data-testid=object-list] li').count();
  check(objects0 === 1 && (await masksOf(page, 0)).length === 0, 'a cancelled search adds no object');

  // Find it: a new object whose mask is the same on every frame.
  await page.click('[data-testid=find-watermark]');
  await page.waitForFunction(() => ['found', 'none'].includes(document.querySelector('[data-testid=watermark-note]').dataset.state),
    null, { timeout: 300000 });
  const found = await page.evaluate(() => window.vanishStats.watermark);
  console.log(`find watermark on demo/sample.mp4 (150 frames, 640x480): ${((Date.now() - t0) / 1000).toFixed(1)} s with the cancelled run`);
  check(found.state === 'done' && found.object > 0, `the watermark is found (${found.pixels} pixels): "${await note.textContent()}"`);
  await setFrame(page, 40);
  await page.waitForTimeout(300);
  await shot(page, '08-watermark.png');
  const label = await page.locator(`[data-testid=object-list] li[data-object="${found.object}"]`).textContent();
  check(/Watermark .* every frame/.test(label), `the object list names it a watermark on every frame ("${label.replace('×', '')}")`);
  const on = async (n) => (await masksOf(page, n)).find((k) => k.object === found.object);
  const [m0, m120] = [await on(0), await on(120)];
  check(m0 && m120 && m0.rle === m120.rle && !m0.key, 'its mask is the same on frames 0 and 120');
  const iou = m0 ? iouRle(m0.rle, greyPixels(LOGO_MASK)) : 0;
  check(iou >= 0.7, `its mask matches the logo's footprint (IoU ${iou.toFixed(3)} with demo/logo-mask.png)`);

  // Edit it with a click on frame 40: the edit holds on every frame; Undo puts the proposal back.
  const p = pixelNearCentroid(m0.rle, info.w);
  await clickFrame(page, p.x, p.y, info, { modifiers: ['Shift'] });
  const e40 = await on(40), e120 = await masksUntil(page, 120, (m) => m.some((k) => k.object === found.object && k.rle !== m0.rle));
  const e = e120.find((k) => k.object === found.object);
  check(e40 && e && e40.rle !== m0.rle && e.rle === e40.rle,
    `a shift-click on frame 40 edits the mask on every frame (${m0.area} → ${e40 ? e40.area : 0} pixels, frame 120: ${e ? e.area : 0})`);
  await shot(page, '09-watermark-edited.png');
  await page.click('#undo');
  const back = (await masksUntil(page, 120, (m) => m.some((k) => k.object === found.object && k.rle === m0.rle)))
    .find((k) => k.object === found.object);
  check(back && back.rle === m0.rle, 'Undo puts the proposal back on every frame');

  // Find it again after an edit: the same object's mask is replaced (no second watermark), the
  // edit is gone and the note says so.
  await clickFrame(page, p.x, p.y, info, { modifiers: ['Shift'] });
  await masksUntil(page, 120, (m) => m.some((k) => k.object === found.object && k.rle !== m0.rle));
  const nObjects = await page.locator('[data-testid=object-list] li').count();
  await page.click('[data-testid=find-watermark]');
  await page.waitForFunction(() => document.querySelector('[data-testid=find-watermark]').disabled, null, { timeout: 10000 });
  await page.waitForFunction(() => !document.querySelector('[data-testid=find-watermark]').disabled &&
    ['found', 'none'].includes(document.querySelector('[data-testid=watermark-note]').dataset.state), null, { timeout: 300000 });
  const again = await page.evaluate(() => window.vanishStats.watermark);
  const m120b = await on(120);
  check(again.object === found.object && await page.locator('[data-testid=object-list] li').count() === nObjects &&
    m120b && m120b.rle === m0.rle && /replaces the one found before/.test(await note.textContent()),
    `Find watermark again replaces Watermark ${found.object}'s edited mask with the proposal (objects ${nObjects}, ` +
    `"${(await note.textContent()).slice(0, 80)}…")`);

  // Remove (the default method): the logo is gone.
  const t1 = Date.now();
  await page.click('[data-testid=remove-button]');
  await waitJob(page);
  const err = await page.locator('[data-testid=error]').isVisible();
  check(!err, `no error after Remove${err ? ': ' + await page.locator('[data-testid=error]').textContent() : ''}`);
  await page.waitForSelector('[data-testid=result-video]', { state: 'visible', timeout: 20000 });
  await setFrame(page, 100);
  await page.waitForTimeout(800);
  await shot(page, '10-watermark-removed.png');
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=download-video]')]);
  const video = path.join(dir, 'watermark-removed.mp4');
  await dl.saveAs(video);
  const clean = path.join(dir, 'box.mp4');
  const before = logoPsnr(SAMPLE, clean), after = logoPsnr(video, clean);
  check(after > before + 6, `Remove takes the logo off: PSNR in the logo's box ${before.toFixed(2)} → ${after.toFixed(2)} dB` +
    ` against the clean clip (${((Date.now() - t1) / 1000).toFixed(1)} s)`);
  await ctx.close();
}

// Pixels of run lengths (as the API gives them, frame width w) inside box b.
function inBox(rle, w, b) {
  let pos = 0, n = 0;
  rle.split(',').map(Number).forEach((run, i) => {
    if (i % 2) {
      for (let p = pos; p < pos + run; p++) {
        const x = p % w, y = Math.floor(p / w);
        n += x >= b.x && x < b.x + b.w && y >= b.y && y < b.y + b.h;
      }
    }
    pos += run;
  });
  return n;
}

// PSNR (dB) of a video against a clean one inside box b, over all frames.
function boxPsnr(video, clean, b) {
  const crop = `crop=${b.w}:${b.h}:${b.x}:${b.y}`;
  const r = spawnSync('ffmpeg', ['-v', 'info', '-nostdin', '-i', video, '-i', clean, '-lavfi',
    `[0:v]${crop}[a];[1:v]${crop}[b];[a][b]psnr`, '-f', 'null', '-']);
  const m = /average:([0-9.inf]+)/.exec(r.stderr.toString());
  return m ? Number(m[1]) : NaN;
}

// One click on a semi-transparent watermark of two parts (a 50% white box and a bar under it,
// burned into box.mp4 where the picture moves under them): after Track the page shows the
// footprint that Remove takes away, the bar not clicked too, on the clicked frame as on the
// others; Remove takes the bar off too.
async function clickedWatermarkFlow(browser, url, dir) {
  const src = path.join(dir, 'box.mp4'), clip = path.join(dir, 'wm.mp4'), clean = path.join(dir, 'wm-clean.mp4');
  const BOX = { x: 300, y: 200, w: 80, h: 40 }, BAR = { x: 300, y: 255, w: 80, h: 16 };
  const draw = (b) => `drawbox=x=${b.x}:y=${b.y}:w=${b.w}:h=${b.h}:color=white@0.5:t=fill`;
  const enc = ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '18', '-an'];
  execFileSync('ffmpeg', ['-v', 'fatal', '-y', '-t', '5', '-i', src, '-vf', `${draw(BOX)},${draw(BAR)}`, ...enc, clip]);
  execFileSync('ffmpeg', ['-v', 'fatal', '-y', '-t', '5', '-i', src, ...enc, clean]);
  const ctx = await browser.newContext({ acceptDownloads: true, viewport: { width: 1300, height: 900 } });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => check(false, `no script error on the page (${e.message})`));
  await page.goto(url);
  await openClip(page, clip, 150);
  const info = { w: 640, h: 480 }, bar = BAR.w * BAR.h;
  await clickFrame(page, 340, 220, info);
  const clicked = await masksOf(page, 0);
  check(clicked.length === 1 && inBox(clicked[0].rle, info.w, BAR) < bar / 10,
    `the click takes the box, not the bar (${clicked.length ? inBox(clicked[0].rle, info.w, BAR) : 0} of its ${bar} px)`);
  const t0 = Date.now();
  await page.click('[data-testid=track-button]');
  await waitJob(page);
  console.log(`track of a clicked watermark (150 frames, 640x480): ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  for (const n of [0, 75, 149]) {
    const m = await masksOf(page, n), got = m.length === 1 ? inBox(m[0].rle, info.w, BAR) : 0;
    check(m.length === 1 && got > 0.9 * bar && (n > 0 || m[0].key),
      `after Track frame ${n}${n ? '' : ' (the clicked one, still a keyframe)'} shows the grown footprint: ` +
      `${got} of the bar's ${bar} px (the click's mask had ${clicked.length ? inBox(clicked[0].rle, info.w, BAR) : 0})`);
  }
  await setFrame(page, 75);
  await page.waitForTimeout(500);
  await shot(page, '11-clicked-watermark-tracked.png');
  await page.click('[data-testid=remove-button]');
  await waitJob(page);
  await page.waitForSelector('[data-testid=result-video]', { state: 'visible', timeout: 20000 });
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=download-video]')]);
  const video = path.join(dir, 'wm-removed.mp4');
  await dl.saveAs(video);
  const before = boxPsnr(clip, clean, BAR), after = boxPsnr(video, clean, BAR);
  check(after > before + 6, `Remove takes the bar not clicked off: PSNR in its box ${before.toFixed(2)} → ${after.toFixed(2)} dB`);
  await ctx.close();
}

// Two pages, two videos, clicks at the same time: each keeps its own masks. On the second (no
// watermark in it), Find watermark says that nothing was found.
async function twoPages(browser, url, clips) {
  const c1 = await browser.newContext(), c2 = await browser.newContext();
  const p1 = await c1.newPage(), p2 = await c2.newPage();
  await Promise.all([p1.goto(url), p2.goto(url)]);
  await Promise.all([openClip(p1, clips.clip, 60), openClip(p2, clips.clip2, 30)]);
  await Promise.all([clickFrame(p1, 344, 224, { w: 854, h: 480 }), clickFrame(p2, 430, 90, { w: 640, h: 360 })]);
  const [m1, m2] = await Promise.all([masksOf(p1, 0), masksOf(p2, 0)]);
  const v1 = await p1.evaluate(() => new URLSearchParams(location.search).get('video'));
  const v2 = await p2.evaluate(() => new URLSearchParams(location.search).get('video'));
  check(v1 !== v2 && m1.length === 1 && m2.length === 1 && m1[0].area !== m2[0].area,
    'two pages on two videos at once keep their own masks');
  // Find watermark on a clip without one: the page says so, and adds no object.
  await p2.click('[data-testid=find-watermark]');
  await p2.waitForFunction(() => ['found', 'none'].includes(document.querySelector('[data-testid=watermark-note]').dataset.state),
    null, { timeout: 60000 });
  const none = await p2.locator('[data-testid=watermark-note]').textContent();
  check(/^No watermark found/.test(none) && await p2.locator('[data-testid=object-list] li').count() === 1,
    `Find watermark on a clip without one says so: "${none}"`);
  await shot(p2, '06-second-page.png');
  await c1.close();
  await c2.close();
}

async function main() {
  if (!fs.existsSync(vanish)) throw new Error(`usage: node gui.test.mjs path/to/vanish (got '${vanish}')`);
  fs.mkdirSync(out, { recursive: true });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vanish-e2e-'));
  const clips = makeClips(dir);
  const tmp = path.join(dir, 'tmp');
  fs.mkdirSync(tmp);
  const { url, proc } = await startServer(tmp);
  const browser = await launch(dir);
  try {
    const only = process.env.E2E_ONLY; // main, pages or watermark: one part alone
    if (!only || only === 'main') await mainFlow(browser, url, clips, dir);
    if (!only || only === 'pages') await twoPages(browser, url, clips);
    if (!only || only === 'watermark') await watermarkFlow(browser, url, dir);
    if (!only || only === 'clicked') await clickedWatermarkFlow(browser, url, dir);
  } finally {
    await browser.close();
    const code = await stopServer(proc);
    check(code === 0 && !/Sanitizer|runtime error/.test(serverLog), `the server stops cleanly on Ctrl-C (exit ${code})`);
    const left = fs.readdirSync(tmp);
    check(left.length === 0, `the server removed its frame caches (${left.length ? left.join(' ') : 'nothing left'})`);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log(failures ? `${failures} check(s) failed` : 'all checks passed');
  process.exit(failures ? 1 : 0);
}

main().catch((e) => { console.error(`FAIL ${e.stack || e}`); process.exit(1); });
