#!/usr/bin/python3
"""Correcting a tracked mask: `vanish track --update` against tracking the whole clip again.

Run from the repository root after building (any build directory):

    /usr/bin/python3 bench/track_update_bench.py [--vanish build-track/tools/vanish/vanish]
                                                 [--frames 300] [--work /tmp/vanish-track-update]
                                                 [--codec h264|ffv1]

A 300-frame 854x480 clip with ground truth (the fruit object on box.mp4 from track_bench.py:
moving, turning, changing scale), as H.264 (CRF 18, the usual input; default) or lossless FFV1
(slow to decode: decoding then dominates both commands). Two cases, each with an edit on a middle frame (the ground
truth mask of that frame, as a user's correction would be):
  - one keyframe at 0, edit at the middle frame;
  - keyframes every 50 frames, edit half-way between two of them.
For each: frames rewritten, frames tracked (tracker steps), wall and CPU seconds of
`--update` and of a full `vanish track` from all the keyframes, measured in this run, whether
the two outputs are identical, and J&F (DAVIS, as track_bench.py) before and after the edit.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import time

import cv2
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import track_bench as tb  # noqa: E402


def run(cmd):
    t0, c0 = time.time(), os.times()
    r = subprocess.run(cmd, capture_output=True, text=True)
    dt, c1 = time.time() - t0, os.times()
    if r.returncode != 0:
        sys.exit('failed: %s\n%s' % (' '.join(cmd), r.stderr.strip()))
    return r.stderr, dt, (c1.children_user - c0.children_user) + (c1.children_system - c0.children_system)


def track(exe, clip, keys, out):
    shutil.rmtree(out, ignore_errors=True)
    cmd = [exe, 'track', clip, '-o', out + '/']
    for k, p in keys:
        cmd += ['--mask', '%d:%s' % (k, p)]
    _, dt, cpu = run(cmd + ['-q'])
    return dt, cpu


def handover(a, b, i):
    """The weight of keyframe b at frame i (src/pipeline/track_plan.c)."""
    w = min(max(((i - a) / (b - a) - 1 / 3) * 3, 0), 1)
    return w * w * (3 - 2 * w)


def full_steps(keys, n):
    """Frames a full track from `keys` tracks: each propagation runs as far as its weight is > 0."""
    steps = keys[0] + (n - 1 - keys[-1])
    for a, b in zip(keys, keys[1:]):
        steps += sum(1 for i in range(a + 1, b) if handover(a, b, i) < 1)
        steps += sum(1 for i in range(a + 1, b) if handover(a, b, i) > 0)
    return steps


def jf(out, gts):
    preds = [cv2.imread(os.path.join(out, '%05d.png' % i), cv2.IMREAD_GRAYSCALE) > 0 for i in range(len(gts))]
    j, f = tb.score(preds, gts)
    return (j + f) / 2


def same_dirs(a, b):
    names = sorted(os.listdir(a))
    if names != sorted(os.listdir(b)):
        return False
    return all(open(os.path.join(a, n), 'rb').read() == open(os.path.join(b, n), 'rb').read() for n in names)


def case(exe, work, clip, gts, name, keys, edit):
    n = len(gts)
    gt = lambda i: os.path.join(work, 'gt', '%05d.png' % i)  # noqa: E731
    base, upd, full = (os.path.join(work, name + s) for s in ('-before', '-update', '-full'))
    track(exe, clip, [(k, gt(k)) for k in keys], base)
    jf_before = jf(base, gts)
    shutil.rmtree(upd, ignore_errors=True)
    shutil.copytree(base, upd)
    msg, dt_u, cpu_u = run([exe, 'track', clip, '--mask', '%d:%s' % (edit, gt(edit)), '--update', upd + '/'])
    m = re.search(r'(\d+) of (\d+) masks rewritten .*frames (\d+) to (\d+), (\d+) frames tracked', msg)
    if not m:
        sys.exit('unexpected message: ' + msg)
    written, first, last, steps = int(m.group(1)), int(m.group(3)), int(m.group(4)), int(m.group(5))
    dt_f, cpu_f = track(exe, clip, [(k, gt(k)) for k in sorted(keys + [edit])], full)
    print('%s: keyframes %s, edit on frame %d of %d' % (name, keys, edit, n))
    print('  --update: %3d masks rewritten (frames %d..%d), %3d frames tracked, %5.2f s wall, %5.2f s CPU'
          % (written, first, last, steps, dt_u, cpu_u))
    print('  full    : %3d masks written,                  %3d frames tracked, %5.2f s wall, %5.2f s CPU'
          % (n, full_steps(sorted(keys + [edit]), n), dt_f, cpu_f))
    print('  update / full: %.2fx the wall time, %.2fx the CPU time' % (dt_u / dt_f, cpu_u / cpu_f))
    print('  outputs identical: %s; J&F before the edit %.3f, after %.3f'
          % ('yes' if same_dirs(upd, full) else 'NO', jf_before, jf(upd, gts)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--vanish', default='build-track/tools/vanish/vanish')
    ap.add_argument('--frames', type=int, default=300)
    ap.add_argument('--work', default='/tmp/vanish-track-update')
    ap.add_argument('--codec', default='h264', choices=['h264', 'ffv1'])
    a = ap.parse_args()
    n = a.frames
    os.makedirs(os.path.join(a.work, 'gt'), exist_ok=True)
    fruit = tb.shape_object('fruits.jpg', tb.blob(260, 250, 110, 11, 1))
    frames, gts = tb.make_deform_seq('fruit-box', 'box.mp4.gz', fruit, n, a.work,
                                     (tb.W / 2, tb.H / 2, 220, 90, 25, 0.2, 0.0))
    clip = os.path.join(a.work, 'clip.mkv')
    vw = cv2.VideoWriter(clip, cv2.VideoWriter_fourcc(*'FFV1'), 25, (tb.W, tb.H))
    for fr in frames:
        vw.write(fr)
    vw.release()
    if a.codec == 'h264':
        subprocess.run(['ffmpeg', '-v', 'error', '-y', '-i', clip, '-c:v', 'libx264', '-crf', '18', '-pix_fmt',
                        'yuv420p', clip[:-4] + '.mp4'], check=True)
        clip = clip[:-4] + '.mp4'
    for i, m in enumerate(gts):
        cv2.imwrite(os.path.join(a.work, 'gt', '%05d.png' % i), m.astype(np.uint8) * 255)
    print('%d frames %dx%d, %s, machine load %.1f' % (n, tb.W, tb.H, a.codec, os.getloadavg()[0]))
    case(a.vanish, a.work, clip, gts, 'one-key', [0], n // 2)
    keys = list(range(0, n, 50))
    case(a.vanish, a.work, clip, gts, 'every-50', keys, keys[len(keys) // 2] + 25)


if __name__ == '__main__':
    main()
