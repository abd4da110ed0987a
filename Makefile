# vanish: the two commands a user needs, on a fresh Debian 12 machine.
#   make demo   install what is missing, build, remove the logo from the bundled sample
#   make check  install what is missing, build, run every test (plus an ASan/UBSan pass)
# Other targets: build, bench, install, clean.

BUILD    ?= build
ASAN     ?= build-asan
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT      := $(SUDO) apt-get -o DPkg::Lock::Timeout=900
# build and test dependencies (Debian 12 package names)
DEPS     := gcc meson ninja-build pkg-config libavformat-dev libavcodec-dev libavutil-dev \
            libswscale-dev libswresample-dev libpng-dev libcmocka-dev libcjson-dev \
            libmicrohttpd-dev ffmpeg valgrind curl opencv-doc chromium
# node and npm: Debian's packages unless the machine already has them from elsewhere
NODE_DEPS := $(if $(shell command -v node),,nodejs) $(if $(shell command -v npm),,npm)
BENCH_DEPS := python3-opencv python3-numpy opencv-doc time

.PHONY: all deps bench-deps build check e2e demo bench install clean

all: build

# Install only the packages that are missing, so that a ready machine needs no root.
deps:
	@missing="$$(for p in $(DEPS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done) $(NODE_DEPS)"; \
	if [ -n "$$(echo $$missing)" ]; then \
	  echo "installing:" $$missing; \
	  $(APT) update -q && $(APT) install -y -q $$missing; \
	fi

bench-deps:
	@missing=$$(for p in $(BENCH_DEPS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  $(APT) update -q && $(APT) install -y -q $$missing; \
	fi

# order-only on deps: under make -j the set-up must wait for meson to be installed
$(BUILD)/build.ninja: | deps
	meson setup $(BUILD)

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

$(ASAN)/build.ninja: | deps
	meson setup $(ASAN) -Dbuildtype=debugoptimized -Db_sanitize=address,undefined -Db_lundef=false

check: build $(ASAN)/build.ninja
	meson test -C $(BUILD) --print-errorlogs
	meson test -C $(BUILD) --suite valgrind --print-errorlogs --timeout-multiplier 3 \
	  --wrapper 'valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite'
	ninja -C $(ASAN)
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  meson test -C $(ASAN) --print-errorlogs
	tests/e2e/run.sh $(BUILD)/tools/vanish/vanish

# the browser tests alone (headless Debian chromium driven by playwright-core)
e2e: build
	tests/e2e/run.sh $(BUILD)/tools/vanish/vanish

demo: build
	mkdir -p demo/out
	$(BUILD)/tools/vanish/vanish inpaint demo/sample.mp4 --masks demo/logo-mask.png -o demo/out/sample-clean.mp4 -y
	ffmpeg -v error -y -ss 2 -i demo/sample.mp4 -ss 2 -i demo/out/sample-clean.mp4 \
	  -filter_complex "[0:v][1:v]hstack" -frames:v 1 demo/out/before-after.png
	@echo "wrote demo/out/sample-clean.mp4 and demo/out/before-after.png (left: before, right: after)"

bench: build bench-deps
	/usr/bin/python3 bench/inpaint_bench.py --vanish $(BUILD)/tools/vanish/vanish

install: build
	meson install -C $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN) demo/out
