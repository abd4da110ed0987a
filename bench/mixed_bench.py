#!/usr/bin/python3
"""A watermark and a passer-by removed in one run: `vanish inpaint --masks MOVING/ --overlay-mask LOGO.png`
(the logo un-blended, the moving object filled) against everything filled (`--method fill`, same masks).

    /usr/bin/python3 bench/mixed_bench.py --vanish build/tools/vanish/vanish [--frames 60] [--clips vtest,box]

Each case: an opencv-doc clip at 432x240, an opaque grey card (the passer-by) sliding across the frame
through the logo's place, and the coloured OpenCV logo burned in at 50% over both (bench/overlay_bench.py's
place and logo). Ground truth: the clean clip. PSNR inside the logo's footprint where the card is not
(on that frame, grown by 4 px), inside the footprint where it is, and in the card's masks outside the logo.
"""
import argparse, os, shutil, subprocess, sys, tempfile
import cv2
import numpy as np
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import inpaint_bench as ib  # noqa: E402
import overlay_bench as ob  # noqa: E402


def psnr_sel(outs, gts, sels):
    se = sum(((o.astype(np.float64) - g) ** 2)[s].sum() for o, g, s in zip(outs, gts, sels))
    n = 3 * sum(int(s.sum()) for s in sels)
    return 10 * np.log10(255.0 ** 2 / max(se / max(n, 1), 1e-10))


def case(args, work, clip, frames):
    n = len(frames)
    H, W = frames[0].shape[:2]
    rgb, a = ob.overlay_rgba("colour", W, H)
    h, w = a.shape
    x0, y0 = ob.place(clip, W, H, w, h)
    cw, ch = 40, 60
    moving, boxed = [], []
    for i, f in enumerate(frames):   # the card crosses from left to right through the logo's rows
        g = f.copy()
        m = np.zeros((H, W), np.uint8)
        cx = int(-cw + (W + cw) * i / (n - 1))
        cy = y0 + h // 2 - ch // 2
        xa, xb, ya, yb = max(cx, 0), min(cx + cw, W), max(cy, 0), min(cy + ch, H)
        if xb > xa:
            g[ya:yb, xa:xb] = (90, 90, 90)
            m[ya:yb, xa:xb] = 255
        boxed.append(g)
        moving.append(m)
    ins, fp = ob.burn_at(boxed, "colour", 0.5, x0, y0)
    d = tempfile.mkdtemp(dir=work)
    ib.write_pngs(d + "/in", ins)
    ib.write_pngs(d + "/moving", moving, grey=True)
    cv2.imwrite(d + "/logo.png", fp)
    v = [args.vanish, "inpaint", d + "/in", "--masks", d + "/moving", "--overlay-mask", d + "/logo.png", "-q", "-y", "-o"]
    outs = {}
    for name, extra in (("mixed", []), ("fill", ["--method", "fill"])):
        subprocess.run(v + [d + "/" + name + "/"] + extra, check=True)
        outs[name] = ib.read_pngs(d + "/" + name, n)
    outs["input"] = ins
    k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (9, 9))
    near = [cv2.dilate(m, k) > 0 for m in moving]
    f = fp > 0
    sel = {"logo, card away": [f & ~c for c in near], "logo, card on it": [f & (m > 0) for m in moving],
           "card, outside logo": [(m > 0) & ~f for m in moving]}
    shutil.rmtree(d)
    return {name: {s: psnr_sel(o, frames, sl) for s, sl in sel.items()} for name, o in outs.items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vanish", required=True)
    ap.add_argument("--frames", type=int, default=60)
    ap.add_argument("--clips", default="vtest,box")
    args = ap.parse_args()
    names = {"vtest": "vtest.avi", "box": "box.mp4.gz"}
    work = tempfile.mkdtemp()
    print("| clip | region | mixed | all filled | input |\n|---|---|---|---|---|")
    for c in args.clips.split(","):
        frames = ib.load_clip(names[c], args.frames, (432, 240))
        r = case(args, work, names[c], frames)
        for s in r["mixed"]:
            print("| %s | %s | %.2f | %.2f | %.2f |" % (c, s, r["mixed"][s], r["fill"][s], r["input"][s]))
    shutil.rmtree(work)


main()
