# Cascadia — build, test, demo, install.
# Every entry point first installs the Debian -dev packages of SPEC §7 when run as root.

PREFIX      ?= /usr/local
DESTDIR     ?=
SWIFT       ?= swift
SWIFT_FLAGS ?=
BIN         := .build/release/cascadia

# Debian packages the build needs (SPEC §7) and the ones the test suite drives.
APT_BUILD := libasound2-dev libgpiod-dev libsndfile1-dev libmseed-dev libsystemd-dev pkg-config
APT_TEST  := gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user alsa-utils librsvg2-bin systemd

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

# Replays the shipped recordings through the shipped experts with the shipped plans (made by
# `cascadia plan` from the measured profile models/profile.json, see docs/runtime.md) and prints
# each run's summary table (detections, accuracy and confusion matrix against the labels,
# deadline misses, escapes, latency, predicted vs measured expected duration), then one overview
# table per plan.
DEMO_RECORDINGS := recordings/steady recordings/rapid
DEMO_PLANS      := plans/hazard-60ms.json plans/idk-0.9.json
demo: build
	@for p in $(DEMO_PLANS); do \
	  $(BIN) replay $(DEMO_RECORDINGS) --plan $$p --models models --fast --quiet || exit $$?; echo; \
	done
	@.build/release/cascadia-bench dynamic-k --plan plans/idk-unimodal-0.8.json $(DEMO_RECORDINGS)

# What Dynamic-k saves with each IDK plan on each recording, and on the same windows shuffled
# (no dependence between consecutive windows): docs/runtime.md "How much Dynamic-k can save".
.PHONY: dynamic-k
dynamic-k: build
	@for p in plans/idk-0.9.json plans/idk-unimodal-0.8.json; do \
	  .build/release/cascadia-bench dynamic-k --plan $$p $(DEMO_RECORDINGS) || exit $$?; echo; \
	  for seed in 1 2 3; do \
	    .build/release/cascadia-bench dynamic-k --plan $$p --shuffle $$seed $(DEMO_RECORDINGS) | tail -n +3 || exit $$?; \
	  done; echo; \
	done

# bench: see the bench section below.

# ---- deployment (install, uninstall, deb, unit checks): owned by the deploy branch ----------------
# Where files go; override any of them, e.g. `make install PREFIX=/usr DESTDIR=/tmp/stage`.
UNITDIR     ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
DATADIR     ?= $(PREFIX)/share/cascadia
DOCDIR      ?= $(PREFIX)/share/doc/cascadia
MANDIR      ?= $(PREFIX)/share/man
SYSCONFDIR  ?= /etc
# Data folders shipped under $(DATADIR) (with their subfolders); a missing or empty one is skipped.
# Board files name plans and recordings relative to themselves (../plans/…), so the layout is kept.
DATA_DIRS   := boards models plans profiles recordings

.PHONY: build-static install-files deb test-deploy

# Release build with the Swift runtime linked in, so the installed binary does not need the toolchain.
build-static: deps
	$(SWIFT) build -c release --static-swift-stdlib $(SWIFT_FLAGS)

install: build-static
	$(MAKE) --no-print-directory install-files

# Copies $(BIN) and the data without building (the .deb and the tests use it with their own BIN).
install-files:
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR) $(DESTDIR)$(DATADIR) $(DESTDIR)$(DOCDIR)
	install -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/cascadia
	sed -e 's|/usr/bin/cascadia|$(PREFIX)/bin/cascadia|g' -e 's|/usr/share/doc/cascadia|$(DOCDIR)|g' \
	    systemd/cascadia.service > $(DESTDIR)$(UNITDIR)/cascadia.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/cascadia.service
	install -m 0644 systemd/cascadia.sysusers $(DESTDIR)$(SYSUSERSDIR)/cascadia.conf
	install -m 0644 systemd/cascadia.tmpfiles $(DESTDIR)$(TMPFILESDIR)/cascadia.conf
	@for d in $(DATA_DIRS); do \
	  files=$$(find $$d -type f ! -name '.*' 2>/dev/null | sort); \
	  if [ -n "$$files" ]; then \
	    for f in $$files; do install -D -m 0644 $$f $(DESTDIR)$(DATADIR)/$$f || exit 1; done; echo "installed $$d/"; \
	  else echo "skipped $$d/ (missing or empty)"; fi; \
	done
	@for f in docs/deployment.md README.md; do [ -f $$f ] && install -m 0644 $$f $(DESTDIR)$(DOCDIR)/ || true; done
	@install -d $(DESTDIR)$(MANDIR)/man1; \
	if scripts/make-manpage.sh $(BIN) > $(DESTDIR)$(MANDIR)/man1/cascadia.1; then \
	  gzip -9nf $(DESTDIR)$(MANDIR)/man1/cascadia.1; \
	else rm -f $(DESTDIR)$(MANDIR)/man1/cascadia.1; echo "skipped the man page (binary does not run here)"; fi
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/default/cascadia ]; then echo "kept $(SYSCONFDIR)/default/cascadia"; \
	else install -d $(DESTDIR)$(SYSCONFDIR)/default && sed 's|/usr/share/cascadia|$(DATADIR)|g' systemd/cascadia.default > $(DESTDIR)$(SYSCONFDIR)/default/cascadia; fi
	install -d $(DESTDIR)$(SYSCONFDIR)/cascadia

# Removes what install-files put there; /etc/default/cascadia and /etc/cascadia are kept (configuration).
uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/cascadia $(DESTDIR)$(UNITDIR)/cascadia.service
	rm -f $(DESTDIR)$(SYSUSERSDIR)/cascadia.conf $(DESTDIR)$(TMPFILESDIR)/cascadia.conf
	rm -rf $(DESTDIR)$(DATADIR) $(DESTDIR)$(DOCDIR)
	rm -f $(DESTDIR)$(MANDIR)/man1/cascadia.1.gz

# A .deb (dpkg-deb) from a release build with the Swift runtime linked in statically.
deb: build-static
	scripts/build-deb.sh $(BIN) .build/deb

# Unit checks (systemd-analyze verify/security, sysusers, tmpfiles) and the package install test.
test: test-deploy
test-deploy:
	scripts/check-systemd.sh
	scripts/test-install.sh
	scripts/test-deb.sh
# ---- end of deployment section ----------------------------------------------------------------

clean:
	rm -rf .build

# --- executor (CascadiaRuntime) -------------------------------------------------------------
# Executor benchmark with heap-allocation counting: the bench's malloc-family definitions
# interpose on libc's only when exported, hence --export-dynamic; separate build dir so the
# counting build never replaces the normal one.
.PHONY: bench-executor
bench-executor: deps
	$(SWIFT) build -c release --product cascadia-bench --scratch-path .build/alloc-count \
	  -Xswiftc -DCASCADIA_COUNT_ALLOCATIONS -Xlinker --export-dynamic $(SWIFT_FLAGS)
	.build/alloc-count/release/cascadia-bench executor

# Executor suites under ThreadSanitizer (control slot, metrics, ctl bridge); after test-tsan so the
# TSan build in .build/tsan is shared, not rebuilt.
EXECUTOR_TSAN_SUITES := ExecutorControlTests|ExecutorControlTargetTests|MetricsHistogramTests|ExecutorTests
.PHONY: test-tsan-executor
test: test-tsan-executor
test-tsan-executor: test-tsan
	TSAN_OPTIONS=halt_on_error=1 $(SWIFT) test --sanitize=thread --scratch-path .build/tsan \
	  --filter '$(EXECUTOR_TSAN_SUITES)' $(SWIFT_FLAGS)
# --- end executor ---------------------------------------------------------------------------
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
TSAN_SUITES := SPSCRingBufferTests|RingWakeupTests|ALSACaptureSourceTests|ReplaySourceTests|ReplayDirectoryTests|WindowAssemblerTests|RecorderTests|RecordCommandTests
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
	$(BIN) plan idk --profile models/idk-profile.json --min-success 0.9 --deadline-ms 150 --out plans/idk-0.9.json
	$(BIN) profile --models models --experts C,D,F,G --recordings recordings --runs 1000 --warmup 20 --cpu 1 \
	  $(if $(PROFILE_BOARD),--board "$(PROFILE_BOARD)") --out models/unimodal
	$(BIN) plan idk --profile models/unimodal/idk-profile.json --min-success 0.8 --assume independent \
	  --deadline-ms 150 --out plans/idk-unimodal-0.8.json
	$(BIN) plan pareto --profile models/profile.json --max-fn 0.086 --format svg --out docs/img/pareto-measured.svg
# --- end profiler ----------------------------------------------------------------------------------

# ---- bench (owner: benchmarks; docs/benchmarks.md) ------------------------------------------
# Release build with the Swift runtime linked in (the binary size reported is the shipped one),
# then every benchmark; the peer side (ONNX Runtime) runs in its own venv under .build/bench-venv.
# BENCH_RUNS: timed runs per expert and side.
BENCH_RUNS ?= 2000
bench: build-static
	bash scripts/bench.sh $(BENCH_RUNS)
# ---- end bench ------------------------------------------------------------------------------
