#!/bin/bash
# `vanish remove` on a clicked semi-transparent watermark: the tracked masks stay put, so the fill
# takes them as one static mask and un-blends the picture under it (as `vanish inpaint --masks
# ONE.png` does) instead of filling it; a moving object's masks, and those of a still object over
# a still picture (nothing tells it from an overlay), still go to the fill unchanged; errors while
# reading the masks are one line and leave no output.
# Usage: test_remove_overlay_cli.sh PATH/TO/vanish   (meson test --suite integration)
. "$(dirname "$0")/common.sh" test_remove_overlay_cli "$@"
# PSNR of $1 against $2 inside the logo's box (crop), both PNG frame patterns
psnr() { ffmpeg -nostdin -v info -i "$1" -i "$2" -lavfi "[0]crop=80:40:200:30[a];[1]crop=80:40:200:30[b];[a][b]psnr" \
             -f null - 2>&1 | sed -n 's/.*average:\([0-9.inf]*\).*/\1/p'; }
frames_md5() { (cd "$1" && md5sum -- *.png | md5sum | cut -c1-32); }

# A picture panning under a 50% white logo with a 50% black window (test_overlay_cli's clip).
pan="testsrc2=size=1280x960:rate=25,crop=320:240:x='mod(n*7,900)':y='mod(n*5,700)',format=yuv444p"
logo="drawbox=x=200:y=30:w=80:h=40:color=white@0.5:t=fill,drawbox=x=220:y=40:w=40:h=20:color=black@0.5:t=fill"
ff -f lavfi -i "$pan" -frames:v 40 "$T/clean-%05d.png"
ff -f lavfi -i "$pan" -vf "$logo" -frames:v 40 -c:v ffv1 "$T/logo.mkv"
ff -i "$T/logo.mkv" "$T/in-%05d.png"

# One click on the logo: un-blended. The fill of the tracked masks gives 24.0 dB in the logo's
# box, the un-blend 31.3 (as with the logo's exact mask given for every frame); the input 8.7.
base=$(psnr "$T/in-%05d.png" "$T/clean-%05d.png")
if "$VANISH" remove -q -y "$T/logo.mkv" --point 0:240,34 -o "$T/removed/" --masks-out "$T/masks"; then
    p=$(psnr "$T/removed/%05d.png" "$T/clean-%05d.png")
    gt "$p" 28 && ok "remove, one click on a 50% logo: $p dB in its box (input $base; the fill reaches 24)" ||
        fail "remove, one click on a 50% logo: $p dB in its box (input $base; un-blended 31, filled 24)"
else
    fail "remove on the 50% logo"
fi

# A logo of two parts a gap apart (a 50% white bar 15 px under the box): one click on the box
# takes the bar too (the picture's change under it is halved as under the box), so the bar is
# un-blended as well: filled it reaches about 24 dB in its box, left as it is about 9.
bar="$logo,drawbox=x=200:y=85:w=80:h=16:color=white@0.5:t=fill"
ff -f lavfi -i "$pan" -vf "$bar" -frames:v 40 -c:v ffv1 "$T/two.mkv"
psnr_bar() { ffmpeg -nostdin -v info -i "$1" -i "$2" -lavfi "[0]crop=80:16:200:85[a];[1]crop=80:16:200:85[b];[a][b]psnr" \
                 -f null - 2>&1 | sed -n 's/.*average:\([0-9.inf]*\).*/\1/p'; }
# What is removed is what --masks-out shows: the grown footprint, the bar too, on every frame
# (the keyframe included), not the clicked box alone.
ff -f lavfi -i "color=black:s=320x240" -vf "drawbox=x=200:y=85:w=80:h=16:color=white:t=fill,format=gray" \
    -frames:v 1 "$T/bar-mask.png"
if "$VANISH" remove -q -y "$T/two.mkv" --point 0:240,34 -o "$T/two/" --masks-out "$T/two-masks"; then
    p=$(psnr_bar "$T/two/%05d.png" "$T/clean-%05d.png")
    gt "$p" 28 && ok "remove, one click on a logo of two parts: the other part $p dB in its box" ||
        fail "remove, one click on a logo of two parts: the other part $p dB in its box (un-blended 28+)"
    for i in 00000 00020 00039; do
        b=$(overlap "$T/two-masks/$i.png" "$T/bar-mask.png")
        [ "$b" -ge 1150 ] && ok "--masks-out $i.png holds the grown part: $b of the bar's 1280 px" ||
            fail "--masks-out $i.png holds $b of the bar's 1280 px (the click's mask, not the footprint removed)"
    done
else
    fail "remove on the logo of two parts"
fi

# A click's mask with a speck of 2 px apart from the logo (as a click's segmentation leaves): the
# tracker holds it, and the speck is cleared from the static mask it writes out, so the masks are
# those tracked from the mask without it.
ff -f lavfi -i "color=black:s=320x240" -vf "drawbox=x=200:y=30:w=80:h=40:color=white:t=fill,format=gray" \
    -frames:v 1 "$T/logo-mask.png"
ff -i "$T/logo-mask.png" -vf "drawbox=x=190:y=45:w=1:h=2:color=white:t=fill,format=gray" "$T/speck-mask.png"
if "$VANISH" track -q -y "$T/logo.mkv" --mask 0:"$T/logo-mask.png" -o "$T/held" &&
    "$VANISH" track -q -y "$T/logo.mkv" --mask 0:"$T/speck-mask.png" -o "$T/speck"; then
    [ "$(frames_md5 "$T/held")" = "$(frames_md5 "$T/speck")" ] && ok "a speck apart from a static mask is cleared" ||
        fail "a speck apart from a static mask is left in the tracked masks"
else
    fail "track with a static mask and a speck"
fi

# `remove` of clip $1 (in $T) with a click at $2 gives the frames `inpaint --method fill` gives
# with the same tracked masks; $3 names the case.
same_as_fill() {
    if "$VANISH" remove -q -y "$T/$1.mkv" --point "0:$2" -o "$T/$1/" --masks-out "$T/$1-masks" &&
        "$VANISH" inpaint -q -y "$T/$1.mkv" --masks "$T/$1-masks" --method fill -o "$T/$1-fill/"; then
        [ "$(frames_md5 "$T/$1")" = "$(frames_md5 "$T/$1-fill")" ] && ok "remove, $3: the fill's frames" ||
            fail "remove, $3: not the fill's frames"
    else
        fail "remove on $3"
    fi
}

# A moving opaque box: its masks move, so `remove` fills them exactly as `inpaint --method fill`.
ff -f lavfi -i "$pan" -f lavfi -i "color=c=0x2060c0:s=40x30:r=25" -filter_complex "[0][1]overlay=x='40+n*3':y=150" \
    -frames:v 40 -c:v ffv1 "$T/moving.mkv"
same_as_fill moving 60,165 "a moving object"

# A still object over a still picture (with the camera's noise): its masks stay put, but the
# picture round it never moves, so it is filled as before, not taken for an overlay.
still="color=c=0x606870:s=320x240:r=25,format=yuv444p,noise=alls=10:allf=t+u"
ff -f lavfi -i "$still" -vf "drawbox=x=120:y=100:w=50:h=30:color=0x2060c0:t=fill" -frames:v 40 -c:v ffv1 "$T/still.mkv"
same_as_fill still 145,115 "a still object over a still picture"

# A corrupt mask among masks that stay put: one line naming it, no output left.
mkdir "$T/bad"
for f in "$T"/masks/*.png; do cp "$f" "$T/bad/"; done
echo "not a mask" > "$T/bad/00020.png"
err=$("$VANISH" inpaint -q -y "$T/logo.mkv" --masks "$T/bad" -o "$T/bad.mkv" 2>&1 >/dev/null)
rc=$?
if [ "$rc" != 0 ] && [ ! -e "$T/bad.mkv" ] && [ "$(printf '%s\n' "$err" | wc -l)" = 1 ] && [[ "$err" == *00020.png* ]]; then
    ok "a corrupt mask: $err"
else
    fail "a corrupt mask: exit $rc, '$err'"
fi
ls -A "$T" | grep -q 'bad\.mkv' && fail "a partial output is left: $(ls -A "$T" | grep 'bad\.mkv')"

[ "$fails" = 0 ] && echo "all remove-overlay CLI checks passed" || echo "$fails remove-overlay CLI check(s) failed"
exit $((fails > 0))
