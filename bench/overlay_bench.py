#!/usr/bin/python3
"""Overlay (logo, watermark) benchmark: vanish against the inpainting tools, in one run.

    /usr/bin/python3 bench/overlay_bench.py --vanish build/tools/vanish/vanish [--frames 30] [--quick]
        [--cases box:text:0.7,vtest:colour]   (only these rows, no detection; clip:kind[:opacity])
        [--clips cup,Megamind,tree]   (quality rows on other clips, 432x240: a check on untuned material)
    /usr/bin/python3 bench/overlay_bench.py --vanish ... --detect-only [--quick] [--jobs 2]
        [--detect-cases tree,box:text,vtest:native:white,demo]   (only these detection cases)
        [--save-detect DIR]   (a PNG per detection case: middle frame | proposal over footprint)

Cases are made from Debian opencv-doc's clips (ground truth = the clean clip) with a static overlay
burned in, I = a*W + (1 - a)*J: a white logo, the coloured OpenCV logo, white text and a
gradient-coloured logo, at opacity 0.3, 0.5, 0.7 and 1 (opaque), at 432x240 (and the native size
unless --quick). The overlay sits where the clip's picture moves (vtest: the walkway; box: the box).
Every method reads the same PNG frames and the same static mask (the overlay's footprint):

  auto        vanish inpaint --masks MASK.png   (default method: un-blend, fill where opaque)
  fill        vanish inpaint --method fill      (temporal inpainting)
  removelogo  ffmpeg -vf removelogo
  delogo      ffmpeg -vf delogo (bounding box)
  telea       cv2.inpaint(INPAINT_TELEA, radius 3)
  input       the untouched input

Reported: PSNR inside the overlay, and auto's margin over the best inpainting peer and the input
(the issue's bar: 8 dB above both on semi-transparent cases; opaque: auto no worse than fill).
Detection (--detect-only for these alone): vanish detect-overlay on five clips without an overlay
(pixels proposed; the bar: none) and with an opaque colour logo, a 0.5 white logo and 0.5 text
burned in at the two places where the clip's picture changes most and at the top-right corner
(IoU with the footprint; the bar: 0.8), and on demo/sample.mp4 against demo/logo-mask.png.
A logo over a picture that never changes cannot be told from the scene: such rows say so in
the "picture changing there" column.
"""
import argparse
import gzip
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

import cv2
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import inpaint_bench as ib  # noqa: E402  (clips, logos, PNG I/O, PSNR helpers, the Telea script)

DATA = ib.DATA


def overlay_rgba(kind, W, H):
    """(rgb float32 HxWx3, coverage 0/1 float32) of the overlay kind, sized for a WxH frame."""
    if kind in ("white", "colour", "gradient"):
        rgb, a = ib.logo_rgba(max(32, W // 6))
        if kind == "white":
            rgb = np.full_like(rgb, 255.0)
        elif kind == "gradient":
            h, w = a.shape
            xx, yy = np.meshgrid(np.linspace(0, 1, w), np.linspace(0, 1, h))
            rgb = np.stack([255 * xx, 80 + 150 * yy, 255 * (1 - xx)], 2).astype(np.float32)
        return rgb, a
    return ib.text_rgba(W // 3, max(16, H // 8), "vanish")


def place(clip, W, H, w, h):
    """Where the picture moves: vtest's walkway, the box of box.mp4."""
    if clip.startswith("vtest"):
        return W // 2 - w // 2, int(H * 0.55)
    return W // 3, H // 6


def burn(frames, clip, kind, opacity):
    H, W = frames[0].shape[:2]
    h, w = overlay_rgba(kind, W, H)[1].shape
    return burn_at(frames, kind, opacity, *place(clip, W, H, w, h))


def psnr_in(outs, gts, m):
    sel = m > 0
    se = sum(((o.astype(np.float64) - g) ** 2)[sel].sum() for o, g in zip(outs, gts))
    n = sel.sum() * 3 * len(outs)
    return 10 * np.log10(255.0 ** 2 / max(se / n, 1e-10))


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.stderr.write(p.stderr)
        raise SystemExit("failed: " + " ".join(cmd))


def quality_case(args, work, clip, frames, kind, opacity):
    n = len(frames)
    H, W = frames[0].shape[:2]
    ins, m = burn(frames, clip, kind, opacity)
    d = tempfile.mkdtemp(dir=work)
    ib.write_pngs(d + "/in", ins)
    cv2.imwrite(d + "/mask.png", m)
    os.makedirs(d + "/masks")
    for i in range(n):
        os.link(d + "/mask.png", d + "/masks/%05d.png" % i)
    md = cv2.dilate(m, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5)))
    cv2.imwrite(d + "/union.png", md)
    ys, xs = np.nonzero(md)
    bx0, by0, bx1, by1 = max(1, xs.min() - 1), max(1, ys.min() - 1), min(W - 2, xs.max() + 1), min(H - 2, ys.max() + 1)
    v = [args.vanish, "inpaint", d + "/in", "--masks", d + "/mask.png", "-q", "-y", "-o"]
    cmds = {
        "auto": v + [d + "/auto/"],
        "fill": v + [d + "/fill/", "--method", "fill"],
        "removelogo": ["ffmpeg", "-v", "error", "-y", "-i", d + "/in/%05d.png", "-vf",
                       "removelogo=filename=" + d + "/union.png", "-start_number", "0", d + "/removelogo/%05d.png"],
        "delogo": ["ffmpeg", "-v", "error", "-y", "-i", d + "/in/%05d.png", "-vf",
                   "delogo=x=%d:y=%d:w=%d:h=%d" % (bx0, by0, bx1 - bx0 + 1, by1 - by0 + 1), "-start_number", "0",
                   d + "/delogo/%05d.png"],
        "telea": ["/usr/bin/python3", "-c", ib.TELEA, d + "/in", d + "/masks", d + "/telea", str(n)],
    }
    if opacity < 1 and not args.with_fill:
        del cmds["fill"]
    res = {}
    for name, cmd in cmds.items():
        os.makedirs(d + "/" + name, exist_ok=True)
        run(cmd)
        res[name] = psnr_in(ib.read_pngs(d + "/" + name, n), frames, m)
    res["input"] = psnr_in(ins, frames, m)
    shutil.rmtree(d)
    return res


def load_spread(name, n, size):
    """n frames spread evenly over the whole clip (as the detector samples a video), resized."""
    path = DATA + "/" + name
    if name.endswith(".gz"):
        path = "/tmp/vanish-ovl-" + name[:-3]
        if not os.path.exists(path):
            with gzip.open(ib.DOC + "/opencv4/html/" + name, "rb") as f, open(path + ".part", "wb") as o:
                o.write(f.read())
            os.rename(path + ".part", path)
    cap, total = cv2.VideoCapture(path), 0
    while cap.grab():  # count: some headers (tree.avi) promise frames that are not there
        total += 1
    cap = cv2.VideoCapture(path)
    want = set(np.linspace(0, max(total - 2, 0), n).astype(int).tolist())
    frames, i = [], 0
    while len(frames) < len(want):
        ok, bgr = cap.read()
        if not ok:
            break
        if i in want:
            if size:
                bgr = cv2.resize(bgr, size, interpolation=cv2.INTER_AREA)
            frames.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
        i += 1
    return frames


def burn_at(frames, kind, opacity, x0, y0):
    """Burn the overlay in with its top-left corner at (x0, y0); returns frames and footprint."""
    H, W = frames[0].shape[:2]
    rgb, a = overlay_rgba(kind, W, H)
    h, w = a.shape
    al = (a * opacity)[:, :, None]
    outs = []
    for f in frames:
        o = f.astype(np.float32)
        o[y0:y0 + h, x0:x0 + w] = o[y0:y0 + h, x0:x0 + w] * (1 - al) + rgb * al
        outs.append(np.clip(o + 0.5, 0, 255).astype(np.uint8))
    m = np.zeros((H, W), np.uint8)
    m[y0:y0 + h, x0:x0 + w][a > 0] = 255
    return outs, m


def moving_spots(frames, kind):
    """The two places (apart) where the clean clip changes most under the overlay's box, with the
    share of changed pixel-frames there, and a fixed top-right corner (whatever lies there)."""
    H, W = frames[0].shape[:2]
    _, a = overlay_rgba(kind, W, H)
    h, w = a.shape
    G = np.stack([cv2.cvtColor(f, cv2.COLOR_RGB2GRAY).astype(np.float32) for f in frames])
    cf = (np.abs(G - np.median(G, 0)) > 12).mean(0)
    cand = sorted(((cf[y:y + h, x:x + w].mean(), x, y) for y in range(H // 20, H - h - H // 20, 8)
                   for x in range(W // 20, W - w - W // 20, 8)), reverse=True)
    spots = [cand[0]]
    for c in cand:
        if abs(c[1] - spots[0][1]) > w or abs(c[2] - spots[0][2]) > h:
            spots.append(c)
            break
    x0, y0 = W - w - W // 20, H // 20
    spots.append((cf[y0:y0 + h, x0:x0 + w].mean(), x0, y0))
    return spots


def detect_run(args, work, frames, name="", truth=None):
    d = tempfile.mkdtemp(dir=work)
    ib.write_pngs(d + "/in", frames)
    p = subprocess.run([args.vanish, "detect-overlay", d + "/in", "-o", d + "/m.png", "-q", "-y"],
                       capture_output=True, text=True)
    got = cv2.imread(d + "/m.png", 0) if p.returncode == 0 else None
    if args.save_detect and name:
        save_detect(args.save_detect + "/" + name, frames[len(frames) // 2], got, truth)
    shutil.rmtree(d)
    return got


def save_detect(path, frame, got, truth):
    """One PNG to look at: a middle input frame beside the proposal over the footprint (red: missed,
    white: found, cyan: proposed outside it)."""
    H, W = frame.shape[:2]
    t = truth > 0 if truth is not None else np.zeros((H, W), bool)
    g = got > 0 if got is not None else np.zeros((H, W), bool)
    m = np.zeros((H, W, 3), np.uint8)
    m[t] = (255, 0, 0)
    m[t & g] = (255, 255, 255)
    m[g & ~t] = (0, 255, 255)
    cv2.imwrite(path + ".png", cv2.cvtColor(np.concatenate([frame, m], 1), cv2.COLOR_RGB2BGR))


def iou(got, m):
    if got is None:
        return 0, 0.0
    a, b = got > 0, m > 0
    return int(a.sum()), (a & b).sum() / max((a | b).sum(), 1)


STILL_SHARE = 0.25  # share of changed pixel-frames under a logo's box below which it is "barely changing"


def detect_case(args, work, frames, kind, op, x0, y0, name=""):
    """(pixels proposed, IoU) of vanish detect-overlay on frames with the overlay burned in at (x0, y0)."""
    ins, m = burn_at(frames, kind, op, x0, y0)
    return iou(detect_run(args, work, ins, name, m), m)


def detect_demo(args, work):
    demo = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "demo")
    d = tempfile.mkdtemp(dir=work)
    p = subprocess.run([args.vanish, "detect-overlay", demo + "/sample.mp4", "-o", d + "/m.png", "-q", "-y"])
    return iou(cv2.imread(d + "/m.png", 0) if p.returncode == 0 else None, cv2.imread(demo + "/logo-mask.png", 0))


def wanted(args, *tags):
    """Whether a detection case (described by tags: clip, WxH, W, kind, spot) is selected by
    --detect-cases: some entry all of whose ':'-separated tokens are among the tags."""
    return not args.detect_cases or any(all(t in tags for t in e) for e in args.detect_cases)


def detection(args, work):
    print("\n| clip | size | overlay | opacity | where (x,y) | picture changing there | pixels proposed | IoU |")
    print("|---|---|---|---|---|---|---|---|")
    ious, clean, groups = [], [], {}
    pool = ThreadPoolExecutor(max_workers=max(1, args.jobs))
    for clip in ["vtest.avi", "box.mp4.gz", "cup.mp4.gz", "Megamind.avi", "tree.avi"]:
        c = clip.split(".")[0]
        for size in [(432, 240)] + ([] if args.quick else [None]):
            group = {c, "432" if size else "native", "none", "colour", "white", "text", "0", "1", "2"}
            if args.detect_cases and not any(all(t in group or t[:1].isdigit() for t in e)
                                             for e in args.detect_cases):
                continue  # nothing selected here: the clip is not even read
            frames = load_spread(clip, 60, size)
            H, W = frames[0].shape[:2]
            tags = (c, "%dx%d" % (W, H), str(W), "432" if size else "native")
            rows = []  # (case or None for the clean clip, future)
            if wanted(args, *tags, "none"):
                rows.append((None, pool.submit(detect_run, args, work, frames, "%s-%d-none" % (c, W))))
            for kind, op in [("colour", 1.0), ("white", 0.5), ("text", 0.5)]:
                for i, (chg, x0, y0) in enumerate(moving_spots(frames, kind)):
                    if wanted(args, *tags, kind, str(i)):
                        rows.append(((kind, op, chg, x0, y0),
                                     pool.submit(detect_case, args, work, frames, kind, op, x0, y0,
                                                 "%s-%d-%s-%d" % (c, W, kind, i))))
            for case, fut in rows:
                if case is None:
                    got = fut.result()
                    n = 0 if got is None else int((got > 0).sum())
                    clean.append(n)
                    print("| %s | %dx%d | none | - | - | - | %d | - |" % (c, W, H, n), flush=True)
                    continue
                kind, op, chg, x0, y0 = case
                n, v = fut.result()
                ious.append(v)
                groups.setdefault(("%s %.1f" % (kind, op)), []).append(v)
                groups.setdefault("%s %s" % (c, "opaque" if op >= 1 else "semi-transparent"), []).append(v)
                groups.setdefault("picture changing there >= %.2f" % STILL_SHARE if chg >= STILL_SHARE
                                  else "picture changing there < %.2f" % STILL_SHARE, []).append(v)
                print("| %s | %dx%d | %s | %.1f | %d,%d | %.2f | %d | %.3f |" % (
                    c, W, H, kind, op, x0, y0, chg, n, v), flush=True)
    if wanted(args, "demo"):
        n, v = detect_demo(args, work)
        print("| demo/sample.mp4 | 640x480 | OpenCV logo | 1.0 | 548,20 | - | %d | %.3f |" % (n, v))
    pool.shutdown()
    print("\ndetection: IoU >= 0.8 in %d of %d logo cases (median %.3f); clean clips: %d of %d propose nothing"
          % (sum(v >= 0.8 for v in ious), len(ious), np.median(ious) if ious else np.nan,
             sum(c == 0 for c in clean), len(clean)))
    # Where the picture under the logo's box barely changes, a logo cannot be told from the scene
    # (a semi-transparent one least: only its thinning of the scene's noise is left to see).
    for name, vs in sorted(groups.items()):
        print("  %s: IoU >= 0.8 in %d of %d (median %.3f, mean %.3f)"
              % (name, sum(v >= 0.8 for v in vs), len(vs), np.median(vs), np.mean(vs)))


def parse_cases(ap, text):
    """--cases clip:kind[:opacity],... as (clip, kind, opacity or None); a malformed one is an error."""
    cases = []
    for c in filter(None, text.split(",")):
        f = c.split(":")
        try:
            if len(f) not in (2, 3):
                raise ValueError
            cases.append((f[0], f[1], float(f[2]) if len(f) == 3 else None))
        except ValueError:
            ap.error("--cases: '%s' is not clip:kind[:opacity]" % c)
    return cases


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vanish", default="build/tools/vanish/vanish")
    ap.add_argument("--frames", type=int, default=30)
    ap.add_argument("--quick", action="store_true", help="432x240 only")
    ap.add_argument("--detect-only", action="store_true", help="only the detection cases")
    ap.add_argument("--cases", default="", help="only these rows (clip:kind[:opacity],...), no detection")
    ap.add_argument("--clips", default="vtest,box",
                    help="clips of the quality rows (vtest box cup Megamind tree); the bench's own are vtest and "
                         "box, the others (432x240 only, overlay at the top-left third) check that the figures "
                         "hold on clips the methods were not tuned on")
    ap.add_argument("--detect-cases", default="",
                    help="only these detection cases: entries of ':'-separated tags, each case matching "
                         "all of an entry's tags (clip: vtest box cup Megamind tree demo; size: 432, native, "
                         "WxH or W; overlay: none colour white text; spot: 0 1 2), e.g. tree,box:text,demo")
    ap.add_argument("--jobs", type=int, default=1, help="detection cases run at once")
    ap.add_argument("--save-detect", default="", metavar="DIR",
                    help="write one PNG per detection case into DIR (CLIP-WIDTH-OVERLAY-SPOT.png): a middle "
                         "input frame beside the proposal over the footprint (red: missed, white: found, "
                         "cyan: proposed outside it)")
    ap.add_argument("--with-fill", action="store_true", help="run --method fill on semi-transparent cases too")
    args = ap.parse_args()
    args.vanish = os.path.abspath(args.vanish)
    if args.save_detect:
        os.makedirs(args.save_detect, exist_ok=True)
    args.cases = parse_cases(ap, args.cases)
    names = {"vtest": "vtest.avi", "box": "box.mp4.gz", "cup": "cup.mp4.gz", "Megamind": "Megamind.avi",
             "tree": "tree.avi"}
    for c in filter(None, args.clips.split(",")):
        if c not in names:
            ap.error("--clips: '%s' is not one of %s" % (c, " ".join(names)))
    args.clips = [names[c] for c in filter(None, args.clips.split(","))]
    args.detect_cases = [e.split(":") for e in filter(None, args.detect_cases.split(","))]
    known = {"vtest", "box", "cup", "Megamind", "tree", "demo", "native", "none", "colour", "white", "text"}
    for t in sum(args.detect_cases, []):
        if t not in known and not t.replace("x", "").isdigit():
            ap.error("--detect-cases: '%s' is no clip, size, overlay or spot" % t)
    work = tempfile.mkdtemp(prefix="vanish-ovl-bench-")
    peers = ["removelogo", "delogo", "telea"]
    try:
        if args.detect_only or args.detect_cases:
            detection(args, work)
            return
        print("| clip | size | overlay | opacity | auto | fill | removelogo | delogo | telea | input | auto - best peer | auto - input |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|")
        margins, met = [], 0
        for clip in args.clips:
            for size in [(432, 240)] + ([] if args.quick or clip not in ("vtest.avi", "box.mp4.gz") else [None]):
                frames = ib.load_clip(clip, args.frames, size)
                H, W = frames[0].shape[:2]
                kinds = ["white", "colour", "text", "gradient"] if size else ["colour", "text"]
                for kind in kinds:
                    for op in [0.3, 0.5, 0.7, 1.0]:
                        if args.cases and not any(
                                clip.startswith(c) and kind == k and (o is None or abs(op - o) < 1e-6)
                                for c, k, o in args.cases):
                            continue
                        r = quality_case(args, work, clip, frames, kind, op)
                        best = max(r[p] for p in peers)
                        mp, mi = r["auto"] - best, r["auto"] - r["input"]
                        if op < 1:
                            margins.append((mp, mi))
                            met += mp >= 8 and mi >= 8
                        print("| %s | %dx%d | %s | %.1f | %.2f | %s | %.2f | %.2f | %.2f | %.2f | %+.2f | %+.2f |" % (
                            clip.split(".")[0], W, H, kind, op, r["auto"],
                            "%.2f" % r["fill"] if "fill" in r else "-", r["removelogo"], r["delogo"],
                            r["telea"], r["input"], mp if op < 1 else r["auto"] - r.get("fill", np.nan), mi), flush=True)
        print("\nsemi-transparent cases: auto above the best peer by %.2f dB at least (mean %.2f); "
              "above the input by %.2f dB at least (mean %.2f); %d of %d at least 8 dB above both; "
              "opaque rows: the margin column is auto - fill"
              % (min(m[0] for m in margins), np.mean([m[0] for m in margins]),
                 min(m[1] for m in margins), np.mean([m[1] for m in margins]), met, len(margins)) if margins else "")
        if not args.cases:
            detection(args, work)
    finally:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
