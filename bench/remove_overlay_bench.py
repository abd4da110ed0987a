#!/usr/bin/python3
"""A clicked semi-transparent watermark through `vanish remove`: un-blended or filled?

    nice -n 10 /usr/bin/python3 bench/remove_overlay_bench.py --vanish build-h47/tools/vanish/vanish \\
        [--before /tmp/wt/build/tools/vanish/vanish] [--frames 150] [--opacity 0.5] [--kind colour] [--rigid]
        [--crf 20] [--cases colour:0.5,white:0.5,colour:0.3] [--keep DIR] [--grow 0,2] [--no-remove]

The clip: the first --frames frames of opencv-doc's box.mp4 (640x480) with a static overlay burned
in, I = a*W + (1 - a)*J (overlay_bench.py's logos; default the coloured OpenCV logo, 106 px wide,
opacity 0.5, top-left corner at 300,200, where the box passes under it), as PNG frames (or, with
--crf N, as H.264 4:2:0 at that CRF, as most videos a user has come; the PSNR is then also
against the clean clip, so it counts the compression's loss too). A user
clicks the logo once (the deepest pixel of its top ring) and runs

  remove      vanish remove CLIP/ --point 0:X,Y -o OUT/ --masks-out MASKS/   (segment, track, inpaint)
  perfect     vanish inpaint CLIP/ --masks TRUE.png -o OUT/   (the un-blend with the exact footprint)
  perfect, fill   the same with --method fill
  grown N     the same two with the footprint grown by N px (--grow 0,2: a brush or a loose
              proposal is never exact; where the picture under the band is still, the estimate
              must peel it)
  input       the untouched input

Reported: PSNR against the clean clip (all frames) inside the true footprint, and inside the part
of it that the click took (the tracked masks' per-pixel majority, of the first `remove` run); for
`remove` the tracked masks: frames equal to their majority, and the majority's IoU with the truth.
--before runs `remove` with a second binary too (e.g. one built from an earlier commit), in the
same run, so the two are compared side by side. --cases KIND:OPACITY,... runs several overlays one
after the other (the click cases counted: colour:0.5,white:0.5,colour:0.3); --keep DIR keeps each
case's work folder (input, masks, outputs) under DIR to look at. --no-remove leaves out the
`remove` rows (the clicked column is then the footprint's).
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

import cv2
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import inpaint_bench as ib  # noqa: E402
import overlay_bench as ob  # noqa: E402


def click_point(m):
    """The deepest footprint pixel in the top half of the logo (its top ring)."""
    ys, _ = np.nonzero(m)
    top = m.copy()
    top[(ys.min() + ys.max()) // 2:] = 0
    d = cv2.distanceTransform((top > 0).astype(np.uint8), cv2.DIST_L2, 5)
    y, x = np.unravel_index(np.argmax(d), d.shape)
    return int(x), int(y)


def run(cmd):
    t = time.time()
    p = subprocess.run(["/usr/bin/time", "-f", "%U %S"] + cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.stderr.write(p.stderr)
        raise SystemExit("failed: " + " ".join(cmd))
    cpu = sum(float(v) for v in p.stderr.strip().splitlines()[-1].split())
    return cpu, time.time() - t


def iou(a, b):
    return (a & b).sum() / max((a | b).sum(), 1)


def mask_stats(d, n, truth):
    """Frames equal to the masks' majority, its IoU with the truth, the truth inside it, and the
    first frame's (the click's) IoU with the truth."""
    ms = [cv2.imread("%s/%05d.png" % (d, i), cv2.IMREAD_GRAYSCALE) > 0 for i in range(n)]
    maj = np.sum(ms, 0) * 2 > n
    same = sum(int(np.array_equal(m, maj)) for m in ms)
    t = truth > 0
    return same, iou(maj, t), (maj & t).astype(np.uint8), iou(ms[0], t)


def decoded(path, n):
    """The first n frames of a video as RGB arrays."""
    cap, out = cv2.VideoCapture(path), []
    while len(out) < n:
        ok, bgr = cap.read()
        if not ok:
            break
        out.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    return out


def psnrs(outs, frames, m, took):
    return ob.psnr_in(outs, frames, m), ob.psnr_in(outs, frames, took)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vanish", default="build/tools/vanish/vanish")
    ap.add_argument("--before", default="", help="a second vanish binary whose remove is measured too")
    ap.add_argument("--frames", type=int, default=150)
    ap.add_argument("--opacity", type=float, default=0.5)
    ap.add_argument("--kind", default="colour", help="white, colour, text or gradient")
    ap.add_argument("--at", default="300,200", help="the overlay's top-left corner")
    ap.add_argument("--rigid", action="store_true", help="remove --rigid")
    ap.add_argument("--crf", type=int, default=-1, help="give vanish the clip as H.264 (yuv420p) at this CRF")
    ap.add_argument("--cases", default="", help="KIND:OPACITY,... run one after the other (overrides --kind, --opacity)")
    ap.add_argument("--keep", default="", help="keep each case's work folder under this folder")
    ap.add_argument("--grow", default="0", help="pixels the footprint is grown by for the perfect-mask rows, e.g. 0,2")
    ap.add_argument("--no-remove", action="store_true", help="only the perfect-mask rows (no segment and track)")
    args = ap.parse_args()
    frames = ib.load_clip("box.mp4.gz", args.frames, None)
    cases = [(c.split(":")[0], float(c.split(":")[1])) for c in args.cases.split(",")] if args.cases else \
        [(args.kind, args.opacity)]
    for kind, opacity in cases:
        one_case(args, frames, kind, opacity)


def perfect_rows(args, work, clip, frames, m, took, g):
    """Rows of inpaint with the footprint grown by g px (0: the exact one), auto and fill."""
    n, rows = len(frames), []
    mask = work + "/true%d.png" % g
    cv2.imwrite(mask, cv2.dilate(m, np.ones((2 * g + 1, 2 * g + 1), np.uint8)) if g else m)
    name = "perfect" if g == 0 else "grown %d" % g
    for method, label, note in [("auto", name + (" mask" if g == 0 else ""), "inpaint --masks TRUE.png" +
                                 (" grown by %d px" % g if g else "")),
                                ("fill", name + ", fill", "the same, --method fill")]:
        out = work + "/%s%d_%s/" % ("perfect", g, method)
        cpu, wall = run([args.vanish, "inpaint", clip, "--masks", mask, "--method", method, "-q", "-y", "-o", out])
        rows.append((label, cpu, wall, psnrs(ib.read_pngs(out, n), frames, m, took), note))
    return rows


def one_case(args, frames, kind, opacity):
    """Burn the overlay in, click it, and print the rows of one case."""
    n = len(frames)
    x0, y0 = (int(v) for v in args.at.split(","))
    ins, m = ob.burn_at(frames, kind, opacity, x0, y0)
    work = tempfile.mkdtemp(prefix="vanish-rmovl-")
    try:
        ib.write_pngs(work + "/in", ins)
        clip = work + "/in"
        if args.crf >= 0:
            clip = work + "/in.mp4"
            subprocess.run(["ffmpeg", "-v", "error", "-y", "-framerate", "30", "-i", work + "/in/%05d.png", "-c:v", "libx264",
                            "-crf", str(args.crf), "-pix_fmt", "yuv420p", clip], check=True, capture_output=True)
        cv2.imwrite(work + "/true.png", m)
        x, y = click_point(m)
        print("box.mp4 %d frames 640x480, %s logo at opacity %.2f, top-left %d,%d, %d px; click %d,%d%s%s"
              % (n, kind, opacity, x0, y0, int((m > 0).sum()), x, y, " (--rigid)" if args.rigid else "",
                 ", H.264 CRF %d" % args.crf if args.crf >= 0 else ", PNG frames"))
        rows, took = [], None
        bins = [] if args.no_remove else \
            [("remove", args.vanish)] + ([("remove (before)", args.before)] if args.before else [])
        for name, exe in bins:
            out, md = work + "/" + name.replace(" ", "_") + "/", work + "/masks-" + name.replace(" ", "_")
            cmd = [exe, "remove", clip, "--point", "0:%d,%d" % (x, y), "-q", "-y", "-o", out,
                   "--masks-out", md] + (["--rigid"] if args.rigid else [])
            cpu, wall = run(cmd)
            same, miou, part, ciou = mask_stats(md, n, m)
            took = part if took is None else took
            rows.append((name, cpu, wall, psnrs(ib.read_pngs(out, n), frames, m, took),
                         "masks: %d/%d frames equal their majority, majority IoU %.3f, frame 0 IoU %.3f"
                         % (same, n, miou, ciou)))
        took = (m > 0).astype(np.uint8) if took is None else took
        for g in [int(v) for v in args.grow.split(",") if v != ""]:
            rows += perfect_rows(args, work, clip, frames, m, took, g)
        if args.crf >= 0:
            ins = decoded(clip, n)
        rows.insert(0, ("input", None, None, psnrs(ins, frames, m, took), ""))
        print("PSNR (dB) in the true footprint (%d px) and in the part the click took (%d px)"
              % (int((m > 0).sum()), int(took.sum())))
        print("%-16s %9s %9s %8s %8s  %s" % ("method", "footprint", "clicked", "CPU s", "wall s", ""))
        for name, cpu, wall, (fp, clicked), note in rows:
            print("%-16s %9.2f %9.2f %8s %8s  %s" % (name, fp, clicked,
                                                     "%.1f" % cpu if cpu else "-", "%.1f" % wall if wall else "-", note))
    finally:
        if args.keep:
            dest = os.path.join(args.keep, "%s-%.2f%s" % (kind, opacity, "-crf%d" % args.crf if args.crf >= 0 else ""))
            os.makedirs(args.keep, exist_ok=True)
            shutil.rmtree(dest, ignore_errors=True)
            shutil.move(work, dest)
        else:
            shutil.rmtree(work)


if __name__ == "__main__":
    main()
