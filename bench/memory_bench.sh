#!/usr/bin/env bash
# Peak resident memory of `vanish inpaint` on long 1080p inputs: memory must not grow with the
# length of the video. Makes 1920x1080 H.264 inputs with a sine audio track from lavfi's
# testsrc2 (moving content), a static 240x120 logo mask, and reports wall time, frames per
# second and peak RSS (GNU time) per method and length.
#   bench/memory_bench.sh [build/tools/vanish/vanish] [spatial_seconds] [fill_seconds...]
# defaults: 600 s for the spatial fill (a 10-minute input) and 10 s and 20 s for the temporal fill
# (0 skips).
set -euo pipefail
vanish=$(realpath "${1:-build/tools/vanish/vanish}")
spatial_s=${2:-600}
shift 2 2>/dev/null || shift $#
fill_s=("${@:-10 20}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
make_input() {
  ffmpeg -v error -y -f lavfi -i "testsrc2=size=1920x1080:rate=30000/1001:duration=$1" \
    -f lavfi -i "sine=frequency=440:duration=$1" -c:v libx264 -preset ultrafast -crf 23 \
    -c:a aac -shortest "$work/in-$1.mp4"
}
ffmpeg -v error -y -f lavfi -i "color=black:s=1920x1080,drawbox=x=1600:y=60:w=240:h=120:color=white:t=fill" \
  -frames:v 1 -pix_fmt gray "$work/mask.png"
run() { # method seconds
  local n=$(( $2 * 30000 / 1001 )) t0 t1 rss
  t0=$(date +%s.%N)
  rss=$( { /usr/bin/time -f "%M" "$vanish" inpaint "$work/in-$2.mp4" --masks "$work/mask.png" \
          -o "$work/out.mp4" -y -q --method "$1" --x264-preset ultrafast; } 2>&1 | tail -n1)
  t1=$(date +%s.%N)
  printf "| %s | %s s (%d frames) | %.1f | %.1f | %d |\n" "$1" "$2" "$n" "$(echo "$t1 - $t0" | bc)" \
    "$(echo "$n / ($t1 - $t0)" | bc -l)" "$((rss / 1024))"
}
echo "| method | input | wall s | fps | peak MiB |"
echo "|---|---|---|---|---|"
for s in ${fill_s[*]}; do [ "$s" = 0 ] && continue; make_input "$s"; run fill "$s"; done
[ "$spatial_s" = 0 ] || { make_input "$spatial_s"; run spatial "$spatial_s"; }
