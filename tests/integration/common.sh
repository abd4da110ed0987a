# The prologue of the CLI integration tests, sourced by each: `. "$(dirname "$0")/common.sh" NAME "$@"`.
# Sets VANISH (the binary under test, the script's first argument), T (a scratch directory removed
# on exit) and fails (the count of failed checks, for the script's last line), and defines
# fail/ok (report one check), ff (ffmpeg, quiet, overwriting), gt (a > b, decimals) and the mask
# counts count255 (white pixels of a mask), overlap (pixels white in both of two masks) and iou.
set -u
VANISH=${2:?usage: $1.sh PATH/TO/vanish}
T=$(mktemp -d "/tmp/vn-$1-XXXXXX")
trap 'rm -rf "$T"' EXIT
fails=0

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
ff() { ffmpeg -nostdin -v error -y "$@"; }
gt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a > b) }'; }
count_white() { od -An -v -tu1 | tr -s ' ' '\n' | grep -c '^255$'; } # of raw grey bytes on stdin
count255() { ff -i "$1" -vf format=gray -f rawvideo - | count_white; }
overlap() {
    ff -i "$1" -i "$2" -lavfi "[0]format=gray[a];[1]format=gray[b];[a][b]blend=all_mode=multiply,format=gray" \
        -f rawvideo - | count_white
}
iou() {
    awk -v i="$(overlap "$1" "$2")" -v a="$(count255 "$1")" -v b="$(count255 "$2")" \
        'BEGIN { printf "%.3f", i / (a + b - i) }'
}
