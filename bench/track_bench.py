#!/usr/bin/python3
"""Mask tracking benchmark: vanish track against two baselines, on composited ground truth.

Run from the repository root after building (any build directory):

    /usr/bin/python3 bench/track_bench.py [--vanish build-track/tools/vanish/vanish] [--frames 60]
                                          [--rigid-frames 300] [--static-frames 150]
                                          [--work /tmp/vanish-track-bench]
                                          [--vanish-args "--motion flow"] [--no-rigid]
                                          [--only fruit/box,static]

Ground truth: real objects with exact masks (shape regions cut from opencv-doc's fruits.jpg and
butterfly.jpg, the alpha of opencv-logo.png) composited onto real moving clips from opencv-doc
(box.mp4, cup.mp4, Megamind.avi, vtest.avi) scaled to 854x480, along smooth paths with changes
of scale and rotation, some partly hidden by a passing occluder; and rigid logos on flat moving
surfaces (a poster moved by a smooth homography) over 300 frames; and a static opaque logo over a
clip that pans and zooms under it (like the demo's), its keyframe mask exact or 3 px wider, and
the same logo semi-transparent (a watermark at 30% opacity, the picture moving under it), tracked
with and without --rigid: its mask must stay put (J >= 0.99, no drift). --only runs the sequences
whose names contain one of the comma-separated words (a subset, on the shared machine).

Measures (DAVIS): J = region IoU, F = boundary F-measure with a tolerance of 0.008 x the image
diagonal, first and last frames left out; for vanish, for copying the first mask to every frame,
and for warping the mask from frame to frame along OpenCV's DIS flow (MEDIUM preset), all in
this run. Speed: vanish's frames per second over the whole command (lossless FFV1 video in, PNG
masks out)
on the 854x480 clips with one object.
"""
import argparse
import gzip
import math
import os
import shutil
import subprocess
import sys
import time

import cv2
import numpy as np

DATA = '/usr/share/doc/opencv-doc/examples/data'
HTML = '/usr/share/doc/opencv-doc/opencv4/html'
W, H = 854, 480


def clip_path(name, work):
    if name.endswith('.gz'):
        out = os.path.join(work, os.path.basename(name)[:-3])
        if not os.path.exists(out):
            with gzip.open(os.path.join(HTML, name), 'rb') as f, open(out, 'wb') as g:
                shutil.copyfileobj(f, g)
        return out
    return os.path.join(DATA, name)


def read_clip(name, work, n, start=0, step=1):
    cap = cv2.VideoCapture(clip_path(name, work))
    frames, i = [], 0
    while len(frames) < n:
        ok, fr = cap.read()
        if not ok:
            cap.release()
            cap = cv2.VideoCapture(clip_path(name, work))  # loop short clips
            continue
        if i >= start and (i - start) % step == 0:
            frames.append(cv2.resize(fr, (W, H), interpolation=cv2.INTER_AREA))
        i += 1
    return frames


def shape_object(img_name, poly, scale=1.0):
    """An RGBA object: the polygon region (image coordinates) of an opencv-doc image."""
    img = cv2.imread(os.path.join(DATA, img_name))
    if scale != 1.0:
        img = cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        poly = [(x * scale, y * scale) for x, y in poly]
    m = np.zeros(img.shape[:2], np.uint8)
    cv2.fillPoly(m, [np.array(poly, np.int32)], 255)
    x, y, w, h = cv2.boundingRect(np.array(poly, np.int32))
    return np.dstack([img, m])[y:y + h, x:x + w]


def logo_object(size):
    img = cv2.imread(os.path.join(DATA, 'opencv-logo.png'), cv2.IMREAD_UNCHANGED)
    s = size / max(img.shape[:2])
    img = cv2.resize(img, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
    return img


def blob(cx, cy, r, k, seed):
    rng = np.random.RandomState(seed)
    a = np.linspace(0, 2 * np.pi, k, endpoint=False)
    rr = r * (1 + 0.25 * rng.uniform(-1, 1, k))
    return [(cx + rr[i] * math.cos(a[i]), cy + 0.8 * rr[i] * math.sin(a[i])) for i in range(k)]


def composite(frame, obj, M, out_mask=None):
    """Alpha-composite obj (RGBA) warped by the 2x3 or 3x3 matrix M; returns the binary mask."""
    h, w = frame.shape[:2]
    if M.shape[0] == 2:
        rgb = cv2.warpAffine(obj[:, :, :3], M, (w, h), flags=cv2.INTER_LINEAR)
        a = cv2.warpAffine(obj[:, :, 3], M, (w, h), flags=cv2.INTER_LINEAR)
    else:
        rgb = cv2.warpPerspective(obj[:, :, :3], M, (w, h), flags=cv2.INTER_LINEAR)
        a = cv2.warpPerspective(obj[:, :, 3], M, (w, h), flags=cv2.INTER_LINEAR)
    af = (a.astype(np.float32) / 255.0)[:, :, None]
    frame[:] = (frame * (1 - af) + rgb * af + 0.5).astype(np.uint8)
    return a >= 128


def similarity(obj, t, n, cx0, cy0, ax, ay, rot, sc, phase):
    h, w = obj.shape[:2]
    u = t / max(n - 1, 1)
    cx = cx0 + ax * math.sin(2 * math.pi * u * 0.8 + phase)
    cy = cy0 + ay * math.sin(2 * math.pi * u * 0.6 + 2 * phase)
    ang = rot * math.sin(2 * math.pi * u * 0.7 + phase)
    s = 1 + sc * math.sin(2 * math.pi * u * 0.5 + phase)
    M = cv2.getRotationMatrix2D((w / 2, h / 2), ang, s)
    M[0, 2] += cx - w / 2
    M[1, 2] += cy - h / 2
    return M


def make_deform_seq(name, clip, obj, n, work, path, occluder=None, start=0):
    frames = read_clip(clip, work, n, start)
    masks = []
    for t, fr in enumerate(frames):
        m = composite(fr, obj, similarity(obj, t, n, *path))
        if occluder is not None:
            # a bar sweeping across the object's path
            occ, oy = occluder
            ox = -occ.shape[1] + (W + occ.shape[1]) * t / (n - 1)
            M = np.float32([[1, 0, ox], [0, 1, oy]])
            mo = composite(fr, occ, M)
            m &= ~mo
        masks.append(m)
    return frames, masks


def plane_h(t, n, cx, cy):
    u = t / max(n - 1, 1)
    a = 0.35 * math.sin(2 * math.pi * u * 1.3)
    s = 1 + 0.2 * math.sin(2 * math.pi * u * 0.9)
    px = 0.0004 * math.sin(2 * math.pi * u * 1.1)
    py = 0.0003 * math.cos(2 * math.pi * u * 0.7)
    tx = 150 * math.sin(2 * math.pi * u * 0.8)
    ty = 60 * math.sin(2 * math.pi * u * 1.2)
    R = np.array([[s * math.cos(a), -s * math.sin(a), 0], [s * math.sin(a), s * math.cos(a), 0], [px, py, 1]])
    T0 = np.array([[1, 0, -cx], [0, 1, -cy], [0, 0, 1]], float)
    T1 = np.array([[1, 0, W / 2 + tx], [0, 1, H / 2 + ty], [0, 0, 1]], float)
    return T1 @ R @ T0


def make_rigid_seq(name, clip, poster_img, n, work, logo_size=200):
    frames = read_clip(clip, work, n)
    poster = cv2.imread(os.path.join(DATA, poster_img))
    poster = cv2.resize(poster, (360, 260), interpolation=cv2.INTER_AREA)
    logo = logo_object(logo_size)
    lh, lw = logo.shape[:2]
    ly, lx = (260 - lh) // 2, (360 - lw) // 2
    a = (logo[:, :, 3:4].astype(np.float32) / 255)
    region = poster[ly:ly + lh, lx:lx + lw]
    poster[ly:ly + lh, lx:lx + lw] = (region * (1 - a) + logo[:, :, :3] * a + 0.5).astype(np.uint8)
    lmask = np.zeros((260, 360), np.uint8)
    lmask[ly:ly + lh, lx:lx + lw] = logo[:, :, 3]
    obj = np.dstack([poster, np.full((260, 360), 255, np.uint8)])
    masks, floor = [], []
    for t, fr in enumerate(frames):
        Hm = plane_h(t, n, 180, 130)
        composite(fr, obj, Hm)
        masks.append(cv2.warpPerspective(lmask, Hm, (W, H), flags=cv2.INTER_LINEAR) >= 128)
        # the best a binary first mask can do: warped by the true homography
        M = Hm @ np.linalg.inv(plane_h(0, n, 180, 130))
        floor.append(cv2.warpPerspective(masks[0].astype(np.float32), M, (W, H), flags=cv2.INTER_LINEAR) >= 0.5)
    return frames, masks, floor


def make_static_seq(name, clip, n, work, logo_size=120, margin=0, opacity=1.0):
    """A static opaque logo (like a channel's bug) over a clip that pans and zooms under it: the
    truth is the same mask on every frame. margin > 0 widens the keyframe mask by that many pixels
    (a click mask that took some background): then the truth is that wider mask. opacity < 1: a
    semi-transparent watermark (its footprint: where the logo's alpha reaches a half)."""
    frames = read_clip(clip, work, n)
    logo = logo_object(logo_size)
    if opacity < 1.0:
        logo = logo.copy()
        logo[:, :, 3] = np.where(logo[:, :, 3] >= 128, int(round(255 * opacity)), 0).astype(np.uint8)
    lh, lw = logo.shape[:2]
    M = np.float32([[1, 0, W - lw - 30], [0, 1, 24]])
    mask = None
    for t, fr in enumerate(frames):
        u = t / max(n - 1, 1)
        z = 1 + 0.25 * u
        Z = cv2.getRotationMatrix2D((W / 2 + 80 * math.sin(2 * math.pi * u), H / 2), 0, z)
        fr[:] = cv2.warpAffine(fr, Z, (W, H), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        m = composite(fr, logo, M)
        if opacity < 1.0:  # composite's mask is alpha >= a half; the watermark's footprint is alpha > 0
            m = cv2.warpAffine(logo[:, :, 3], M, (W, H), flags=cv2.INTER_NEAREST) > 0
        mask = m if mask is None else mask
    if margin:
        k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * margin + 1, 2 * margin + 1))
        mask = cv2.dilate(mask.astype(np.uint8), k) > 0
    return frames, [mask] * n


def max_shift(preds):
    """Largest distance in pixels of a mask's centroid from the first mask's (inf if one is empty)."""
    def centroid(m):
        ys, xs = np.nonzero(m)
        return np.array([xs.mean(), ys.mean()]) if len(xs) else None
    c0, worst = centroid(preds[0]), 0.0
    for m in preds[1:]:
        c = centroid(m)
        worst = max(worst, float('inf') if c is None or c0 is None else float(np.hypot(*(c - c0))))
    return worst


# ---- measures ----

def boundary(m):
    m8 = m.astype(np.uint8)
    er = cv2.erode(m8, np.ones((3, 3), np.uint8), borderType=cv2.BORDER_CONSTANT, borderValue=0)
    return (m8 - er) > 0


def j_measure(a, b):
    u = np.logical_or(a, b).sum()
    return 1.0 if u == 0 else np.logical_and(a, b).sum() / u


def f_measure(pred, gt):
    bp, bg = boundary(pred), boundary(gt)
    if not bp.any() and not bg.any():
        return 1.0
    if not bp.any() or not bg.any():
        return 0.0
    tol = 0.008 * math.hypot(*gt.shape)
    dg = cv2.distanceTransform((~bg).astype(np.uint8), cv2.DIST_L2, 5)
    dp = cv2.distanceTransform((~bp).astype(np.uint8), cv2.DIST_L2, 5)
    prec = (dg[bp] <= tol).mean()
    rec = (dp[bg] <= tol).mean()
    return 0.0 if prec + rec == 0 else 2 * prec * rec / (prec + rec)


def score(preds, gts):
    idx = range(1, len(gts) - 1)
    J = np.mean([j_measure(preds[i], gts[i]) for i in idx])
    F = np.mean([f_measure(preds[i], gts[i]) for i in idx])
    return J, F


# ---- methods ----

VANISH_ARGS = []


def run_vanish(exe, frames, mask0, work, name, rigid=False):
    d = os.path.join(work, name)
    fdir, odir = os.path.join(d, 'clip.mkv'), os.path.join(d, 'out')
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    vw = cv2.VideoWriter(fdir, cv2.VideoWriter_fourcc(*'FFV1'), 25, (W, H))  # lossless (bgra)
    for fr in frames:
        vw.write(fr)
    vw.release()
    cv2.imwrite(os.path.join(d, 'key.png'), mask0.astype(np.uint8) * 255)
    cmd = [exe, 'track', fdir, '--mask', '0:' + os.path.join(d, 'key.png'), '-o', odir + '/', '-q']
    if rigid:
        cmd.append('--rigid')
    cmd += VANISH_ARGS
    t0, c0 = time.time(), os.times()
    r = subprocess.run(cmd, capture_output=True, text=True)
    dt, c1 = time.time() - t0, os.times()
    cpu = (c1.children_user - c0.children_user) + (c1.children_system - c0.children_system)
    if r.returncode != 0:
        sys.exit('vanish failed: ' + r.stderr.strip())
    preds = [cv2.imread(os.path.join(odir, '%05d.png' % i), cv2.IMREAD_GRAYSCALE) > 0 for i in range(len(frames))]
    return preds, (dt, cpu)


def time_h264(exe, work, name, reps=1):
    """vanish track on an H.264 copy of a benchmark clip (the usual input): wall and CPU seconds."""
    d = os.path.join(work, name)
    src, mp4, odir = os.path.join(d, 'clip.mkv'), os.path.join(d, 'clip.mp4'), os.path.join(d, 'out-h264')
    subprocess.run(['ffmpeg', '-v', 'error', '-y', '-i', src, '-c:v', 'libx264', '-crf', '18', '-pix_fmt', 'yuv420p',
                    mp4], check=True)
    shutil.rmtree(odir, ignore_errors=True)
    cmd = [exe, 'track', mp4, '--mask', '0:' + os.path.join(d, 'key.png'), '-o', odir + '/', '-q'] + VANISH_ARGS
    t0, c0 = time.time(), os.times()
    subprocess.run(cmd, check=True, capture_output=True)
    c1 = os.times()
    return time.time() - t0, (c1.children_user - c0.children_user) + (c1.children_system - c0.children_system)


def run_copy(frames, mask0):
    return [mask0.copy() for _ in frames]


def run_dis(frames, mask0):
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    gx, gy = np.meshgrid(np.arange(W, dtype=np.float32), np.arange(H, dtype=np.float32))
    prev = cv2.cvtColor(frames[0], cv2.COLOR_BGR2GRAY)
    m = mask0.astype(np.float32)
    out = [mask0.copy()]
    for fr in frames[1:]:
        cur = cv2.cvtColor(fr, cv2.COLOR_BGR2GRAY)
        flow = dis.calc(cur, prev, None)  # current → previous: where each pixel came from
        m = cv2.remap(m, gx + flow[:, :, 0], gy + flow[:, :, 1], cv2.INTER_LINEAR)
        m = (m >= 0.5).astype(np.float32)
        out.append(m > 0)
        prev = cur
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--vanish', default='build-track/tools/vanish/vanish')
    ap.add_argument('--frames', type=int, default=60)
    ap.add_argument('--rigid-frames', type=int, default=300)
    ap.add_argument('--work', default='/tmp/vanish-track-bench')
    ap.add_argument('--vanish-args', default='', help='extra flags for vanish track, e.g. "--motion flow"')
    ap.add_argument('--static-frames', type=int, default=150)
    ap.add_argument('--no-rigid', action='store_true', help='skip the rigid- and static-logo sequences')
    ap.add_argument('--only', default='', help='run only the sequences whose names contain one of these words')
    a = ap.parse_args()
    only = [w for w in a.only.split(',') if w]
    wanted = lambda name: not only or any(w in name for w in only)
    VANISH_ARGS[:] = a.vanish_args.split()
    os.makedirs(a.work, exist_ok=True)
    n = a.frames
    fruit = shape_object('fruits.jpg', blob(260, 250, 110, 11, 1))
    fly = shape_object('butterfly.jpg', blob(250, 175, 120, 9, 2), 0.9)
    logo = logo_object(150)
    bar = shape_object('baboon.jpg', [(0, 0), (60, 0), (60, 400), (0, 400)])
    seqs = [
        ('fruit/box', lambda: make_deform_seq('fruit-box', 'box.mp4.gz', fruit, n, a.work,
                                             (W / 2, H / 2, 220, 90, 25, 0.2, 0.0))),
        ('butterfly/cup+occl', lambda: make_deform_seq('fly-cup', 'cup.mp4.gz', fly, n, a.work,
                                                      (W / 2, H / 2, 200, 80, 20, 0.15, 1.0), (bar, 40))),
        ('logo/megamind', lambda: make_deform_seq('logo-mm', 'Megamind.avi', logo, n, a.work,
                                                 (W / 2, H / 2, 250, 100, 30, 0.25, 2.0))),
        ('fruit/vtest+occl', lambda: make_deform_seq('fruit-vt', 'vtest.avi', fruit, n, a.work,
                                                    (W / 2, H / 2, 230, 100, 25, 0.2, 3.0), (bar, 80))),
    ]
    rigid = [
        ('poster-logo/vtest', lambda: make_rigid_seq('rig-vt', 'vtest.avi', 'graf1.png', a.rigid_frames, a.work)),
        ('poster-logo/box', lambda: make_rigid_seq('rig-box', 'box.mp4.gz', 'starry_night.jpg', a.rigid_frames, a.work)),
    ]
    print('%-22s %6s | %-17s | %-17s | %-17s' % ('sequence', 'frames', 'vanish  J / F', 'copy  J / F', 'DIS warp  J / F'))
    tot = {'v': [], 'c': [], 'd': []}
    speed_frames, speed_time, speed_cpu = 0, 0.0, 0.0
    for name, make in [sq for sq in seqs if wanted(sq[0])]:
        frames, gts = make()
        pv, dt = run_vanish(a.vanish, frames, gts[0], a.work, name.replace('/', '_').replace('+', '_'))
        speed_frames += len(frames)
        speed_time += dt[0]
        speed_cpu += dt[1]
        res = {'v': score(pv, gts), 'c': score(run_copy(frames, gts[0]), gts), 'd': score(run_dis(frames, gts[0]), gts)}
        for k in tot:
            tot[k].append(res[k])
        print('%-22s %6d | %.3f / %.3f     | %.3f / %.3f     | %.3f / %.3f' % (
            name, len(frames), *res['v'], *res['c'], *res['d']))
    if tot['v']:
        jf = {k: float(np.mean([(j + f) / 2 for j, f in tot[k]])) for k in tot}
        print('%-22s        | J&F %.3f         | J&F %.3f         | J&F %.3f' % ('mean (deforming)', jf['v'], jf['c'], jf['d']))
        print('vanish J&F - DIS warp J&F = %+.3f (bar: >= +0.15)' % (jf['v'] - jf['d']))
        print('speed, FFV1 (lossless) input: %.1f frames/s wall-clock, %.1f frames per CPU-second (all threads summed), '
              '%dx%d, one object, whole command (decode, track, PNG masks out)' % (
                  speed_frames / speed_time, speed_frames / speed_cpu, W, H))
    if not only:
        wall, cpu = time_h264(a.vanish, a.work, seqs[0][0].replace('/', '_').replace('+', '_'))
        print('speed, H.264 input (%s): %.1f frames/s wall-clock, %.1f frames per CPU-second; machine load %.1f '
              '(bar: >= 25)' % (seqs[0][0], n / wall, n / cpu, os.getloadavg()[0]))
    static = [
        ('static-logo/megamind', lambda: make_static_seq('st-mm', 'Megamind.avi', a.static_frames, a.work)),
        ('static-logo+3px/vtest', lambda: make_static_seq('st-vt', 'vtest.avi', a.static_frames, a.work, margin=3)),
        ('static-logo@0.3/box', lambda: make_static_seq('st-semi-box', 'box.mp4.gz', a.static_frames, a.work,
                                                        opacity=0.3)),
    ]
    for name, make in ([] if a.no_rigid else [sq for sq in static if wanted(sq[0])]):
        frames, gts = make()
        res = []
        for rig in (False, True):
            pv, _ = run_vanish(a.vanish, frames, gts[0], a.work, name.replace('/', '_').replace('+', '_') +
                               ('_r' if rig else ''), rigid=rig)
            res += [score(pv, gts)[0], min(j_measure(p, gts[0]) for p in pv), max_shift(pv)]
        jd = score(run_dis(frames, gts[0]), gts)[0]
        print('static %-21s %4d frames: auto J %.4f (worst frame %.4f, drift %.2f px), --rigid J %.4f (worst %.4f, '
              'drift %.2f px); DIS warp J %.3f (bar: J >= 0.99, no drift)' % (name, len(frames), *res, jd))
    for name, make in ([] if a.no_rigid else [sq for sq in rigid if wanted(sq[0])]):
        frames, gts, floor = make()
        pv, dt = run_vanish(a.vanish, frames, gts[0], a.work, name.replace('/', '_'))
        pr, _ = run_vanish(a.vanish, frames, gts[0], a.work, name.replace('/', '_') + '_r', rigid=True)
        jv, jr = score(pv, gts)[0], score(pr, gts)[0]
        jd = score(run_dis(frames, gts[0]), gts)[0]
        jl = j_measure(pv[-2], gts[-2])
        jo = score(floor, gts)[0]
        print('rigid %-18s %4d frames: J auto %.3f, --rigid %.3f, J at frame %d %.3f; DIS warp J %.3f; '
              'true-homography warp of the first mask J %.3f; %.1f fps (bar: J >= 0.95)' % (
                  name, len(frames), jv, jr, len(frames) - 2, jl, jd, jo, len(frames) / dt[0]))


if __name__ == '__main__':
    main()
