# Cascadia — build, test, demo, install.
# Every entry point first installs the Debian -dev packages of SPEC §7 when run as root.

PREFIX      ?= /usr/local
DESTDIR     ?=
SWIFT       ?= swift
SWIFT_FLAGS ?=
BIN         := .build/release/cascadia

# Debian packages the build needs (SPEC §7) and the ones the test suite drives.
APT_BUILD := libasound2-dev libgpiod-dev libsndfile1-dev libmseed-dev libsystemd-dev pkg-config
APT_TEST  := gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user alsa-utils librsvg2-bin

.PHONY: all deps test-deps build debug test test-swift test-c test-tsan demo bench install uninstall clean

all: build

# Install whatever is missing; a no-op when everything is present or when not root.
define apt_install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; \
	    (apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "warning: missing Debian packages:$$missing (run as root or install them)" >&2; fi; \
	fi
endef

deps:
	$(call apt_install,$(APT_BUILD))

test-deps: deps
	$(call apt_install,$(APT_TEST))

build: deps
	$(SWIFT) build -c release $(SWIFT_FLAGS)

debug: deps
	$(SWIFT) build $(SWIFT_FLAGS)

test: test-deps test-c test-swift

test-swift:
	$(SWIFT) build --build-tests $(SWIFT_FLAGS)
	$(SWIFT) test --skip-build $(SWIFT_FLAGS)

test-c:
	@if [ -f tests/c/Makefile ]; then $(MAKE) -C tests/c; fi

demo: build
	@echo "== hazard plan (static, H=0.086, L=60 ms) on the shipped profile"
	$(BIN) plan hazard --profile profiles/multimodal-hazard-profile.tsv --max-fn 0.086 --budget-ms 60 --policy static
	@echo "== hazard plan (adaptive, H=0.086, L=60 ms)"
	$(BIN) plan hazard --profile profiles/multimodal-hazard-profile.tsv --max-fn 0.086 --budget-ms 60 --policy adaptive
	@echo "== Pareto front of FP against budget (H=0.086)"
	$(BIN) plan pareto --profile profiles/multimodal-hazard-profile.tsv --max-fn 0.086

bench: build
	$(SWIFT) build -c release --product cascadia-bench $(SWIFT_FLAGS)
	.build/release/cascadia-bench

install: build
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/cascadia/profiles
	install -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/cascadia
	install -m 0644 profiles/* $(DESTDIR)$(PREFIX)/share/cascadia/profiles/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/cascadia
	rm -rf $(DESTDIR)$(PREFIX)/share/cascadia

clean:
	rm -rf .build

# ---- training (owner: training toolchain; offline, Python under training/) -------------------
TRAIN_PY   := training/.venv/bin/python
TRAIN_SEED ?= 7

.PHONY: training-venv models onnx recordings golden-experts

training-venv: $(TRAIN_PY)
$(TRAIN_PY): training/requirements.txt
	python3 -m venv training/.venv
	training/.venv/bin/pip install -q -r training/requirements.txt
	touch $(TRAIN_PY)

# Regenerate the synthetic data, retrain the seven experts, re-export models/, cards, recordings,
# golden vectors and the ONNX QDQ twins (a few minutes on 2 cores).
models: training-venv
	cd training && .venv/bin/python -m cascadia_train.train --refresh-data --epochs 12 --seed $(TRAIN_SEED) --threads 1
	cd training && .venv/bin/python -m cascadia_train.export --seed $(TRAIN_SEED)
	cd training && .venv/bin/python -m cascadia_train.profile
	$(MAKE) recordings golden-experts onnx

recordings: training-venv
	cd training && .venv/bin/python -m cascadia_train.recordings

golden-experts: training-venv
	cd training && .venv/bin/python golden/make_golden.py

# ONNX int8 QDQ exports of the shipped experts into models/onnx/ (git-ignored).
onnx: training-venv
	cd training && .venv/bin/python -m cascadia_train.onnx_export

# ---- models (CascadiaModels): model-file mutation suite under AddressSanitizer ----
.PHONY: test-asan
test: test-asan
test-asan:
	$(SWIFT) build --build-tests --sanitize=address --scratch-path .build/asan $(SWIFT_FLAGS)
	LSAN_OPTIONS=suppressions=$(CURDIR)/Tests/lsan-xctest.supp \
	  $(SWIFT) test --skip-build --sanitize=address --scratch-path .build/asan --filter ModelMutationTests $(SWIFT_FLAGS)
# --- io (CascadiaIO): ThreadSanitizer run of the IO suites ----------------------------------------
# The ring buffer (two-thread stress at 10^7 samples here, 10^8 in the plain run), the reading
# threads of the ALSA and replay sources, the window assembler and `cascadia record` (its test runs
# the TSan-built binary, which inherits halt_on_error). Own scratch path so the normal debug build
# stays valid; halt_on_error makes any race report fail the run.
TSAN_SUITES := SPSCRingBufferTests|ALSACaptureSourceTests|ReplaySourceTests|ReplayDirectoryTests|WindowAssemblerTests|RecorderTests|RecordCommandTests
test: test-tsan
test-tsan:
	CASCADIA_RING_STRESS_SAMPLES=10000000 TSAN_OPTIONS=halt_on_error=1 $(SWIFT) test --sanitize=thread \
	  --scratch-path .build/tsan --filter '$(TSAN_SUITES)' $(SWIFT_FLAGS)
# --- end io ----------------------------------------------------------------------------------------
# --- profiler: re-measure the shipped profile on this machine and re-plan the demo plans ----------
# docs/profiling.md explains the statistics. PROFILE_BOARD (free text) names the board in the
# provenance; unset, the profiler reads /proc/device-tree/model or the DMI product name.
PROFILE_BOARD ?=
.PHONY: profile
profile: build
	$(BIN) profile --models models --recordings recordings --runs 1000 --warmup 20 --cpu 1 \
	  $(if $(PROFILE_BOARD),--board "$(PROFILE_BOARD)") --out models --plots docs/img
	$(BIN) plan hazard --profile models/profile.json --max-fn 0.086 --budget-ms 60  --policy adaptive --out plans/hazard-60ms.json
	$(BIN) plan hazard --profile models/profile.json --max-fn 0.086 --budget-ms 150 --policy adaptive --out plans/hazard-150ms.json
	$(BIN) plan idk --profile models/idk-profile.json --min-success 0.55 --deadline-ms 150 --out plans/idk-0.55.json
	$(BIN) plan pareto --profile models/profile.json --max-fn 0.086 --format svg --out docs/img/pareto-measured.svg
# --- end profiler ----------------------------------------------------------------------------------
