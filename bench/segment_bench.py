#!/usr/bin/python3
"""Interactive segmentation benchmark: vanish's segmenter against OpenCV's grabCut.

Run from the repository root after building (any build dir holding libvanish_algo.a):
    /usr/bin/python3 bench/segment_bench.py [--build build-seg] [--jobs N] [--quick] [--verbose]
        [--only vanish|grabCut] [--filter NAME-PART] [--timing-only] [--seed N]
--jobs N runs the cases in N worker processes (default 2: the machine's cores); each worker
keeps its own vanish driver, and grabCut runs single-threaded in each, so the figures are those
of a full, unshortened run; the per-click latencies at 854x480 and 1920x1080 are measured
afterwards with one process alone. --seed N draws other placements of the logos and text and
other natural objects (default 7: the figures reported in the notes are for seed 7).

Ground truth (exact masks by construction, 640x480, all from opencv-doc's images):
  - logos: opencv-logo.png (alpha > 127), LinuxLogo.jpg and WindowsLogo.jpg (pixels away from
    the logo's plain background colour, holes filled) pasted at several sizes onto real photos;
  - text: cv2.putText strings (thick fonts, several colours and sizes) drawn onto real photos;
  - natural objects: random smooth blobs and ellipses cut from one real photo (fruits, baboon,
    butterfly, orange, apple, ...) and composited onto another.
Click simulator (RITM protocol): each next click goes to the point farthest inside the larger
error region (distance transform, image border counted as edge): positive if that region is
missed object, negative if it is wrongly taken background; up to 20 clicks, none once the mask
is exact (there is no error to click on; the IoU then holds).

vanish: one session per image (features kept between clicks), all clicks so far given at each
step, the best-ranked candidate scored; driven by bench/segment_bench.c over a pipe.
grabCut (cv2.grabCut, 5 iterations, one thread): first click: GC_INIT_WITH_MASK with
probable-foreground disk of radius 0.15 x image diagonal around the click, probable background
elsewhere, a definite-foreground disk of radius 5 at the click; later clicks: the previous
result as probable fg/bg, every click so far as a definite fg/bg disk of radius 5.
Reports NoC@85, NoC@90, failures at 20 clicks, mean IoU after 1, 3, 5 clicks, 1-click IoU on
opaque logos, and click latency at 640x480, 854x480 and 1920x1080.
"""
import argparse
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time

import cv2
import numpy as np

DATA = "/usr/share/doc/opencv-doc/examples/data/"
W, H = 640, 480
MAX_CLICKS = 20
BACKS = ["building.jpg", "home.jpg", "messi5.jpg", "aero1.jpg", "board.jpg", "stuff.jpg",
         "graf1.png", "rubberwhale1.png", "squirrel_cls.jpg", "starry_night.jpg", "smarties.png",
         "baboon.jpg", "fruits.jpg"]
SOURCES = ["fruits.jpg", "baboon.jpg", "butterfly.jpg", "orange.jpg", "apple.jpg",
           "HappyFish.jpg", "messi5.jpg", "squirrel_cls.jpg"]


def back(name, w=W, h=H):
    return cv2.resize(cv2.imread(DATA + name), (w, h), interpolation=cv2.INTER_AREA)


def fill_holes(m):
    h, w = m.shape
    ff = m.copy()
    mask = np.zeros((h + 2, w + 2), np.uint8)
    cv2.floodFill(ff, mask, (0, 0), 255)
    return m | cv2.bitwise_not(ff)


def logo_sprites():
    out = []
    im = cv2.imread(DATA + "opencv-logo.png", cv2.IMREAD_UNCHANGED)
    out.append(("opencv-logo", im[:, :, :3].copy(), (im[:, :, 3] > 127).astype(np.uint8) * 255))
    for name in ["LinuxLogo.jpg", "WindowsLogo.jpg"]:
        im = cv2.imread(DATA + name)
        bgc = im[2, 2].astype(np.int32)
        d = np.sqrt(((im.astype(np.int32) - bgc) ** 2).sum(2))
        m = (d > 60).astype(np.uint8) * 255
        n, lab, st, _ = cv2.connectedComponentsWithStats(m)
        big = 1 + np.argmax(st[1:, cv2.CC_STAT_AREA])
        m = fill_holes(((lab == big) * 255).astype(np.uint8))
        out.append((name.split(".")[0], im, m))
    return out


def paste(bg, sprite, smask, scale, x, y):
    sp = cv2.resize(sprite, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    sm = cv2.resize(smask, None, fx=scale, fy=scale, interpolation=cv2.INTER_NEAREST)
    img, gt = bg.copy(), np.zeros(bg.shape[:2], np.uint8)
    h, w = sm.shape
    sel = sm > 0
    img[y:y + h, x:x + w][sel] = sp[sel]
    gt[y:y + h, x:x + w][sel] = 255
    return img, gt


def blob_mask(rng, w, h):
    m = np.zeros((h, w), np.uint8)
    cx, cy = rng.uniform(0.35, 0.65) * w, rng.uniform(0.35, 0.65) * h
    r0 = rng.uniform(0.12, 0.25) * min(w, h)
    if rng.random() < 0.4:
        cv2.ellipse(m, (int(cx), int(cy)), (int(r0 * rng.uniform(0.8, 1.6)), int(r0)),
                    rng.uniform(0, 180), 0, 360, 255, -1)
        return m
    ang = np.linspace(0, 2 * np.pi, 64, endpoint=False)
    rad = r0 * (1 + sum(rng.uniform(-0.25, 0.25) * np.cos(k * ang + rng.uniform(0, 6)) for k in (2, 3, 5)))
    pts = np.stack([cx + rad * np.cos(ang), cy + rad * np.sin(ang)], 1).astype(np.int32)
    cv2.fillPoly(m, [pts], 255)
    return m


def make_cases(seed=7):
    rng = np.random.default_rng(seed)
    cases = []
    sprites = logo_sprites()
    for i in range(9):
        name, sp, sm = sprites[i % 3]
        bg = back(BACKS[i % len(BACKS)])
        scale = [0.35, 0.6, 0.9][i // 3] * min(W / sp.shape[1], H / sp.shape[0]) * 0.9
        hs, ws = int(sm.shape[0] * scale), int(sm.shape[1] * scale)
        x, y = int(rng.integers(0, W - ws)), int(rng.integers(0, H - hs))
        img, gt = paste(bg, sp, sm, scale, x, y)
        cases.append(("logo:%s@%d" % (name, i), img, gt))
    texts = ["vanish", "LOGO", "TV5", "NEWS 24", "HD", "demo"]
    for i, t in enumerate(texts):
        bg = back(BACKS[(i + 4) % len(BACKS)])
        gt = np.zeros((H, W), np.uint8)
        font = [cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_DUPLEX, cv2.FONT_HERSHEY_TRIPLEX][i % 3]
        sc, th = 2.0 + (i % 3), 6 + 2 * (i % 3)
        (tw, tht), _ = cv2.getTextSize(t, font, sc, th)
        org = (int(rng.integers(5, max(6, W - tw - 5))), int(rng.integers(tht + 5, H - 10)))
        cv2.putText(gt, t, org, font, sc, 255, th, cv2.LINE_8)
        col = [(255, 255, 255), (0, 220, 255), (40, 40, 230), (250, 250, 250), (0, 0, 0), (255, 200, 0)][i]
        img = bg.copy()
        img[gt > 0] = col
        cases.append(("text:%s" % t, img, gt))
    for i in range(18):
        src = back(SOURCES[i % len(SOURCES)])
        bg = back(BACKS[(i * 5 + 3) % len(BACKS)])
        if SOURCES[i % len(SOURCES)] == BACKS[(i * 5 + 3) % len(BACKS)]:
            bg = back(BACKS[(i * 5 + 4) % len(BACKS)])
        m = blob_mask(rng, W, H)
        dx, dy = int(rng.integers(-120, 120)), int(rng.integers(-80, 80))
        M = np.float32([[1, 0, dx], [0, 1, dy]])
        m2 = cv2.warpAffine(m, M, (W, H), flags=cv2.INTER_NEAREST)
        src2 = cv2.warpAffine(src, M, (W, H), flags=cv2.INTER_NEAREST)
        img = bg.copy()
        img[m2 > 0] = src2[m2 > 0]
        cases.append(("object:%s" % SOURCES[i % len(SOURCES)].split(".")[0], img, m2))
    return cases


def next_click(gt, pred):
    g, p = gt > 0, pred > 0
    fn = np.pad((g & ~p).astype(np.uint8), 1)
    fp = np.pad((~g & p).astype(np.uint8), 1)
    dfn = cv2.distanceTransform(fn, cv2.DIST_L2, 5)[1:-1, 1:-1]
    dfp = cv2.distanceTransform(fp, cv2.DIST_L2, 5)[1:-1, 1:-1]
    if dfn.max() >= dfp.max():
        y, x = np.unravel_index(np.argmax(dfn), dfn.shape)
        return int(x), int(y), True
    y, x = np.unravel_index(np.argmax(dfp), dfp.shape)
    return int(x), int(y), False


def iou(gt, pred):
    g, p = gt > 0, pred > 0
    u = (g | p).sum()
    return (g & p).sum() / u if u else 1.0


class Vanish:
    def __init__(self, exe):
        self.p = subprocess.Popen([exe], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.tmp = tempfile.mkdtemp(prefix="segbench")

    def cmd(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        r = self.p.stdout.readline().split()
        if not r or r[0] == "error":
            raise RuntimeError("vanish: " + " ".join(r))
        return r

    def open(self, img):
        path = os.path.join(self.tmp, "img.ppm")
        cv2.imwrite(path, img)
        return float(self.cmd("open " + path)[1])

    def run(self, img, clicks):
        out = os.path.join(self.tmp, "m.raw")
        args = " ".join("%d %d %d" % (x, y, 0 if pos else 1) for x, y, pos in clicks)
        r = self.cmd("run %s %d %s" % (out, len(clicks), args))
        m = np.fromfile(out, np.uint8).reshape(img.shape[:2])
        self.cpu = float(r[2])
        return m, float(r[1])


class GrabCut:
    def open(self, img):
        self.prev = None
        return 0.0

    def run(self, img, clicks):
        h, w = img.shape[:2]
        t0 = time.perf_counter()
        if self.prev is None:
            m = np.full((h, w), cv2.GC_PR_BGD, np.uint8)
            x, y, _ = clicks[0]
            cv2.circle(m, (x, y), int(0.15 * np.hypot(w, h)), cv2.GC_PR_FGD, -1)
        else:
            m = np.where(self.prev > 0, cv2.GC_PR_FGD, cv2.GC_PR_BGD).astype(np.uint8)
        for x, y, pos in clicks:
            cv2.circle(m, (x, y), 5, cv2.GC_FGD if pos else cv2.GC_BGD, -1)
        bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
        try:
            cv2.grabCut(img, m, None, bgd, fgd, 5, cv2.GC_INIT_WITH_MASK)
        except cv2.error:
            pass
        out = np.where((m == cv2.GC_FGD) | (m == cv2.GC_PR_FGD), 255, 0).astype(np.uint8)
        self.prev = out
        return out, (time.perf_counter() - t0) * 1e3


def evaluate_case(method, case):
    name, img, gt = case
    method.open(img)
    clicks, ious, times = [], [], []
    pred = np.zeros_like(gt)
    for k in range(MAX_CLICKS):
        if k > 0 and not np.any((gt > 0) != (pred > 0)):
            break  # no error left to click on (next_click would click (0, 0))
        clicks.append(next_click(gt, pred))
        pred, ms = method.run(img, clicks)
        ious.append(iou(gt, pred))
        times.append(ms)
        if ious[-1] >= 0.90 and k >= 4:
            break
    while len(ious) < MAX_CLICKS:
        ious.append(ious[-1])
    return name, ious, times


# Worker state (set up once per worker process by pool_init; the cases are inherited by fork).
_W = {}


def pool_init(exe):
    cv2.setNumThreads(1)
    _W["vanish"] = Vanish(exe)
    _W["grabCut"] = GrabCut()


def pool_case(job):
    mname, i = job
    t0 = time.perf_counter()
    r = evaluate_case(_W[mname], _W["cases"][i])
    return mname, i, r, time.perf_counter() - t0


def evaluate_all(exe, cases, mnames, jobs):
    """Every (method, case) pair, in `jobs` worker processes; results in case order."""
    _W["cases"] = cases
    work = [(m, i) for m in mnames for i in range(len(cases))]
    out = {m: [None] * len(cases) for m in mnames}
    secs = {m: 0.0 for m in mnames}
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(jobs, initializer=pool_init, initargs=(exe,)) as pool:
        for mname, i, r, dt in pool.imap_unordered(pool_case, work):
            out[mname][i] = r
            secs[mname] += dt
    return out, secs


def noc(ious, t):
    for k, v in enumerate(ious):
        if v >= t:
            return k + 1
    return MAX_CLICKS


def summary(res):
    i = np.array([r[1] for r in res])
    n85 = [noc(r, 0.85) for r in i]
    n90 = [noc(r, 0.90) for r in i]
    fails = sum(1 for r in i if r.max() < 0.85), sum(1 for r in i if r.max() < 0.90)
    return dict(noc85=np.mean(n85), noc90=np.mean(n90), fail85=fails[0], fail90=fails[1],
                iou1=i[:, 0].mean(), iou3=i[:, 2].mean(), iou5=i[:, 4].mean(),
                ms=np.median([t for r in res for t in r[2]]))


def timing(vn, size, reps=5):
    img = back("fruits.jpg", *size)
    gt = np.zeros(img.shape[:2], np.uint8)
    cv2.ellipse(gt, (size[0] // 2, size[1] // 2), (size[0] // 6, size[1] // 5), 0, 0, 360, 255, -1)
    bg = back("building.jpg", *size)
    img = np.where(gt[..., None] > 0, img, bg)
    t_open = vn.open(img)
    pred, clicks, ts, cpu = np.zeros_like(gt), [], [], []
    for _ in range(reps):
        clicks.append(next_click(gt, pred))
        pred, ms = vn.run(img, clicks)
        ts.append(ms)
        cpu.append(vn.cpu)
    gc = GrabCut()
    gc.open(img)
    t0 = time.process_time()
    _, gms = gc.run(img, clicks[:1])
    return t_open, ts, cpu, gms, (time.process_time() - t0) * 1e3


def print_timing(exe):
    """Click latency (wall and CPU) at 854x480 and 1920x1080, one process alone."""
    vn = Vanish(exe)
    for size in [(854, 480), (1920, 1080)]:
        t_open, ts, cpu, gms, gcpu = timing(vn, size)
        print("%dx%d: open %.1f ms; clicks 1..5 wall %s ms (median %.1f), CPU %s ms (median %.1f); "
              "grabCut 1 click wall %.1f ms, CPU %.1f ms" % (
                  size[0], size[1], t_open, " ".join("%.1f" % t for t in ts), np.median(ts),
                  " ".join("%.1f" % t for t in cpu), np.median(cpu), gms, gcpu))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build-seg")
    ap.add_argument("--quick", action="store_true", help="vanish only, no timing")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--only", choices=["vanish", "grabCut"], help="one method, no timing")
    ap.add_argument("--timing-only", action="store_true", help="only the click latencies")
    ap.add_argument("--filter", default="", help="only the cases whose name holds this")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes for the cases")
    ap.add_argument("--seed", type=int, default=7, help="seed of the cases' placements")
    a = ap.parse_args()
    cv2.setNumThreads(1)
    exe = os.path.join(tempfile.mkdtemp(prefix="segbench"), "vanish_segment_bench")
    lib = os.path.join(a.build, "libvanish_algo.a")
    subprocess.check_call(["gcc", "-O2", "-Iinclude", "bench/segment_bench.c", lib, "-lm",
                           "-lpthread", "-o", exe])
    if a.timing_only:
        print_timing(exe)
        return
    cases = [c for c in make_cases(a.seed) if a.filter in c[0]]
    mnames = [a.only] if a.only else ["vanish"] + ([] if a.quick else ["grabCut"])
    methods = [(m, None) for m in mnames]
    t0 = time.perf_counter()
    allres, secs = evaluate_all(exe, cases, mnames, a.jobs)
    wall = time.perf_counter() - t0
    sums = {}
    for mname in mnames:
        res = allres[mname]
        sums[mname] = summary(res)
        logo1 = [r[1][0] for r in res if r[0].startswith("logo")]
        sums[mname]["logo1"] = np.mean(logo1)
        sums[mname]["logo1min"] = np.min(logo1)
        if a.verbose:
            for name, ious, _ in res:
                print("%-8s %-22s 1:%.3f 3:%.3f 5:%.3f noc90:%d" % (mname, name, ious[0], ious[2], ious[4], noc(ious, 0.9)))
    print("\nwall %.0f s with %d worker processes; case time summed: %s" % (
        wall, a.jobs, ", ".join("%s %.0f s" % (m, secs[m]) for m in mnames)))
    print("\n%d cases, seed %d (%d logos, %d text, %d natural objects), up to %d clicks" % (
        len(cases), a.seed, sum(c[0].startswith("logo") for c in cases), sum(c[0].startswith("text") for c in cases),
        sum(c[0].startswith("object") for c in cases), MAX_CLICKS))
    keys = [("NoC@85", "noc85", "%.2f"), ("NoC@90", "noc90", "%.2f"), ("fails@85 (20 clicks)", "fail85", "%d"),
            ("fails@90 (20 clicks)", "fail90", "%d"), ("IoU after 1 click", "iou1", "%.3f"),
            ("IoU after 3 clicks", "iou3", "%.3f"), ("IoU after 5 clicks", "iou5", "%.3f"),
            ("1-click IoU, logos mean", "logo1", "%.3f"), ("1-click IoU, logos min", "logo1min", "%.3f"),
            ("median ms/click 640x480 (*)", "ms", "%.1f")]
    print("%-30s" % "" + "".join("%12s" % m for m, _ in methods) + ("%12s" % "ratio" if len(methods) > 1 else ""))
    for label, k, fmt in keys:
        vals = [sums[m][k] for m, _ in methods]
        line = "%-30s" % label + "".join("%12s" % (fmt % v) for v in vals)
        if len(vals) > 1 and vals[1]:
            line += "%12.2f" % (vals[0] / vals[1])
        print(line)
    if len(methods) > 1:
        r = 1 - sums["vanish"]["noc90"] / sums["grabCut"]["noc90"]
        print("vanish NoC@90 is %.0f%% lower than grabCut's (bar: 30%%)" % (100 * r))
    print("(*) measured while the cases run in %d processes at once" % a.jobs)
    if not a.quick and not a.only:
        print_timing(exe)


if __name__ == "__main__":
    main()
