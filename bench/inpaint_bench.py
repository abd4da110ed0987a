#!/usr/bin/python3
"""Inpainting benchmark: vanish against the tools a user would otherwise pick, in one run.

    make bench            (or: /usr/bin/python3 bench/inpaint_bench.py --vanish build/tools/vanish/vanish)

Cases are made from Debian opencv-doc's real clips (ground truth = the clean clip): an opaque
static logo, a semi-transparent static watermark, a moving blob-shaped object, and a blob that
arrives at a fifth of the clip and then stands still in the picture while two frames at three
fifths are covered entirely, as by someone passing in front of the lens ("still": the flow chains
cannot cross the covered frames, and on a static camera only frames before the blob's arrival saw
what it hides); at 432x240
and at the clip's native size. Every method reads the same lossless PNG frames and writes PNG
frames, so decode/encode costs are alike and the quality figures carry no codec noise:

  vanish      vanish inpaint IN/ --masks M -o OUT/            (temporal fill, the default)
  spatial     vanish inpaint --method spatial                 (per-frame membrane fill)
  removelogo  ffmpeg -vf removelogo (static mask: the union of all masks)
  delogo      ffmpeg -vf delogo     (static rectangle: the bounding box of all masks)
  telea       cv2.inpaint(INPAINT_TELEA, radius 3), per frame, per-frame masks (python3-opencv)

Reported per case and method: PSNR and SSIM over the whole frame and inside the mask, a temporal
stability error inside the mask -- mean |(out_t - out_t-1) - (gt_t - gt_t-1)|, grey levels --
frames per second (wall time of the whole command) and peak resident memory (GNU time). A second table times
the MP4-to-MP4 job a user runs (H.264 in and out, decode and encode included).
Needs: ffmpeg, /usr/bin/time, python3-opencv, python3-numpy, opencv-doc.
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

DOC = "/usr/share/doc/opencv-doc"
DATA = DOC + "/examples/data"


def run_timed(cmd, env=None):
    """Run cmd under GNU time; return (seconds, peak RSS in MiB)."""
    t0 = time.monotonic()
    p = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, capture_output=True, text=True, env=env)
    dt = time.monotonic() - t0
    if p.returncode != 0:
        sys.stderr.write(p.stderr)
        raise SystemExit("failed: " + " ".join(cmd))
    rss_kb = int(p.stderr.strip().splitlines()[-1])
    return dt, rss_kb / 1024.0


def load_clip(name, n, size):
    """First n frames of an opencv-doc clip as RGB uint8 arrays, optionally resized."""
    path = DATA + "/" + name
    tmp = None
    if name.endswith(".gz"):
        tmp = tempfile.NamedTemporaryFile(suffix=".mp4", delete=False)
        with gzip.open(DOC + "/opencv4/html/" + name, "rb") as f:
            tmp.write(f.read())
        tmp.close()
        path = tmp.name
    cap = cv2.VideoCapture(path)
    frames = []
    while len(frames) < n:
        ok, bgr = cap.read()
        if not ok:
            break
        if size:
            bgr = cv2.resize(bgr, size, interpolation=cv2.INTER_AREA)
        frames.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    if tmp:
        os.unlink(tmp.name)
    return frames


def logo_rgba(width):
    logo = cv2.imread(DATA + "/opencv-logo.png", cv2.IMREAD_UNCHANGED)
    h = int(round(logo.shape[0] * width / logo.shape[1]))
    logo = cv2.resize(logo, (width, h), interpolation=cv2.INTER_AREA)
    rgb = cv2.cvtColor(logo[:, :, :3], cv2.COLOR_BGR2RGB).astype(np.float32)
    alpha = (logo[:, :, 3] > 127).astype(np.float32)
    return rgb, alpha


def text_rgba(w, h, text):
    img = np.zeros((h, w), np.uint8)
    scale = h / 40.0
    cv2.putText(img, text, (2, int(h * 0.78)), cv2.FONT_HERSHEY_DUPLEX, scale, 255, max(1, int(scale * 2)), cv2.LINE_AA)
    alpha = (img > 127).astype(np.float32)
    rgb = np.full((h, w, 3), 255.0, np.float32)
    return rgb, alpha


def composite(frames, case):
    """Burn the case's object into the frames; return (inputs, masks)."""
    H, W = frames[0].shape[:2]
    ins, masks = [], []
    if case == "logo":
        rgb, a = logo_rgba(max(24, W // 8))
        x0, y0, opacity = W - rgb.shape[1] - W // 40, H // 30, 1.0
    elif case == "watermark":
        rgb, a = text_rgba(W // 3, max(16, H // 9), "vanish")
        x0, y0, opacity = W // 30, H - rgb.shape[0] - H // 20, 0.5
    for t, f in enumerate(frames):
        out = f.astype(np.float32)
        m = np.zeros((H, W), np.uint8)
        hidden = case == "still" and t in (3 * len(frames) // 5, 3 * len(frames) // 5 + 1)
        if hidden:
            m[:] = 255
            out[:] = (30, 30, 30)
        elif case == "still" and t < len(frames) // 5:
            pass
        elif case in ("blob", "still"):
            r = H / 9.0
            cx = W * (0.3 + 0.4 * t / max(1, len(frames) - 1))
            cy = H * (0.55 + 0.12 * np.sin(t / 7.0))
            if case == "still":
                cx, cy = W * 0.5, H * 0.55
            yy, xx = np.mgrid[0:H, 0:W]
            inside = ((xx - cx) ** 2 + (yy - cy) ** 2 < r * r) | \
                     ((xx - cx - 0.8 * r) ** 2 + (yy - cy + 0.4 * r) ** 2 < (0.7 * r) ** 2) | \
                     ((xx - cx + 0.5 * r) ** 2 + (yy - cy - 0.7 * r) ** 2 < (0.6 * r) ** 2)
            m[inside] = 255
            out[inside] = (200, 40, 160)
        else:
            h, w = a.shape
            region = out[y0:y0 + h, x0:x0 + w]
            al = (a * opacity)[:, :, None]
            out[y0:y0 + h, x0:x0 + w] = region * (1 - al) + rgb * al
            m[y0:y0 + h, x0:x0 + w][a > 0] = 255
        ins.append(np.clip(out + 0.5, 0, 255).astype(np.uint8))
        masks.append(m)
    return ins, masks


def write_pngs(d, frames, grey=False):
    os.makedirs(d, exist_ok=True)
    for i, f in enumerate(frames):
        cv2.imwrite(os.path.join(d, "%05d.png" % i), f if grey else cv2.cvtColor(f, cv2.COLOR_RGB2BGR))


def read_pngs(d, n):
    return [cv2.cvtColor(cv2.imread(os.path.join(d, "%05d.png" % i)), cv2.COLOR_BGR2RGB) for i in range(n)]


def ssim_map(a, b):
    """SSIM (Wang et al. 2004) of two grey images, Gaussian window sigma 1.5."""
    a = a.astype(np.float64)
    b = b.astype(np.float64)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    blur = lambda x: cv2.GaussianBlur(x, (11, 11), 1.5)
    ma, mb = blur(a), blur(b)
    va, vb, cov = blur(a * a) - ma * ma, blur(b * b) - mb * mb, blur(a * b) - ma * mb
    return ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2))


def quality(outs, gts, masks):
    se_all = se_in = n_all = n_in = 0.0
    ss_all = ss_in = 0.0
    tv_sum = tv_n = 0.0
    for t in range(1, len(outs)):
        sel = masks[t] > 0
        if sel.any():
            do = outs[t].astype(np.float64) - outs[t - 1]
            dg = gts[t].astype(np.float64) - gts[t - 1]
            tv_sum += np.abs(do - dg)[sel].sum()
            tv_n += sel.sum() * 3
    for o, g, m in zip(outs, gts, masks):
        d = (o.astype(np.float64) - g) ** 2
        sel = m > 0
        se_all += d.sum()
        n_all += d.size
        se_in += d[sel].sum()
        n_in += sel.sum() * 3
        s = ssim_map(cv2.cvtColor(o, cv2.COLOR_RGB2GRAY), cv2.cvtColor(g, cv2.COLOR_RGB2GRAY))
        ss_all += s.mean()
        ss_in += s[sel].mean() if sel.any() else 1.0
    psnr = lambda se, n: 10 * np.log10(255.0 ** 2 / max(se / max(n, 1), 1e-10))
    k = len(outs)
    return psnr(se_all, n_all), psnr(se_in, n_in), ss_all / k, ss_in / k, tv_sum / max(tv_n, 1)


TELEA = r"""
import cv2, os, sys
src, msk, dst, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
os.makedirs(dst, exist_ok=True)
for i in range(n):
    f = cv2.imread(os.path.join(src, "%05d.png" % i))
    m = cv2.imread(os.path.join(msk, "%05d.png" % i), cv2.IMREAD_GRAYSCALE)
    m = cv2.dilate(m, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5)))
    cv2.imwrite(os.path.join(dst, "%05d.png" % i), cv2.inpaint(f, m, 3, cv2.INPAINT_TELEA))
"""


def run_case(args, work, clip, case, size, n):
    frames = load_clip(clip, n, size)
    n = len(frames)
    H, W = frames[0].shape[:2]
    ins, masks = composite(frames, case)
    d = tempfile.mkdtemp(dir=work)
    write_pngs(d + "/in", ins)
    write_pngs(d + "/masks", masks, grey=True)
    union = np.maximum.reduce(masks)
    union_d = cv2.dilate(union, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5)))
    cv2.imwrite(d + "/union.png", union_d)
    ys, xs = np.nonzero(union_d)
    bx0, by0 = max(1, xs.min() - 1), max(1, ys.min() - 1)
    bx1, by1 = min(W - 2, xs.max() + 1), min(H - 2, ys.max() + 1)
    cmds = {
        "vanish": [args.vanish, "inpaint", d + "/in", "--masks", d + "/masks", "-o", d + "/vanish/", "-q", "-y"],
        "spatial": [args.vanish, "inpaint", d + "/in", "--masks", d + "/masks", "-o", d + "/spatial/", "-q", "-y",
                    "--method", "spatial"],
        "removelogo": ["ffmpeg", "-v", "error", "-y", "-i", d + "/in/%05d.png", "-vf",
                       "removelogo=filename=" + d + "/union.png", "-start_number", "0", d + "/removelogo/%05d.png"],
        "delogo": ["ffmpeg", "-v", "error", "-y", "-i", d + "/in/%05d.png", "-vf",
                   "delogo=x=%d:y=%d:w=%d:h=%d" % (bx0, by0, bx1 - bx0 + 1, by1 - by0 + 1), "-start_number", "0", d + "/delogo/%05d.png"],
        "telea": ["/usr/bin/python3", "-c", TELEA, d + "/in", d + "/masks", d + "/telea", str(n)],
        "input": None,
    }
    rows = []
    for name, cmd in cmds.items():
        if cmd is None:
            outs, dt, rss = ins, float("nan"), float("nan")
        else:
            os.makedirs(d + "/" + name, exist_ok=True)
            dt, rss = run_timed(cmd)
            outs = read_pngs(d + "/" + name, n)
        q = quality(outs, frames, masks)
        rows.append((name, q, n / dt if dt == dt else float("nan"), rss))
        if args.keep and cmd is not None:
            mid = n // 2
            cv2.imwrite("%s/%s-%s-%dx%d-%s.png" % (args.keep, clip.split(".")[0], case, W, H, name),
                        cv2.cvtColor(np.hstack([ins[mid], outs[mid]]), cv2.COLOR_RGB2BGR))
    shutil.rmtree(d)
    return "%s %s %dx%d" % (clip.split(".")[0], case, W, H), rows


def speed_mp4(args, work):
    """The job as a user runs it: H.264 MP4 in, H.264 MP4 out (box.mp4 with its sound)."""
    rows = []
    for (w, h), n in [((432, 240), 450), ((1920, 1080), 60)]:
        src = work + "/speed-%d.mp4" % h
        box = work + "/box.mp4"
        if not os.path.exists(box):
            with gzip.open(DOC + "/opencv4/html/box.mp4.gz", "rb") as f, open(box, "wb") as o:
                o.write(f.read())
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", box, "-vf", "scale=%d:%d" % (w, h),
                        "-frames:v", str(n), "-c:v", "libx264", "-crf", "18", "-c:a", "copy", src], check=True)
        frames = load_clip("vtest.avi", 1, (w, h))
        _, masks = composite(frames, "logo")
        mask = work + "/speed-mask-%d.png" % h
        cv2.imwrite(mask, masks[0])
        out = work + "/speed-out.mp4"
        for name, cmd in [
            ("vanish", [args.vanish, "inpaint", src, "--masks", mask, "-o", out, "-q", "-y"]),
            ("spatial", [args.vanish, "inpaint", src, "--masks", mask, "-o", out, "-q", "-y", "--method", "spatial"]),
            ("removelogo", ["ffmpeg", "-v", "error", "-y", "-i", src, "-vf", "removelogo=filename=" + mask,
                            "-c:v", "libx264", "-crf", "18", "-c:a", "copy", out]),
        ]:
            dt, rss = run_timed(cmd)
            rows.append(("%dx%d" % (w, h), name, n / dt, rss))
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vanish", default="build/tools/vanish/vanish")
    ap.add_argument("--frames", type=int, default=40, help="frames per case (default 40)")
    ap.add_argument("--keep", help="directory for before/after PNGs of the middle frame")
    ap.add_argument("--quick", action="store_true", help="432x240 cases only")
    ap.add_argument("--speed-only", action="store_true", help="only the MP4-to-MP4 speed table")
    args = ap.parse_args()
    args.vanish = os.path.abspath(args.vanish)
    if args.keep:
        os.makedirs(args.keep, exist_ok=True)
    work = tempfile.mkdtemp(prefix="vanish-bench-")
    try:
        if not args.speed_only:
            sizes = [(432, 240)] + ([] if args.quick else [None])
            results = []
            for clip in ["vtest.avi", "box.mp4.gz", "cup.mp4.gz", "Megamind.avi", "tree.avi"]:
                for case in ["logo", "watermark", "blob", "still"]:
                    for size in sizes:
                        if size is None and clip not in ("vtest.avi", "box.mp4.gz"):
                            continue  # native size: two clips are enough and keep the run short
                        results.append(run_case(args, work, clip, case, size, args.frames))
                        label, rows = results[-1]
                        print("%-28s " % label + "  ".join("%s %.2f/%.2f" % (r[0], r[1][0], r[1][1]) for r in rows),
                              file=sys.stderr, flush=True)
            print("\n## Quality and speed per case (PNG frames in and out)\n")
            print("| case | method | PSNR all | PSNR mask | SSIM all | SSIM mask | temporal err | fps | peak MiB |")
            print("|---|---|---|---|---|---|---|---|---|")
            for label, rows in results:
                for name, q, fps, rss in rows:
                    print("| %s | %s | %.2f | %.2f | %.4f | %.4f | %.2f | %s | %s |" % (
                        label, name, q[0], q[1], q[2], q[3], q[4],
                        "-" if fps != fps else "%.1f" % fps, "-" if rss != rss else "%.0f" % rss))
            print("\n## Mean over cases\n")
            print("| method | cases | PSNR all | PSNR mask | SSIM mask | temporal err | fps |")
            print("|---|---|---|---|---|---|---|")
            for kind in ["logo", "watermark", "blob", "still", ""]:
                sel = [r for label, rows in results if kind in label for r in rows]
                for name in ["vanish", "spatial", "removelogo", "delogo", "telea", "input"]:
                    rs = [r for r in sel if r[0] == name]
                    fps = [r[2] for r in rs if r[2] == r[2]]
                    print("| %s | %s | %.2f | %.2f | %.4f | %.2f | %s |" % (
                        name, kind or "all", np.mean([r[1][0] for r in rs]), np.mean([r[1][1] for r in rs]),
                        np.mean([r[1][3] for r in rs]), np.mean([r[1][4] for r in rs]),
                        "%.1f" % np.mean(fps) if fps else "-"))
            print("\n## vanish against the best spatial peer per case (whole-frame PSNR, dB)\n")
            print("| case | vanish | best peer | margin |")
            print("|---|---|---|---|")
            margins = []
            for label, rows in results:
                by = {r[0]: r for r in rows}
                best = max(("removelogo", "delogo", "telea"), key=lambda k: by[k][1][0])
                margins.append(by["vanish"][1][0] - by[best][1][0])
                print("| %s | %.2f | %s %.2f | %+.2f |" % (label, by["vanish"][1][0], best, by[best][1][0], margins[-1]))
            print("\nmean margin %+.2f dB, worst %+.2f dB" % (np.mean(margins), min(margins)))
        print("\n## MP4 to MP4 (box.mp4 scaled, with its sound; static logo mask; decode + encode included)\n")
        print("| size | method | fps | peak MiB | time vs removelogo |")
        print("|---|---|---|---|---|")
        rows = speed_mp4(args, work)
        for size, name, fps, rss in rows:
            ref = [r for r in rows if r[0] == size and r[1] == "removelogo"][0]
            print("| %s | %s | %.1f | %.0f | %.2fx |" % (size, name, fps, rss, ref[2] / fps))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
