#!/bin/sh
# Browser tests of `vanish gui`: installs playwright-core (npm ci) and drives Debian's chromium.
#   tests/e2e/run.sh path/to/vanish
# Needs: nodejs, npm, chromium, ffmpeg, opencv-doc (the test clip). Screenshots: tests/e2e/out/.
set -e
vanish=$(realpath "${1:?usage: $0 path/to/vanish}")
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --loglevel=error
exec node gui.test.mjs "$vanish"
