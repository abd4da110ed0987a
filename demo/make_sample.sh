#!/usr/bin/env bash
# Makes the bundled demo sample (committed as demo/sample.mp4 and demo/logo-mask.png), so that
# it can be rebuilt and checked: the first 5 seconds of opencv-doc's box.mp4 (640x480,
# 30000/1001 fps, with its AAC sound) with OpenCV's logo burned in at the top right, opaque, and
# the logo's exact footprint as a mask. Needs Debian's opencv-doc and ffmpeg.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
doc=/usr/share/doc/opencv-doc
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
gunzip -c "$doc/opencv4/html/box.mp4.gz" > "$tmp/box.mp4"
logo="$doc/examples/data/opencv-logo.png"
# 72x95 logo at x=548, y=20; alpha thresholded so that mask and burn-in agree exactly
ffmpeg -v error -y -i "$logo" -vf "scale=72:-1:flags=area,format=rgba,geq=r='r(X,Y)':g='g(X,Y)':b='b(X,Y)':a='if(gt(alpha(X,Y),127),255,0)'" "$tmp/logo.png"
ffmpeg -v error -y -i "$tmp/box.mp4" -i "$tmp/logo.png" -t 5 \
  -filter_complex "[0:v][1:v]overlay=548:20:format=auto,format=yuv420p[v]" \
  -map "[v]" -map 0:a -c:v libx264 -crf 16 -preset slow -c:a copy \
  -metadata title="vanish demo: box.mp4 with a logo" -movflags +faststart "$here/sample.mp4"
ffmpeg -v error -y -f lavfi -i "color=black:s=640x480:d=1,format=rgba" -i "$tmp/logo.png" \
  -filter_complex "[1:v]alphaextract[a];[0:v][a]overlay=548:20,format=gray" -frames:v 1 "$here/logo-mask.png"
echo "wrote $here/sample.mp4 and $here/logo-mask.png"
