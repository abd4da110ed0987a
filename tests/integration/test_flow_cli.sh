#!/bin/bash
# End-to-end checks of `vanish flow`: a known translation between two images comes back in the
# .flo file (read with python's struct, no OpenCV needed), --frames on a video, --backward and
# --viz outputs, masks; bad inputs give a one-line error, a non-zero exit and no output file.
# Usage: test_flow_cli.sh PATH/TO/vanish   (meson test --suite integration)
. "$(dirname "$0")/common.sh" test_flow_cli "$@"
flow() { "$VANISH" flow -q "$@"; }

# mean (u, v) of a .flo file over its central half, printed as "U V"
mean_flow() {
    python3 - "$1" <<'PY'
import struct, sys
d = open(sys.argv[1], 'rb').read()
tag, w, h = struct.unpack('<fii', d[:12])
assert abs(tag - 202021.25) < 1e-3 and len(d) == 12 + 8 * w * h
su = sv = n = 0
for y in range(h // 4, 3 * h // 4):
    for x in range(w // 4, 3 * w // 4):
        u, v = struct.unpack_from('<ff', d, 12 + 8 * (y * w + x))
        su += u; sv += v; n += 1
print('%.3f %.3f' % (su / n, sv / n))
PY
}
near() { python3 -c "import sys; u,v=map(float,'$1'.split()); sys.exit(0 if abs(u-($2))<$4 and abs(v-($3))<$4 else 1)"; }

# Two images: a textured frame and the same moved by (+3, -2) pixels (crop offsets).
ff -f lavfi -i "mandelbrot=size=400x300:rate=1,format=rgb24" -frames:v 1 "$T/big.png"
ff -i "$T/big.png" -vf "crop=320:240:40:30" "$T/a.png"
ff -i "$T/big.png" -vf "crop=320:240:37:32" "$T/b.png"
ff -f lavfi -i "color=black:s=320x240" -vf "drawbox=x=140:y=100:w=40:h=30:color=white:t=fill" -frames:v 1 "$T/m.png"

if flow "$T/a.png" "$T/b.png" -o "$T/f.flo" --backward "$T/b.flo" --viz "$T/f.png"; then
    m=$(mean_flow "$T/f.flo")
    near "$m" 3 -2 0.1 && ok "translation recovered ($m)" || fail "translation: got $m, want 3 -2"
    m=$(mean_flow "$T/b.flo")
    near "$m" -3 2 0.1 && ok "backward flow ($m)" || fail "backward: got $m, want -3 2"
    [ -s "$T/f.png" ] && ok "colour picture written" || fail "no colour picture"
else
    fail "vanish flow on two images"
fi
for p in fast best; do
    flow "$T/a.png" "$T/b.png" -o "$T/p-$p.flo" --preset $p && ok "preset $p" || fail "preset $p"
done
if flow "$T/a.png" "$T/b.png" -o "$T/fm.flo" --mask-a "$T/m.png" --mask-b "$T/m.png"; then
    m=$(mean_flow "$T/fm.flo")
    near "$m" 3 -2 0.15 && ok "masked flow ($m)" || fail "masked flow: got $m"
else
    fail "vanish flow with masks"
fi

# Two frames of a video.
ff -f lavfi -i "testsrc2=size=160x120:rate=10" -t 1 -c:v libx264 -pix_fmt yuv420p "$T/v.mp4"
flow "$T/v.mp4" --frames 2,3 -o "$T/v.flo" && [ -s "$T/v.flo" ] && ok "--frames" || fail "--frames"

# Bad inputs: one line on stderr, non-zero exit, no output.
bad() {
    local what=$1 out=$2; shift 2
    local err
    err=$("$VANISH" flow -q "$@" 2>&1 >/dev/null)
    local rc=$?
    if [ $rc -ne 0 ] && [ "$(printf '%s\n' "$err" | wc -l)" = 1 ] && [ ! -e "$out" ]; then
        ok "$what: $err"
    else
        fail "$what (rc $rc, output $(ls "$out" 2>/dev/null), message: $err)"
    fi
}
bad "missing input" "$T/x1.flo" "$T/nope.png" "$T/b.png" -o "$T/x1.flo"
ff -f lavfi -i "color=gray:s=64x48" -frames:v 1 "$T/small.png"
bad "size mismatch" "$T/x2.flo" "$T/a.png" "$T/small.png" -o "$T/x2.flo"
bad "bad preset" "$T/x3.flo" "$T/a.png" "$T/b.png" -o "$T/x3.flo" --preset slow
bad "frame out of range" "$T/x4.flo" "$T/v.mp4" --frames 2,500 -o "$T/x4.flo"
bad "unwritable picture" "$T/x5.flo" "$T/a.png" "$T/b.png" -o "$T/x5.flo" --viz "$T/no/dir/x.png"
bad "output exists" "$T/x6.flo" "$T/a.png" "$T/b.png" -o "$T/f.flo"  # f.flo exists: must stay, no x6
bad "no -o" "$T/x7.flo" "$T/a.png" "$T/b.png"

echo "$fails failed"
[ $fails -eq 0 ]
