#!/bin/bash
# End-to-end checks of the overlay commands: a semi-transparent static logo burned into a panning
# picture is found by `vanish detect-overlay` (exit 0, the mask overlaps the logo) and not found
# on the clean clip (exit 3, no file); `vanish inpaint --method unblend|auto` and
# `--auto-overlay` bring the picture under the logo closer to the clean clip than the input is;
# `--auto-overlay` on the clean clip fails with a one-line error and leaves no output.
# Usage: test_overlay_cli.sh PATH/TO/vanish   (meson test --suite integration)
. "$(dirname "$0")/common.sh" test_overlay_cli "$@"
# PSNR of $1 against $2 inside the logo's box (crop), both PNG frame patterns
psnr() { ffmpeg -nostdin -v info -i "$1" -i "$2" -lavfi "[0]crop=80:40:200:30[a];[1]crop=80:40:200:30[b];[a][b]psnr" \
             -f null - 2>&1 | sed -n 's/.*average:\([0-9.inf]*\).*/\1/p'; }
gt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a > b) }'; }

# A picture panning under the logo: a large test pattern seen through a moving window.
pan="testsrc2=size=1280x960:rate=25,crop=320:240:x='mod(n*7,900)':y='mod(n*5,700)',format=yuv444p"
logo="drawbox=x=200:y=30:w=80:h=40:color=white@0.5:t=fill,drawbox=x=220:y=40:w=40:h=20:color=black@0.5:t=fill"
ff -f lavfi -i "$pan" -frames:v 60 "$T/clean-%05d.png"
ff -f lavfi -i "$pan" -vf "$logo" -frames:v 60 -c:v ffv1 "$T/logo.mkv"
ff -f lavfi -i "$pan" -frames:v 60 -c:v ffv1 "$T/clean.mkv"
ff -i "$T/logo.mkv" "$T/in-%05d.png"
ff -f lavfi -i color=black:s=320x240 -vf "drawbox=x=200:y=30:w=80:h=40:color=white:t=fill" -frames:v 1 "$T/mask.png"

# Detection.
if "$VANISH" detect-overlay -q "$T/logo.mkv" -o "$T/found.png"; then
    inter=$(ff -i "$T/found.png" -i "$T/mask.png" -lavfi "[0]format=gray[a];[1]format=gray[b];[a][b]blend=all_mode=multiply,format=gray" \
              -f rawvideo - | od -An -v -tu1 | tr -s ' ' '\n' | grep -c '^255$')
    [ "$inter" -ge 1600 ] && ok "detect-overlay: $inter of 3200 logo pixels" || fail "detect-overlay: $inter of 3200 logo pixels"
else
    fail "detect-overlay on the logo clip"
fi
"$VANISH" detect-overlay -q "$T/clean.mkv" -o "$T/none.png"
rc=$?
[ "$rc" = 3 ] && [ ! -e "$T/none.png" ] && ok "detect-overlay: nothing on the clean clip" ||
    fail "detect-overlay on the clean clip: exit $rc"

# Removal: closer to the clean clip than the input, with a mask and without one.
base=$(psnr "$T/in-%05d.png" "$T/clean-%05d.png")
for m in unblend auto; do
    if "$VANISH" inpaint -q -y --method $m "$T/logo.mkv" --masks "$T/mask.png" -o "$T/$m/"; then
        p=$(psnr "$T/$m/%05d.png" "$T/clean-%05d.png")
        gt "$p" "$(awk -v b="$base" 'BEGIN { print b + 8 }')" && ok "--method $m: $p dB (input $base)" || fail "--method $m: $p dB (input $base)"
    else
        fail "inpaint --method $m"
    fi
done
if "$VANISH" inpaint -q -y --auto-overlay "$T/logo.mkv" -o "$T/found/"; then
    p=$(psnr "$T/found/%05d.png" "$T/clean-%05d.png")
    gt "$p" "$(awk -v b="$base" 'BEGIN { print b + 3 }')" && ok "--auto-overlay: $p dB (input $base)" || fail "--auto-overlay: $p dB (input $base)"
else
    fail "inpaint --auto-overlay"
fi
err=$("$VANISH" inpaint -q -y --auto-overlay "$T/clean.mkv" -o "$T/none.mkv" 2>&1 >/dev/null)
rc=$?
if [ "$rc" != 0 ] && [ ! -e "$T/none.mkv" ] && [ "$(printf '%s\n' "$err" | wc -l)" = 1 ]; then
    ok "--auto-overlay on the clean clip: $err"
else
    fail "--auto-overlay on the clean clip: exit $rc, '$err'"
fi

[ "$fails" = 0 ] && echo "all overlay CLI checks passed" || echo "$fails overlay CLI check(s) failed"
exit $((fails > 0))
