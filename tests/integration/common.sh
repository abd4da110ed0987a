# The prologue of the CLI integration tests, sourced by each: `. "$(dirname "$0")/common.sh" NAME "$@"`.
# Sets VANISH (the binary under test, the script's first argument), T (a scratch directory removed
# on exit) and fails (the count of failed checks, for the script's last line), and defines
# fail/ok (report one check) and ff (ffmpeg, quiet, overwriting).
set -u
VANISH=${2:?usage: $1.sh PATH/TO/vanish}
T=$(mktemp -d "/tmp/vn-$1-XXXXXX")
trap 'rm -rf "$T"' EXIT
fails=0

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
ff() { ffmpeg -nostdin -v error -y "$@"; }
