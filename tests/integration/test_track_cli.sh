#!/bin/bash
# End-to-end checks of `vanish track`: masks for every frame with keyframes.json beside them;
# `--update DIR --mask K:EDIT.png` rewrites only the frames the edit affects (the other files
# keep their inode and mtime) and gives the same masks as tracking from all the keyframes at
# once; bad inputs give a one-line error, a non-zero exit and leave the directory as it was.
# Usage: test_track_cli.sh PATH/TO/vanish   (meson test --suite integration)
. "$(dirname "$0")/common.sh" test_track_cli "$@"
track() { "$VANISH" track -q "$@"; }
pixels() { ffmpeg -nostdin -v error -i "$1" -f rawvideo -pix_fmt gray - | md5sum; }
# inode and mtime (ns) of each mask: a rewritten file gets a new inode (written, then renamed).
stamps() { (cd "$1" && stat -c '%n %i %Y.%y' [0-9]*.png); }
# One-line error, non-zero exit, directory unchanged, no temporary directory left.
bad() {
    local what=$1 want=$2
    shift 2
    local before err
    before=$(stamps "$T/full"; md5sum "$T/full/keyframes.json")
    if err=$("$VANISH" track -q "$@" 2>&1); then
        fail "$what: exit status 0"
    elif [ "$(printf '%s\n' "$err" | wc -l)" != 1 ] || ! grep -q -- "$want" <<<"$err"; then
        fail "$what: message '$err' (wanted one line with '$want')"
    elif [ "$before" != "$(stamps "$T/full"; md5sum "$T/full/keyframes.json")" ]; then
        fail "$what: the directory changed"
    elif ls -d "$T"/full.tmp-* >/dev/null 2>&1; then
        fail "$what: a temporary directory was left"
    else
        ok "$what: $err"
    fi
}

# A red box moving over a moving test pattern, 40 frames, lossless; its exact masks.
ff -f lavfi -i testsrc2=size=320x240:rate=25 -f lavfi -i color=c=red:s=48x40:r=25 \
   -filter_complex "[0][1]overlay=x='40+3*n':y='90+20*sin(n/6)':shortest=1" -t 1.6 -c:v ffv1 "$T/clip.mkv"
ff -f lavfi -i color=black:s=320x240:r=25 -f lavfi -i color=white:s=48x40:r=25 \
   -filter_complex "[0][1]overlay=x='40+3*n':y='90+20*sin(n/6)':shortest=1,format=gray" -t 1.6 \
   -start_number 0 "$T/gt%05d.png"
ff -f lavfi -i testsrc2=size=160x120:rate=25 -t 1.6 -c:v ffv1 "$T/small.mkv"
# An edit on frame 30 that differs from what tracking gives: the box grown by 4 pixels.
ff -i "$T/gt00030.png" -vf "format=gray,dilation,dilation,dilation,dilation" "$T/edit30.png"

# A full track writes 40 masks and the record.
if track "$T/clip.mkv" --mask 0:"$T/gt00000.png" -o "$T/full"; then
    [ "$(ls "$T/full" | grep -c '^[0-9]\{5\}\.png$')" = 40 ] && ok "40 masks" || fail "mask count"
    grep -q '"keyframes": \[0\]' "$T/full/keyframes.json" && grep -q '"frames": 40' "$T/full/keyframes.json" &&
        ok "keyframes.json" || fail "keyframes.json: $(cat "$T/full/keyframes.json")"
else
    fail "track"
fi
cp -a "$T/full" "$T/orig"

# An edit on frame 30 of a track from frame 0: frames 0..10 (the first third, frame 0's
# forward propagation alone) stay as they were, 11..39 are rewritten.
before=$(stamps "$T/full")
if msg=$("$VANISH" track "$T/clip.mkv" --mask 30:"$T/edit30.png" --update "$T/full/" 2>&1); then
    after=$(stamps "$T/full")
    kept=$(comm -12 <(echo "$before") <(echo "$after") | cut -d' ' -f1 | tr '\n' ' ')
    want=$(for i in $(seq 0 10); do printf '%05d.png ' "$i"; done)
    [ "$kept" = "$want" ] && ok "update: only frames 11..39 rewritten" || fail "update kept '$kept', wanted '$want'"
    grep -q "29 of 40 masks rewritten" <<<"$msg" && ok "update: $msg" || fail "update message: $msg"
    grep -q '"keyframes": \[0, 30\]' "$T/full/keyframes.json" && ok "update: keyframes.json" ||
        fail "update keyframes.json: $(cat "$T/full/keyframes.json")"
    [ "$(pixels "$T/full/00030.png")" = "$(pixels "$T/edit30.png")" ] && ok "update: frame 30 is the edit" ||
        fail "update: frame 30 is not the edit"
else
    fail "update: $msg"
fi

# The same masks as tracking from both keyframes at once.
if track "$T/clip.mkv" --mask 0:"$T/gt00000.png" --mask 30:"$T/edit30.png" -o "$T/both"; then
    diff -r "$T/both" "$T/full" >/dev/null && ok "update equals a full track from keyframes 0 and 30" ||
        fail "update differs from a full track: $(diff -rq "$T/both" "$T/full" | head -3 | tr '\n' ' ')"
else
    fail "track from two keyframes"
fi

# A second edit between them, on frame 15: frames 0..5 (the first third of 0..15) and 25..39
# (the last third of 15..30, then after 30) stay; the recorded settings are used.
before=$(stamps "$T/full")
if track "$T/clip.mkv" --mask 15:"$T/gt00015.png" --update "$T/full"; then
    kept=$(comm -12 <(echo "$before") <(echo "$(stamps "$T/full")") | cut -d' ' -f1 | tr '\n' ' ')
    want=$(for i in $(seq 0 5) $(seq 25 39); do printf '%05d.png ' "$i"; done)
    [ "$kept" = "$want" ] && ok "second update: only frames 6..24 rewritten" || fail "second update kept '$kept', wanted '$want'"
    track "$T/clip.mkv" --mask 0:"$T/gt00000.png" --mask 15:"$T/gt00015.png" --mask 30:"$T/edit30.png" -o "$T/three" &&
        diff -r "$T/three" "$T/full" >/dev/null && ok "second update equals a full track" || fail "second update differs"
else
    fail "second update"
fi

# An empty edit (the object is gone on frame 20): frames 7..39 change, and equal a full track.
ff -f lavfi -i color=black:s=320x240 -frames:v 1 "$T/empty.png"
cp -a "$T/orig" "$T/gone"
if track "$T/clip.mkv" --mask 20:"$T/empty.png" --update "$T/gone" &&
    track "$T/clip.mkv" --mask 0:"$T/gt00000.png" --mask 20:"$T/empty.png" -o "$T/gone-full"; then
    diff -r "$T/gone" "$T/gone-full" >/dev/null && ok "empty edit equals a full track" || fail "empty edit differs"
    [ "$(pixels "$T/gone/00025.png")" = "$(pixels "$T/empty.png")" ] && ok "empty after the empty keyframe" ||
        fail "a mask after the empty keyframe"
else
    fail "empty edit"
fi
bad "only empty keyframes" "no object" "$T/clip.mkv" --mask 0:"$T/empty.png" -o "$T/none"

# Bad inputs.
printf '{"format": "vanish-track", "version": 1, "frames": 40, "width": 320' >"$T/broken.json"
bad "missing directory" "is not a directory" "$T/clip.mkv" --mask 5:"$T/edit30.png" --update "$T/nope"
mkdir "$T/plain" && cp "$T/orig"/0000*.png "$T/plain/"
bad "no record" "keyframes.json" "$T/clip.mkv" --mask 5:"$T/edit30.png" --update "$T/plain"
bad "frame out of range" "out of range" "$T/clip.mkv" --mask 40:"$T/edit30.png" --update "$T/full"
bad "other video" "is 160x120" "$T/small.mkv" --mask 5:"$T/gt00005.png" --update "$T/full"
bad "-o with --update" "not used with it" "$T/clip.mkv" --mask 5:"$T/edit30.png" --update "$T/full" -o "$T/x"
bad "bad mask file" "nope.png" "$T/clip.mkv" --mask 5:"$T/nope.png" --update "$T/full"
cp "$T/full/keyframes.json" "$T/good.json"
cp "$T/broken.json" "$T/full/keyframes.json"
bad "corrupt keyframes.json" "not a valid keyframe record" "$T/clip.mkv" --mask 5:"$T/edit30.png" --update "$T/full"
cp "$T/good.json" "$T/full/keyframes.json"
mv "$T/full/00033.png" "$T/00033.png"
bad "missing mask" "00033.png: missing" "$T/clip.mkv" --mask 5:"$T/edit30.png" --update "$T/full"
mv "$T/00033.png" "$T/full/00033.png"

if [ "$fails" -gt 0 ]; then
    echo "$fails check(s) failed"
    exit 1
fi
echo "all track CLI checks passed"
