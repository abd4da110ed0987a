#!/bin/bash
# End-to-end checks of the vanish CLI: `vanish inpaint` keeps frame count, timestamps, frame
# rate, audio and metadata (checked with ffprobe); PNG output equals the input outside the
# mask; every bad input gives a one-line error naming the file, a non-zero exit and no output.
# Usage: test_cli.sh PATH/TO/vanish   (meson test --suite integration)
. "$(dirname "$0")/common.sh" test_cli "$@"
probe() { ffprobe -v error -select_streams "$1" -show_entries "$2" -of default=nw=1:nk=1 "$3"; }
pts() { ffprobe -v error -select_streams v:0 -show_entries frame=pts -of csv=p=0 "$1"; }
nframes() { ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$1"; }
inpaint() { "$VANISH" inpaint --method spatial -q "$@"; }

# Inputs: CFR 30000/1001 with sine audio and tags, VFR, a logo mask, an empty mask.
ff -f lavfi -i testsrc2=size=320x240:rate=30000/1001 -f lavfi -i sine=frequency=440:sample_rate=48000 \
   -t 2 -c:v libx264 -pix_fmt yuv420p -c:a aac -metadata title=vanish-cli -metadata:s:a language=deu "$T/in.mp4"
ff -f lavfi -i testsrc2=size=160x120:rate=30 -t 2 -vf "select='lt(n,10)+not(mod(n,3))'" -fps_mode vfr \
   -c:v libx264 "$T/vfr.mp4"
ff -f lavfi -i color=black:s=320x240 -vf "drawbox=x=20:y=20:w=40:h=30:color=white:t=fill" -frames:v 1 "$T/logo.png"
ff -f lavfi -i color=black:s=320x240 -frames:v 1 "$T/none.png"
ff -f lavfi -i color=black:s=160x120 -vf "drawbox=x=20:y=20:w=40:h=30:color=white:t=fill" -frames:v 1 "$T/logo-small.png"

# MP4 output: frames, timestamps, rate, audio, metadata.
if inpaint "$T/in.mp4" --masks "$T/logo.png" -o "$T/out.mp4" --dilate 2; then
    [ "$(nframes "$T/out.mp4")" = "$(nframes "$T/in.mp4")" ] && ok "frame count" || fail "frame count"
    [ "$(pts "$T/out.mp4")" = "$(pts "$T/in.mp4")" ] && ok "timestamps" || fail "timestamps"
    [ "$(probe v:0 stream=r_frame_rate "$T/out.mp4")" = "30000/1001" ] && ok "frame rate" || fail "frame rate"
    [ "$(probe a:0 stream=codec_name "$T/out.mp4")" = "aac" ] && ok "audio kept" || fail "audio kept"
    [ "$(probe a:0 stream_tags=language "$T/out.mp4")" = "deu" ] && ok "stream tags" || fail "stream tags"
    [ "$(probe v:0 format_tags=title "$T/out.mp4")" = "vanish-cli" ] && ok "format tags" || fail "format tags"
else
    fail "inpaint to mp4"
fi

# VFR: the same timestamps.
if inpaint "$T/vfr.mp4" --masks "$T/logo-small.png" -o "$T/vfr-out.mp4"; then
    [ "$(pts "$T/vfr-out.mp4")" = "$(pts "$T/vfr.mp4")" ] && ok "vfr timestamps" || fail "vfr timestamps"
else
    fail "inpaint vfr"
fi

# PNG frames: identical to the input's RGB outside the (dilated) mask. The reference is the
# input written through an empty mask; both get the mask's surroundings blacked out.
if inpaint "$T/in.mp4" --masks "$T/logo.png" -o "$T/frames/" --dilate 2 2>/dev/null &&
   inpaint "$T/in.mp4" --masks "$T/none.png" -o "$T/ref/" 2>/dev/null; then
    [ "$(ls "$T/frames" | wc -l)" = 60 ] && ok "png frame count" || fail "png frame count"
    box="drawbox=x=14:y=14:w=52:h=42:color=black:t=fill"
    a=$(ff -i "$T/frames/%05d.png" -vf "$box" -pix_fmt rgb24 -f rawvideo - | md5sum)
    b=$(ff -i "$T/ref/%05d.png" -vf "$box" -pix_fmt rgb24 -f rawvideo - | md5sum)
    c=$(ff -i "$T/ref/%05d.png" -pix_fmt rgb24 -f rawvideo - | md5sum)
    d=$(ff -i "$T/frames/%05d.png" -pix_fmt rgb24 -f rawvideo - | md5sum)
    [ "$a" = "$b" ] && ok "png identical outside the mask" || fail "png differs outside the mask"
    [ "$c" != "$d" ] && ok "png changed inside the mask" || fail "png unchanged inside the mask"
else
    fail "inpaint to png frames"
fi

# Every method keeps frames, timestamps and sound, and the pixels outside the dilated mask.
for m in fill auto; do
    if "$VANISH" inpaint -q --method $m "$T/in.mp4" --masks "$T/logo.png" -o "$T/$m.mp4" &&
       "$VANISH" inpaint -q --method $m "$T/in.mp4" --masks "$T/logo.png" -o "$T/$m/" 2>/dev/null; then
        [ "$(pts "$T/$m.mp4")" = "$(pts "$T/in.mp4")" ] && ok "$m: timestamps" || fail "$m: timestamps"
        [ "$(probe a:0 stream=codec_name "$T/$m.mp4")" = "aac" ] && ok "$m: audio" || fail "$m: audio"
        box="drawbox=x=14:y=14:w=52:h=42:color=black:t=fill"
        a=$(ff -i "$T/$m/%05d.png" -vf "$box" -pix_fmt rgb24 -f rawvideo - | md5sum)
        b=$(ff -i "$T/ref/%05d.png" -vf "$box" -pix_fmt rgb24 -f rawvideo - | md5sum)
        [ "$a" = "$b" ] && ok "$m: identical outside the mask" || fail "$m: differs outside the mask"
    else
        fail "inpaint --method $m"
    fi
done

# Bad inputs: non-zero exit, one line naming the file, no output left.
expect_error() { # NAME FILE-IN-MESSAGE OUTPUT ARGS...
    local name=$1 word=$2 out=$3 err rc
    shift 3
    err=$("$VANISH" inpaint --method spatial -q "$@" 2>&1 >/dev/null)
    rc=$?
    if [ $rc -eq 0 ]; then fail "$name: exit status 0"; return; fi
    if [ "$(printf '%s\n' "$err" | wc -l)" != 1 ]; then fail "$name: not one line: $err"; return; fi
    case "$err" in *"$word"*) ;; *) fail "$name: message does not name $word: $err"; return ;; esac
    if [ -e "$out" ] || ls -a "$(dirname "$out")" 2>/dev/null | grep -q '\.tmp-'; then
        fail "$name: output left behind"; return
    fi
    ok "$name: $err"
}
: > "$T/empty.mp4"
head -c 30000 "$T/in.mp4" > "$T/trunc.mp4"
yes "this is not a video" | head -n 300 > "$T/text.mp4"
mkdir -p "$T/few" && for i in 0 1 2; do cp "$T/logo.png" "$T/few/0000$i.png"; done
echo "not a png" > "$T/bad.png"
expect_error "missing file" missing.mp4 "$T/o1.mp4" "$T/missing.mp4" --masks "$T/logo.png" -o "$T/o1.mp4"
expect_error "empty file" empty.mp4 "$T/o2.mp4" "$T/empty.mp4" --masks "$T/logo.png" -o "$T/o2.mp4"
expect_error "truncated mp4" trunc.mp4 "$T/o3.mp4" "$T/trunc.mp4" --masks "$T/logo.png" -o "$T/o3.mp4"
expect_error "text named .mp4" text.mp4 "$T/o4.mp4" "$T/text.mp4" --masks "$T/logo.png" -o "$T/o4.mp4"
expect_error "wrong mask count" few "$T/o5.mp4" "$T/in.mp4" --masks "$T/few" -o "$T/o5.mp4"
expect_error "unreadable mask" bad.png "$T/o6.mp4" "$T/in.mp4" --masks "$T/bad.png" -o "$T/o6.mp4"
expect_error "missing output dir" nodir/o7.mp4 "$T/nodir/o7.mp4" "$T/in.mp4" --masks "$T/logo.png" -o "$T/nodir/o7.mp4"
expect_error "output is the input" in.mp4 "$T/nothing" "$T/in.mp4" --masks "$T/logo.png" -o "$T/in.mp4" -y
[ "$(nframes "$T/in.mp4")" = 60 ] && ok "input intact" || fail "input damaged"
expect_error "existing output" out.mp4 "$T/nothing" "$T/in.mp4" --masks "$T/logo.png" -o "$T/out.mp4"

# vanish info.
info=$("$VANISH" info "$T/in.mp4" --count --json)
case "$info" in *'"frames_counted": 60'*'"type": "audio"'*) ok "info --json --count" ;; *) fail "info: $info" ;; esac
err=$("$VANISH" info "$T/missing.mp4" 2>&1 >/dev/null) && fail "info on a missing file succeeded" ||
    case "$err" in *missing.mp4*) ok "info error: $err" ;; *) fail "info error: $err" ;; esac

# One click on the top ring of the demo's logo (dark wall in the frame's corner round it) takes
# the logo and its caption, not the corner of the frame: IoU 0.9 or more with its footprint.
demo=$(dirname "$0")/../../demo
if "$VANISH" segment -q "$demo/sample.mp4" --point 589,26 -o "$T/demo-click.png"; then
    iou=$(iou "$T/demo-click.png" "$demo/logo-mask.png")
    gt "$iou" 0.9 && ok "one click on the demo's logo: IoU $iou" || fail "one click on the demo's logo: IoU $iou"
else
    fail "segment on the demo's logo failed"
fi

echo "$fails failure(s)"
[ $fails -eq 0 ]
