#!/usr/bin/python3
"""Optical flow benchmark: vanish's presets against OpenCV's DISOpticalFlow and Farneback.

Run (from the repository root, after building):
    /usr/bin/python3 bench/flow_bench.py --build build-flow2 [--threads 1] [--quick]

Pairs with known flow are made from real images (opencv-doc's graf1.png, rubberwhale1.png and
frames of vtest.avi, tree.avi, Megamind.avi): frame B is frame A warped by a smooth random flow
(an affine motion plus low-frequency noise), and a few textured patches move by their own
offsets on top, occluding the background. Scores: average endpoint error (EPE) over all pixels
and over the non-occluded ones (pixels of A that stay visible in B), and compute time per pair,
every method in the same run with the same number of threads.

Masked case: the same pairs with an opaque static logo (opencv-logo.png) pasted onto both
frames; vanish gets the logo's mask, OpenCV cannot. Background EPE (non-occluded, outside the
logo) is compared with vanish's own on the pairs without the logo.

Speed: milliseconds per pair at 432x240, 854x480 and 1920x1080 for each preset.

vanish runs through bench/flow_bench.c (compiled here against BUILD/libvanish_algo.a), which
times vn_flow_compute itself; OpenCV is timed around calc(). Both wall-clock and CPU time (all
threads of the process) are reported: on a shared, oversubscribed machine the CPU time is the
steadier comparison. Results go to stdout and
bench/out/flow.md.
"""
import argparse
import gzip
import os
import shutil
import subprocess
import sys
import tempfile
import time

import cv2
import numpy as np

DATA = '/usr/share/doc/opencv-doc/examples/data'
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EPE_SIZE = (640, 480)


def build_bench(build, tmp):
    exe = os.path.join(tmp, 'flow_bench')
    lib = os.path.join(build, 'libvanish_algo.a')
    if not os.path.exists(lib):
        sys.exit('flow_bench: %s not found (build first, or pass --build)' % lib)
    subprocess.check_call(['cc', '-O2', '-I' + os.path.join(ROOT, 'include'), '-I' + os.path.join(ROOT, 'src'),
                           os.path.join(ROOT, 'bench', 'flow_bench.c'), lib, '-lm', '-lpthread', '-o', exe])
    return exe


def video_frame(name, index):
    cap = cv2.VideoCapture(os.path.join(DATA, name))
    img = None
    for _ in range(index + 1):
        ok, img = cap.read()
        if not ok:
            break
    cap.release()
    return img


def sources():
    out = [('graf1', cv2.imread(os.path.join(DATA, 'graf1.png'))),
           ('rubberwhale1', cv2.imread(os.path.join(DATA, 'rubberwhale1.png')))]
    for name, idx in (('vtest.avi', 40), ('tree.avi', 10), ('Megamind.avi', 60)):
        img = video_frame(name, idx)
        if img is not None:
            out.append((name.split('.')[0], img))
    return [(n, cv2.resize(i, EPE_SIZE, interpolation=cv2.INTER_AREA)) for n, i in out if i is not None]


def smooth_field(rng, w, h, amp, cells):
    """Low-frequency random field: noise on a coarse grid, upsampled bicubically."""
    g = rng.normal(0, 1, (cells, cells, 2)).astype(np.float32)
    f = cv2.resize(g, (w, h), interpolation=cv2.INTER_CUBIC)
    return f * (amp / max(1e-6, np.abs(f).max()))


def backward_map(rng, w, h):
    """G on B's grid: B(y) = A(y + G(y)). An affine motion plus smooth noise."""
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    cx, cy = w / 2, h / 2
    ang, zoom = rng.uniform(-0.03, 0.03), rng.uniform(-0.03, 0.03)
    tx, ty = rng.uniform(-6, 6), rng.uniform(-4, 4)
    gx = tx + zoom * (xs - cx) - ang * (ys - cy)
    gy = ty + zoom * (ys - cy) + ang * (xs - cx)
    g = np.dstack([gx, gy]) + smooth_field(rng, w, h, 3.0, 5)
    return g.astype(np.float32)


def invert(g):
    """F on A's grid with x + F(x) = y where y + G(y) = x: fixed point F = -G(x + F)."""
    h, w = g.shape[:2]
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    f = -g.copy()
    for _ in range(20):
        s = cv2.remap(g, xs + f[..., 0], ys + f[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        f = -s
    return f


def make_pair(rng, img, tex):
    h, w = img.shape[:2]
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    g = backward_map(rng, w, h)
    b = cv2.remap(img, xs + g[..., 0], ys + g[..., 1], cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)
    a = img.copy()
    flow = invert(g)
    # where each pixel of A lands in B, and whether it is still seen there
    lx, ly = xs + flow[..., 0], ys + flow[..., 1]
    occ = (lx < 0) | (ly < 0) | (lx > w - 1) | (ly > h - 1)
    cover_b = np.zeros((h, w), np.uint8)
    for _ in range(3):  # moving patches, each on top of the previous ones
        pw, ph = int(rng.integers(w // 10, w // 5)), int(rng.integers(h // 10, h // 5))
        x0, y0 = int(rng.integers(10, w - pw - 30)), int(rng.integers(10, h - ph - 30))
        d = rng.uniform(-10, 10, 2).astype(np.float32)
        sx, sy = int(rng.integers(0, tex.shape[1] - pw - 12)), int(rng.integers(0, tex.shape[0] - ph - 12))
        ell = np.zeros((ph, pw), np.uint8)
        cv2.ellipse(ell, (pw // 2, ph // 2), (pw // 2 - 1, ph // 2 - 1), 0, 0, 360, 1, -1)
        patch = tex[sy:sy + ph, sx:sx + pw]
        # in A: the patch at (x0, y0), flow d
        ra = (slice(y0, y0 + ph), slice(x0, x0 + pw))
        a[ra][ell > 0] = patch[ell > 0]
        flow[ra][ell > 0] = d
        occ[ra][ell > 0] = False
        # in B: the patch shifted by d (sub-pixel), pasted on top
        m = np.float32([[1, 0, x0 + d[0]], [0, 1, y0 + d[1]]])
        pb = cv2.warpAffine(patch, m, (w, h), flags=cv2.INTER_LINEAR)
        mb = cv2.warpAffine(ell * 255, m, (w, h), flags=cv2.INTER_LINEAR) > 127
        b[mb] = pb[mb]
        cover_b = np.where(mb, 1, cover_b)
        # pixels of A (outside this patch) that land under the patch in B are hidden there
        lxi = np.clip(np.rint(lx), 0, w - 1).astype(int)
        lyi = np.clip(np.rint(ly), 0, h - 1).astype(int)
        hid = mb[lyi, lxi]
        inpatch = np.zeros((h, w), bool)
        inpatch[ra] = ell > 0
        occ |= hid & ~inpatch
        # the patch itself moves with d
        lx = np.where(inpatch, xs + d[0], lx)
        ly = np.where(inpatch, ys + d[1], ly)
    noise = lambda im: np.clip(im.astype(np.float32) + rng.normal(0, 1.0, im.shape), 0, 255).astype(np.uint8)
    return noise(a), noise(b), flow, occ


def logo_layer(w, h):
    logo = cv2.imread(os.path.join(DATA, 'opencv-logo.png'), cv2.IMREAD_UNCHANGED)
    lw = w // 5
    lh = int(logo.shape[0] * lw / logo.shape[1])
    logo = cv2.resize(logo, (lw, lh), interpolation=cv2.INTER_AREA)
    x0, y0 = w - lw - w // 12, h // 10  # a corner, as logos are
    rgb = np.zeros((h, w, 3), np.uint8)
    mask = np.zeros((h, w), np.uint8)
    on = logo[..., 3] > 0
    rgb[y0:y0 + lh, x0:x0 + lw][on] = logo[..., :3][on]
    mask[y0:y0 + lh, x0:x0 + lw][on] = 255
    # also a second, central opaque logo: a stamp in the middle of the motion
    cx, cy = w // 2 - lw // 2, h // 2 - lh // 2
    rgb[cy:cy + lh, cx:cx + lw][on] = logo[..., :3][on]
    mask[cy:cy + lh, cx:cx + lw][on] = 255
    mask = cv2.dilate(mask, np.ones((3, 3), np.uint8))
    return rgb, mask


def run_vanish(exe, tmp, a, b, mask, preset, threads, reps, extra=()):
    h, w = a.shape[:2]
    pa, pb, pm, po = (os.path.join(tmp, n) for n in ('a.rgb', 'b.rgb', 'm.u8', 'o.f32'))
    a[..., ::-1].tofile(pa)
    b[..., ::-1].tofile(pb)
    if mask is not None:
        mask.tofile(pm)
    out = subprocess.check_output([exe, str(w), str(h), pa, pb, pm if mask is not None else '-', preset,
                                   str(threads), str(reps), po] + list(extra)).decode()
    words = out.split()
    return np.fromfile(po, np.float32).reshape(h, w, 2), float(words[1]), float(words[3])


DIS_PRESETS = {'ultrafast': cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST, 'fast': cv2.DISOPTICAL_FLOW_PRESET_FAST,
               'medium': cv2.DISOPTICAL_FLOW_PRESET_MEDIUM}


def run_opencv(method, a, b, reps):
    ga, gb = cv2.cvtColor(a, cv2.COLOR_BGR2GRAY), cv2.cvtColor(b, cv2.COLOR_BGR2GRAY)
    times, cpu, flow = [], [], None
    for _ in range(reps):
        t0, c0 = time.perf_counter(), time.process_time()
        if method == 'farneback':
            flow = cv2.calcOpticalFlowFarneback(ga, gb, None, 0.5, 5, 15, 3, 5, 1.2, 0)
        else:
            flow = cv2.DISOpticalFlow_create(DIS_PRESETS[method]).calc(ga, gb, None)
        times.append((time.perf_counter() - t0) * 1e3)
        cpu.append((time.process_time() - c0) * 1e3)
    return flow, float(np.median(times)), float(np.median(cpu))


METHODS = [('vanish fast', 'v', 'fast'), ('vanish medium', 'v', 'medium'), ('vanish best', 'v', 'best'),
           ('DIS ultrafast', 'cv', 'ultrafast'), ('DIS fast', 'cv', 'fast'), ('DIS medium', 'cv', 'medium'),
           ('Farneback', 'cv', 'farneback')]


def epe(flow, gt, sel):
    e = np.hypot(flow[..., 0] - gt[..., 0], flow[..., 1] - gt[..., 1])
    return float(e[sel].mean())


def compute(exe, tmp, kind, arg, a, b, mask, threads, reps):
    """(flow, wall ms, CPU ms): median over reps runs."""
    if kind == 'v':
        return run_vanish(exe, tmp, a, b, mask, arg, threads, reps)
    return run_opencv(arg, a, b, reps)


def accuracy(exe, tmp, pairs, threads, reps, lines):
    h, w = pairs[0][1].shape[:2]
    logo, lmask = logo_layer(w, h)
    res = {m[0]: {'all': [], 'noc': [], 'ms': [], 'cpu': [], 'bg': [], 'bg_logo': []} for m in METHODS}
    for name, a, b, gt, occ in pairs:
        on = lmask > 0
        a2, b2 = a.copy(), b.copy()
        a2[on] = logo[on]
        b2[on] = logo[on]
        # background seen in both frames with and without the logo: not occluded, not under the
        # logo in A, not landing under it in B (the static logo hides what moves beneath it)
        hh, ww = on.shape
        ys, xs = np.mgrid[0:hh, 0:ww]
        lx = np.clip(np.rint(xs + gt[..., 0]), 0, ww - 1).astype(int)
        ly = np.clip(np.rint(ys + gt[..., 1]), 0, hh - 1).astype(int)
        bg = ~occ & ~on & ~on[ly, lx]
        for label, kind, arg in METHODS:
            flow, ms, cpu = compute(exe, tmp, kind, arg, a, b, None, threads, reps)
            r = res[label]
            r['all'].append(epe(flow, gt, np.ones_like(occ)))
            r['noc'].append(epe(flow, gt, ~occ))
            r['bg'].append(epe(flow, gt, bg))
            r['ms'].append(ms)
            r['cpu'].append(cpu)
            if kind == 'v' or arg in ('medium', 'fast', 'ultrafast'):
                flow2 = compute(exe, tmp, kind, arg, a2, b2, lmask if kind == 'v' else None, threads, 1)[0]
                r['bg_logo'].append(epe(flow2, gt, bg))
        print('  %s done' % name, file=sys.stderr)
    lines.append('## Accuracy: %d pairs of %dx%d (%s), %d thread(s)\n' % (len(pairs), w, h,
                 ', '.join(p[0] for p in pairs), threads))
    lines.append('| method | EPE all | EPE non-occluded | ms per pair | CPU ms per pair | background EPE | with static logo | logo / no logo |')
    lines.append('|---|---|---|---|---|---|---|---|')
    for label, _, _ in METHODS:
        r = res[label]
        bgl = ('%.3f' % np.mean(r['bg_logo'])) if r['bg_logo'] else '-'
        ratio = ('%.2f' % (np.mean(r['bg_logo']) / np.mean(r['bg']))) if r['bg_logo'] else '-'
        lines.append('| %s | %.3f | %.3f | %.1f | %.1f | %.3f | %s | %s |' % (label, np.mean(r['all']), np.mean(r['noc']),
                     np.mean(r['ms']), np.mean(r['cpu']), np.mean(r['bg']), bgl, ratio))
    vm, dm = res['vanish medium'], res['DIS medium']
    lines.append('')
    lines.append('vanish medium / DIS medium: EPE all %.2f, EPE non-occluded %.2f, wall time %.2f, CPU time %.2f '
                 '(bar: EPE < 1 and time <= 1)' % (np.mean(vm['all']) / np.mean(dm['all']),
                                                   np.mean(vm['noc']) / np.mean(dm['noc']),
                                                   np.mean(vm['ms']) / np.mean(dm['ms']),
                                                   np.mean(vm['cpu']) / np.mean(dm['cpu'])))
    lines.append('vanish with the logo masked: background EPE %.1f%% of its no-logo EPE (bar: <= 110%%); '
                 'DIS medium with the logo: %.1f%%' % (100 * np.mean(vm['bg_logo']) / np.mean(vm['bg']),
                                                       100 * np.mean(dm['bg_logo']) / np.mean(dm['bg'])))
    lines.append('')


def speed(exe, tmp, img, threads, reps, lines):
    rng = np.random.default_rng(7)
    sizes = [(432, 240), (854, 480), (1920, 1080)]
    lines.append('## Speed: ms per pair, wall clock / CPU (median of %d), %d thread(s)\n' % (reps, threads))
    lines.append('| method | ' + ' | '.join('%dx%d' % s for s in sizes) + ' |')
    lines.append('|---|' + '---|' * len(sizes))
    rows = {m[0]: [] for m in METHODS if m[2] != 'farneback'}
    for w, h in sizes:
        src = cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA)
        ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
        g = backward_map(rng, w, h) * (w / EPE_SIZE[0])
        b = cv2.remap(src, xs + g[..., 0], ys + g[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        for label, kind, arg in METHODS:
            if label in rows:
                rows[label].append(compute(exe, tmp, kind, arg, src, b, None, threads, reps)[1:])
    for label, ms in rows.items():
        lines.append('| %s | %s |' % (label, ' | '.join('%.1f / %.1f' % m for m in ms)))
    lines.append('')


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--build', default='build', help='meson build directory with libvanish_algo.a')
    ap.add_argument('--threads', type=int, default=1, help='threads for every method (default 1)')
    ap.add_argument('--reps', type=int, default=3, help='timed runs per pair (median)')
    ap.add_argument('--quick', action='store_true', help='two pairs, no speed table')
    ap.add_argument('--pairs-per-image', type=int, default=2)
    args = ap.parse_args()
    cv2.setNumThreads(args.threads)
    tmp = tempfile.mkdtemp(prefix='flow-bench-')
    try:
        exe = build_bench(os.path.join(ROOT, args.build) if not os.path.isabs(args.build) else args.build, tmp)
        rng = np.random.default_rng(2016)
        srcs = sources()
        tex = cv2.resize(cv2.imread(os.path.join(DATA, 'baboon.jpg')), (400, 400))
        pairs = []
        for name, img in srcs[:2] if args.quick else srcs:
            for k in range(1 if args.quick else args.pairs_per_image):
                a, b, gt, occ = make_pair(rng, img, tex)
                pairs.append(('%s-%d' % (name, k), a, b, gt, occ))
        lines = ['# Optical flow benchmark', '',
                 'Command: `/usr/bin/python3 bench/flow_bench.py --build %s --threads %d%s`' %
                 (args.build, args.threads, ' --quick' if args.quick else ''), '']
        accuracy(exe, tmp, pairs, args.threads, args.reps, lines)
        if not args.quick:
            speed(exe, tmp, srcs[0][1], args.threads, args.reps, lines)
        text = '\n'.join(lines)
        print(text)
        os.makedirs(os.path.join(ROOT, 'bench', 'out'), exist_ok=True)
        with open(os.path.join(ROOT, 'bench', 'out', 'flow%s.md' % ('-quick' if args.quick else '')), 'w') as f:
            f.write(text + '\n')
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    main()
