#!/bin/bash
# Validation and security of the `vanish gui` HTTP API: bad requests get a 4xx with a message
# and never bring the server down; paths outside --allow, missing tokens, foreign Host headers,
# cross-site writes and oversized uploads are refused; Range requests work.
#   tests/server/api_test.sh path/to/vanish        (run by meson test, suite gui)
# Needs curl and ffmpeg (makes a small clip with lavfi).
set -u
vanish=$1
work=$(mktemp -d)
export TMPDIR=$work/tmp   # the servers' working directories: checked to be gone at the end
mkdir -p "$TMPDIR"
pids=()
fails=0
cleanup() {
    for p in "${pids[@]}"; do kill -INT "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    rm -rf "$work"
}
trap cleanup EXIT

check() { # check WHAT EXPECTED ACTUAL
    if [ "$2" = "$3" ]; then echo "ok   $1"; else echo "FAIL $1: expected $2, got $3"; fails=$((fails + 1)); fi
}

# Start a server with extra flags; sets $base (and $token when one was printed).
start() {
    local log=$work/server${#pids[@]}.log
    "$vanish" gui --port 0 --threads 1 "$@" >"$log" 2>&1 &
    pids+=($!)
    for _ in $(seq 50); do
        grep -q "serving on" "$log" && break
        sleep 0.1
    done
    base=$(grep -o 'http://[^ /]*' "$log" | head -n 1)
    token=$(grep -o 'token=[0-9a-f]*' "$log" | head -n 1 | cut -d= -f2)
}

code() { curl -s -o "$work/body" -w '%{http_code}' "$@"; }
W=(-H 'X-Vanish: 1')

mkdir -p "$work/allowed" "$work/secret"
ffmpeg -v error -f lavfi -i testsrc=size=160x120:rate=10 -f lavfi -i sine=frequency=440 -t 1 \
    -c:v libx264 -pix_fmt yuv420p -c:a aac -shortest "$work/allowed/clip.mp4" || exit 1
ffmpeg -v error -f lavfi -i testsrc=size=1280x720:rate=5 -t 1 -c:v libx264 -pix_fmt yuv420p \
    "$work/allowed/big.mp4" || exit 1
cp "$work/allowed/clip.mp4" "$work/secret/clip.mp4"
ln -s "$work/secret/clip.mp4" "$work/allowed/link.mp4"
head -c 1500000 /dev/urandom >"$work/big.bin"

start --allow "$work/allowed" --max-upload 1
check "health" 200 "$(code "$base/api/health")"
check "unknown route" 404 "$(code "$base/api/nothing")"
check "no directory listing" 404 "$(code "$base/api/")"
check "page asset" 200 "$(code "$base/")"
check "no files outside the page" 404 "$(code --path-as-is "$base/../../etc/passwd")"
check "foreign Host header" 403 "$(code -H 'Host: evil.example:80' "$base/api/health")"
check "write without X-Vanish header" 403 "$(code -X POST -d '{"path":"x"}' "$base/api/videos/open")"
check "PUT is not allowed" 405 "$(code -X PUT "${W[@]}" "$base/api/videos/open")"

# Opening by path: inside --allow only.
check "open outside --allow" 403 "$(code "${W[@]}" -d "{\"path\":\"$work/secret/clip.mp4\"}" "$base/api/videos/open")"
check "open with ../ traversal" 403 "$(code "${W[@]}" -d "{\"path\":\"$work/allowed/../secret/clip.mp4\"}" "$base/api/videos/open")"
check "open through a symlink out of --allow" 403 "$(code "${W[@]}" -d "{\"path\":\"$work/allowed/link.mp4\"}" "$base/api/videos/open")"
check "open a directory" 400 "$(code "${W[@]}" -d "{\"path\":\"$work/allowed\"}" "$base/api/videos/open")"
check "open a missing file" 404 "$(code "${W[@]}" -d "{\"path\":\"$work/allowed/none.mp4\"}" "$base/api/videos/open")"
check "open: path not a string" 400 "$(code "${W[@]}" -d '{"path":42}' "$base/api/videos/open")"
check "malformed JSON" 400 "$(code "${W[@]}" -d '{"path":' "$base/api/videos/open")"
check "JSON that is not an object" 400 "$(code "${W[@]}" -d '[1,2]' "$base/api/videos/open")"
check "open inside --allow" 201 "$(code "${W[@]}" -d "{\"path\":\"$work/allowed/clip.mp4\"}" "$base/api/videos/open")"
vid=$(grep -o '"id":"[0-9a-f]*"' "$work/body" | cut -d'"' -f4)
sleep 1

# Uploads: size limit, empty, not a video.
check "upload over the limit" 413 "$(code "${W[@]}" --data-binary @"$work/big.bin" "$base/api/videos/upload?name=big.mp4")"
check "empty upload" 400 "$(code "${W[@]}" -X POST --data-binary '' "$base/api/videos/upload?name=e.mp4")"
check "upload that is not a video" 400 "$(code "${W[@]}" --data-binary 'hello' "$base/api/videos/upload?name=..%2F..%2Fx.mp4")"
grep -q "not a video\|invalid data" "$work/body"; check "the error says why" 0 $?
check "upload of a video" 201 "$(code "${W[@]}" --data-binary @"$work/allowed/clip.mp4" "$base/api/videos/upload?name=clip.mp4")"

# Frames and their numbers.
check "frame 0" 200 "$(code "$base/api/videos/$vid/frames/0")"
check "frame at another size" 200 "$(code "$base/api/videos/$vid/frames/3?max=64")"
check "negative frame" 400 "$(code "$base/api/videos/$vid/frames/-1")"
check "huge frame number" 400 "$(code "$base/api/videos/$vid/frames/99999999999999999999")"
check "frame past the end" 404 "$(code "$base/api/videos/$vid/frames/500")"
check "bad size" 400 "$(code "$base/api/videos/$vid/frames/0?max=1")"
check "unknown video" 404 "$(code "$base/api/videos/0123456789abcdef")"
check "bad video id" 404 "$(code "$base/api/videos/..%2F..")"

# Segmentation: every field checked.
check "add object" 201 "$(code "${W[@]}" -X POST "$base/api/videos/$vid/objects")"
seg() { code "${W[@]}" -d "$1" "$base/api/videos/$vid/segment"; }
check "segment: no prompts" 400 "$(seg '{"frame":0,"object":1}')"
check "segment: negative frame" 400 "$(seg '{"frame":-3,"object":1,"prompts":[{"type":"positive","x":5,"y":5}]}')"
check "segment: fractional frame" 400 "$(seg '{"frame":1.5,"object":1,"prompts":[{"type":"positive","x":5,"y":5}]}')"
check "segment: huge number" 400 "$(seg '{"frame":1e300,"object":1,"prompts":[{"type":"positive","x":5,"y":5}]}')"
check "segment: point outside the frame" 400 "$(seg '{"frame":0,"object":1,"prompts":[{"type":"positive","x":5000,"y":5}]}')"
check "segment: bad prompt type" 400 "$(seg '{"frame":0,"object":1,"prompts":[{"type":"maybe","x":5,"y":5}]}')"
check "segment: prompts not a list" 400 "$(seg '{"frame":0,"object":1,"prompts":"x"}')"
check "segment: two boxes" 400 "$(seg '{"frame":0,"object":1,"prompts":[{"type":"box","x0":1,"y0":1,"x1":9,"y1":9},{"type":"box","x0":1,"y0":1,"x1":9,"y1":9}]}')"
check "segment: unknown object" 404 "$(seg '{"frame":0,"object":5,"prompts":[{"type":"positive","x":5,"y":5}]}')"
check "segment: unknown option" 400 "$(seg '{"frame":0,"object":1,"options":{"nope":1},"prompts":[{"type":"positive","x":5,"y":5}]}')"
check "segment: option out of range" 400 "$(seg '{"frame":0,"object":1,"options":{"iterations":1000},"prompts":[{"type":"positive","x":5,"y":5}]}')"
check "segment: bad refine mask" 400 "$(seg '{"frame":0,"object":1,"refine_mask":[1,2,3],"prompts":[{"type":"positive","x":5,"y":5}]}')"
check "segment: frame past the end" 404 "$(seg '{"frame":400,"object":1,"prompts":[{"type":"positive","x":5,"y":5}]}')"
check "segment" 200 "$(seg '{"frame":2,"object":1,"prompts":[{"type":"box","x0":20,"y0":20,"x1":80,"y1":70}]}')"
check "select: no such candidate" 409 "$(code "${W[@]}" -d '{"frame":0,"object":1,"candidate":0}' "$base/api/videos/$vid/select")"
check "masks of frame 2" 200 "$(code "$base/api/videos/$vid/masks/2")"
grep -q '"rle"' "$work/body"; check "frame 2 has a mask" 0 $?

# Setting a mask (the page's undo back to a tracked mask).
setm() { code "${W[@]}" -d "$2" "$base/api/videos/$vid/objects/$1"; }
check "set mask" 200 "$(setm 1/masks/4 '{"rle":[100,50,19050],"key":false}')"
code "$base/api/videos/$vid/masks/4" >/dev/null
grep -q '"key":false,"rle":\[100,50,19050\]' "$work/body"; check "the mask set is served back" 0 $?
check "set mask: runs short of the frame" 400 "$(setm 1/masks/4 '{"rle":[100,50]}')"
check "set mask: negative run" 400 "$(setm 1/masks/4 '{"rle":[-1,19201]}')"
check "set mask: not a list" 400 "$(setm 1/masks/4 '{"rle":"x"}')"
check "set mask: key not a bool" 400 "$(setm 1/masks/4 '{"rle":[19200],"key":3}')"
check "set mask: unknown object" 404 "$(setm 6/masks/4 '{"rle":[19200]}')"
check "set mask: frame past the end" 404 "$(setm 1/masks/400 '{"rle":[19200]}')"
check "set mask: bad frame" 400 "$(setm 1/masks/x '{"rle":[19200]}')"

# Jobs.
check "remove: unknown option" 400 "$(code "${W[@]}" -d '{"options":{"dilate":-5}}' "$base/api/videos/$vid/remove")"
check "track" 202 "$(code "${W[@]}" -X POST "$base/api/videos/$vid/track")"
job=$(grep -o '"id":"[0-9a-f]*"' "$work/body" | cut -d'"' -f4)
for _ in $(seq 100); do code "$base/api/jobs/$job" >/dev/null; grep -q '"running"' "$work/body" || break; sleep 0.1; done
grep -q '"done"' "$work/body"; check "track job done" 0 $?
check "the first track writes every mask" 1 "$(grep -c '"masks_written":10' "$work/body")"
track_again() {
    code "${W[@]}" -X POST "$base/api/videos/$vid/track" >/dev/null
    local j; j=$(grep -o '"id":"[0-9a-f]*"' "$work/body" | cut -d'"' -f4)
    for _ in $(seq 100); do code "$base/api/jobs/$j" >/dev/null; grep -q '"running"' "$work/body" || break; sleep 0.1; done
    grep -o '"masks_written":[0-9]*' "$work/body" | cut -d: -f2
}
check "tracking again with no edit writes no mask" 0 "$(track_again)"
seg '{"frame":8,"object":1,"prompts":[{"type":"box","x0":20,"y0":20,"x1":80,"y1":70}]}' >/dev/null
written=$(track_again)
check "a correction on frame 8 re-tracks only the frames after the hand-over" 1 "$([ "$written" -gt 0 ] && [ "$written" -lt 9 ] && echo 1 || echo "$written")"
check "unknown job" 404 "$(code "$base/api/jobs/0123456789abcdef")"
check "remove" 202 "$(code "${W[@]}" -d '{"options":{"method":"spatial","dilate":2}}' "$base/api/videos/$vid/remove")"
job=$(grep -o '"id":"[0-9a-f]*"' "$work/body" | cut -d'"' -f4)
for _ in $(seq 300); do code "$base/api/jobs/$job" >/dev/null; grep -q '"running"' "$work/body" || break; sleep 0.1; done
grep -q '"done"' "$work/body"; check "remove job done" 0 $?
check "result" 200 "$(code "$base/api/jobs/$job/result")"
check "remove job names its latest finished frame" 1 "$(code "$base/api/jobs/$job" >/dev/null; grep -c '"latest_frame":9' "$work/body")"
check "latest finished frame" 200 "$(code "$base/api/jobs/$job/frames/9")"
check "finished frame is a JPEG" ffd8 "$(head -c 2 "$work/body" | od -An -tx1 | tr -d ' \n')"
check "finished frame not kept" 404 "$(code "$base/api/jobs/$job/frames/500")"
check "finished frame: not a number" 400 "$(code "$base/api/jobs/$job/frames/x")"
check "result range" 206 "$(code -H 'Range: bytes=10-19' "$base/api/jobs/$job/result")"
check "range length" 10 "$(stat -c %s "$work/body")"
check "unsatisfiable range" 416 "$(code -H 'Range: bytes=999999999-' "$base/api/jobs/$job/result")"
check "masks zip" 200 "$(code "$base/api/videos/$vid/masks.zip")"
check "cancel a finished job" 200 "$(code "${W[@]}" -X POST "$base/api/jobs/$job/cancel")"
check "detect-overlay on a result" 400 "$(code "${W[@]}" -X POST "$base/api/videos/$(grep -o '"result_video":"[0-9a-f]*"' "$work/body" | cut -d'"' -f4)/detect-overlay")"

# Watermark detection (POST /detect-overlay, a job of kind "overlay"): a proposal becomes a static
# object, one mask on every frame; nothing found is a job that ends well with no object.
wait_job() { # wait_job ID: poll until it is no longer running; its status in $work/body
    for _ in $(seq 600); do code "$base/api/jobs/$1" >/dev/null; grep -q '"running"' "$work/body" || break; sleep 0.1; done
}
job_id() { grep -o '"id":"[0-9a-f]*"' "$work/body" | head -n 1 | cut -d'"' -f4; }
det() { code "${W[@]}" -d "$2" "$base/api/videos/$1/detect-overlay"; }
check "detect-overlay: unknown option" 400 "$(det "$vid" '{"options":{"nope":1}}')"
grep -q "unknown option 'nope'" "$work/body"; check "detect-overlay: the error names the option" 0 $?
check "detect-overlay: option out of range" 400 "$(det "$vid" '{"options":{"min-alpha":3}}')"
check "detect-overlay: options not an object" 400 "$(det "$vid" '{"options":7}')"
check "detect-overlay: body not a JSON object" 400 "$(det "$vid" '[1]')"
check "detect-overlay: unknown video" 404 "$(det 0123456789abcdef '{}')"
check "GET detect-overlay" 404 "$(code "$base/api/videos/$vid/detect-overlay")"
check "detect-overlay on the test pattern" 202 "$(det "$vid" '{}')"
wait_job "$(job_id)"
check "nothing found: the job is done, no object" 1 "$(grep -c '"state":"done".*"object":0,"overlay_pixels":0' "$work/body")"
# a semi-transparent logo over a panning picture (as tests/integration/test_overlay_cli.sh)
pan="testsrc2=size=1280x960:rate=25,crop=320:240:x='mod(n*7,900)':y='mod(n*5,700)',format=yuv444p"
logo="drawbox=x=200:y=30:w=80:h=40:color=white@0.5:t=fill,drawbox=x=220:y=40:w=40:h=20:color=black@0.5:t=fill"
# (lossless 4:4:4: a logo blended at half chroma resolution over this picture's saturated bars
# un-blends worse than it fills, 15 against 23 dB: a known weakness, not what is tested here)
ffmpeg -v error -f lavfi -i "$pan" -vf "$logo" -frames:v 100 -c:v libx264 -qp 0 -pix_fmt yuv444p "$work/allowed/logo.mp4" || exit 1
check "open the logo clip" 201 "$(code "${W[@]}" -d "{\"path\":\"$work/allowed/logo.mp4\"}" "$base/api/videos/open")"
lid=$(job_id)
check "detect-overlay, cancelled at once" 202 "$(det "$lid" '{"options":{"max-frames":50}}')"
cj=$(job_id)
code "${W[@]}" -X POST "$base/api/jobs/$cj/cancel" >/dev/null
wait_job "$cj"
check "the cancelled detection ends cancelled" 1 "$(grep -c '"state":"cancelled"' "$work/body")"
code "$base/api/videos/$lid" >/dev/null
check "and adds no object" 1 "$(grep -c '"objects":\[\]' "$work/body")"
check "detect-overlay" 202 "$(det "$lid" '{"options":{"max-frames":50}}')"
dj=$(job_id)
check "a second detection on the same video at once" 409 "$(det "$lid" '{}')"
wait_job "$dj"
check "the logo is found as object 1" 1 "$(grep -c '"state":"done".*"object":1,"overlay_pixels":[1-9]' "$work/body")"
code "$base/api/videos/$lid" >/dev/null
check "it is static, masked on all 100 frames" 1 "$(grep -c '"id":1,"keyframes":\[\],"masked_frames":100,"static":true' "$work/body")"
rle_of() { code "$base/api/videos/$lid/masks/$1" >/dev/null; grep -o '"rle":\[[0-9,]*\]' "$work/body"; }
r0=$(rle_of 0)
check "frames 0 and 99 have the same mask" "$r0" "$(rle_of 99)"
check "the proposal is not a keyframe" 1 "$(grep -c '"key":false' "$work/body")"
setw() { code "${W[@]}" -d "$2" "$base/api/videos/$lid/objects/1/masks/$1"; }
check "edit the watermark on frame 5" 200 "$(setw 5 '{"rle":[100,50,76650],"key":true}')"
check "the edit holds on frame 80" '"rle":[100,50,76650]' "$(rle_of 80)"
check "remove the watermark (one mask for every frame)" 202 "$(code "${W[@]}" -d '{"options":{"method":"spatial"}}' "$base/api/videos/$lid/remove")"
rj=$(job_id)
wait_job "$rj"
grep -q '"done"' "$work/body"; check "watermark removal done" 0 $?
check "its result" 200 "$(code "$base/api/jobs/$rj/result")"
# Found again, the watermark replaces the one found before (the edit is gone), no second object.
check "detect-overlay again" 202 "$(det "$lid" '{"options":{"max-frames":50}}')"
wait_job "$(job_id)"
check "it is object 1 again" 1 "$(grep -c '"state":"done".*"object":1,"overlay_pixels":[1-9]' "$work/body")"
code "$base/api/videos/$lid" >/dev/null
check "one object, static" 1 "$(grep -c '"objects":\[{"id":1,"keyframes":\[\],"masked_frames":100,"static":true[^]]*\]' "$work/body")"
check "its mask is the proposal again, not the edit" "$r0" "$(rle_of 80)"
# A watermark and a moving object removed in one job: the static object is the overlay (un-blended
# where see-through), the other's masks are filled. Method unblend (fast: the fill is per frame
# from the border): the logo's region, away from the moving box, comes back much closer to the
# clean clip than the input and than the fill (everything filled: 25 dB; un-blended: 32).
ffmpeg -v error -f lavfi -i "$pan" -frames:v 100 -c:v libx264 -qp 0 -pix_fmt yuv444p "$work/clean.mp4" || exit 1
boxrle() { # boxrle X Y: a 30x30 box at X,Y of the 320x240 frame, as run lengths
    awk -v x="$1" -v y="$2" 'BEGIN { printf "%d", y * 320 + x; for (r = 0; r < 30; r++) printf ",30,%d", r < 29 ? 290 : 76800 - (y + 29) * 320 - x - 30; }'
}
check "a second object" 201 "$(code "${W[@]}" -X POST "$base/api/videos/$lid/objects")"
for n in $(seq 0 99); do
    code "${W[@]}" -d "{\"rle\":[$(boxrle $((20 + n)) 150)],\"key\":$([ "$n" = 0 ] && echo true || echo false)}" \
        "$base/api/videos/$lid/objects/2/masks/$n" >/dev/null
done
code "$base/api/videos/$lid" >/dev/null
check "it moves on all 100 frames" 1 "$(grep -c '"id":2,"keyframes":\[0\],"masked_frames":100,"static":false' "$work/body")"
check "remove the watermark and the moving box" 202 "$(code "${W[@]}" -d '{"options":{"method":"unblend"}}' "$base/api/videos/$lid/remove")"
rj=$(job_id)
wait_job "$rj"
grep -q '"done"' "$work/body"; check "mixed removal done" 0 $?
code "$base/api/jobs/$rj/result" >/dev/null; cp "$work/body" "$work/mixed.mp4"
region() { ffmpeg -nostdin -v info -i "$1" -i "$work/clean.mp4" -lavfi "[0]crop=$2[a];[1]crop=$2[b];[a][b]psnr" \
               -f null - 2>&1 | sed -n 's/.*average:\([0-9.inf]*\).*/\1/p'; }
p=$(region "$work/mixed.mp4" 80:40:200:30) b=$(region "$work/allowed/logo.mp4" 80:40:200:30)
awk -v p="$p" 'BEGIN { exit !(p > 29) }'; check "the logo un-blended: $p dB in its region (input $b)" 0 $?
p=$(region "$work/mixed.mp4" 30:30:80:150) b=$(region "$work/allowed/logo.mp4" 30:30:80:150)
awk -v p="$p" -v b="$b" 'BEGIN { exit !(p < b - 5) }'; check "the box's region filled: $p dB (input $b: no box there)" 0 $?
check "clear the watermark (every frame)" 200 "$(code "${W[@]}" -X DELETE "$base/api/videos/$lid/objects/1/masks?frame=3")"
code "$base/api/videos/$lid/masks/50" >/dev/null
check "no mask of object 1 left on frame 50" 0 "$(grep -c '"object":1,' "$work/body")"
for _ in $(seq 6); do code "${W[@]}" -X POST "$base/api/videos/$lid/objects" >/dev/null; done
check "detect-overlay on a full video with a watermark (replaces it)" 202 "$(det "$lid" '{"options":{"max-frames":50}}')"
wait_job "$(job_id)"
check "it is object 1" 1 "$(grep -c '"state":"done".*"object":1,"overlay_pixels":[1-9]' "$work/body")"
check "delete the watermark" 200 "$(code "${W[@]}" -X DELETE "$base/api/videos/$lid/objects/1")"
code "${W[@]}" -X POST "$base/api/videos/$lid/objects" >/dev/null
check "detect-overlay with no room for another object" 409 "$(det "$lid" '{}')"
grep -q "at most 8 objects" "$work/body"; check "the error says why" 0 $?
check "still alive after all that" 200 "$(code "$base/api/health")"

# A frame cache of 0 MB keeps only the frames in use (the last 4 handed out): evicted frames are
# decoded again, in any order, at any size.
start --allow "$work/allowed" --cache-mb 0
check "open with a 0 MB cache" 201 "$(code "${W[@]}" -d "{\"path\":\"$work/allowed/clip.mp4\"}" "$base/api/videos/open")"
cid=$(grep -o '"id":"[0-9a-f]*"' "$work/body" | cut -d'"' -f4)
for _ in $(seq 600); do code "$base/api/videos/$cid" >/dev/null; grep -q '"decoded":true' "$work/body" && break; sleep 0.1; done
frames_ok=0
for n in 7 2 9 0 5 5 1; do
    code "$base/api/videos/$cid/frames/$n" >/dev/null && head -c 2 "$work/body" | od -An -tx1 | grep -q 'ff d8' && frames_ok=$((frames_ok + 1))
done
check "evicted frames decoded again, forward and back" 7 "$frames_ok"
check "evicted frame at another size" 200 "$(code "$base/api/videos/$cid/frames/3?max=64")"
code "$base/api/videos/$cid" >/dev/null
check "the cache holds the 4 frames in use" 4 "$(grep -o '"previews":[0-9]*' "$work/body" | cut -d: -f2)"
check "evicted frames past the end" 404 "$(code "$base/api/videos/$cid/frames/10")"
check "open a video larger than the preview" 201 "$(code "${W[@]}" -d "{\"path\":\"$work/allowed/big.mp4\"}" "$base/api/videos/open")"
bid=$(grep -o '"id":"[0-9a-f]*"' "$work/body" | cut -d'"' -f4)
for _ in $(seq 600); do code "$base/api/videos/$bid" >/dev/null; grep -q '"decoded":true' "$work/body" && break; sleep 0.1; done
check "evicted full-size frame" 200 "$(code "$base/api/videos/$bid/frames/1?max=1280")"
check "its size" "1280x720" "$(ffprobe -v error -show_entries stream=width,height -of csv=p=0:s=x "$work/body")"
check "add object (large video)" 201 "$(code "${W[@]}" -X POST "$base/api/videos/$bid/objects")"
check "segment an evicted full-size frame" 200 "$(code "${W[@]}" -d '{"frame":2,"object":1,"prompts":[{"type":"box","x0":100,"y0":100,"x1":600,"y1":400}]}' "$base/api/videos/$bid/segment")"
code "$base/api/videos/$bid" >/dev/null
cached=$(grep -o '"previews":[0-9]*,"full":[0-9]*' "$work/body" | tr -dc '0-9,')
check "the cache holds at most the 4 frames in use (both sizes)" 1 "$([ "${cached%,*}" -le 4 ] && [ "${cached#*,}" -le 4 ] && [ "${cached#*,}" -ge 1 ] && echo 1 || echo "$cached")"

# A non-loopback address needs a token (generated and printed when none is given).
start --host 0.0.0.0
case "$base" in http://0.0.0.0:*) base=http://127.0.0.1:${base##*:} ;; esac
check "a token was generated" 32 "${#token}"
check "no token" 401 "$(code "$base/api/health")"
check "wrong token" 401 "$(code -H "X-Vanish-Token: ${token%?}x" "$base/api/health")"
check "token in a header" 200 "$(code -H "X-Vanish-Token: $token" "$base/api/health")"
check "token in the query" 200 "$(code "$base/?token=$token")"
check "token as bearer" 200 "$(code -H "Authorization: Bearer $token" "$base/api/health")"

# A server that was killed leaves its cache; the next one to start removes it.
start --port 0
dead=${pids[-1]}
kill -KILL "$dead"; wait "$dead" 2>/dev/null
check "a killed server leaves its directory" 1 "$(ls "$TMPDIR" | grep -c "^vanish-gui-$dead-")"
start --port 0
check "the next server removes it" 0 "$(ls "$TMPDIR" | grep -c "^vanish-gui-$dead-")"

# A closed terminal (SIGHUP) stops a server as Ctrl-C does: its directory goes.
start --port 0
hup=${pids[-1]}
kill -HUP "$hup"; wait "$hup" 2>/dev/null
check "SIGHUP: the server stops and removes its directory" 0 "$(ls "$TMPDIR" | grep -c "^vanish-gui-$hup-")"

# Stop the servers cleanly; a sanitizer build must have reported nothing (leaks included).
for p in "${pids[@]}"; do kill -INT "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
pids=()
check "stopped servers leave nothing in TMPDIR" "" "$(ls "$TMPDIR")"
if grep -l "Sanitizer\|runtime error" "$work"/server*.log; then
    cat "$work"/server*.log
    fails=$((fails + 1))
fi
[ "$fails" = 0 ] && echo "all checks passed" || echo "$fails check(s) failed"
exit $((fails > 0))
