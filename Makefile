# batchcone — the two commands that work on a fresh machine:
#   make demo   set everything up, run the main job on the CPU (C++ and JAX demos)
#   make test   set everything up, run every test (C++ release + sanitizers, Python/JAX)
# and `make bench` for the benchmark table (`make bench-quick` for a smoke run).
BUILD      ?= build
BUILD_ASAN ?= build-asan
JOBS       ?= $(shell nproc)
CMAKE_ARGS ?=
PYTHON     ?= python3
PIP        := $(PYTHON) -m pip install -q --disable-pip-version-check

.PHONY: all deps build build-asan python python-deps test test-release test-asan test-install test-python demo bench bench-quick bench-rivals bench-mm gpu-bundle gpu-check format clean

all: build

deps:
	@./scripts/install_deps.sh

# With jaxlib installed (python-deps) the build also compiles the FFI libraries, CUDA ones included
# when nvcc exists.
build: deps python-deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_ARGS)
	cmake --build $(BUILD) -j $(JOBS)

# AddressSanitizer + UndefinedBehaviorSanitizer, CPU only.
build-asan: deps
	cmake -S . -B $(BUILD_ASAN) -DCMAKE_BUILD_TYPE=Debug -DBATCHCONE_ENABLE_CUDA=OFF \
	  -DBATCHCONE_BUILD_BENCH=OFF -DCMAKE_CXX_FLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all"
	cmake --build $(BUILD_ASAN) -j $(JOBS)

test-release: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	$(BUILD)/bench/bench_solve --quick

test-asan: build-asan
	cd $(BUILD_ASAN) && ctest --output-on-failure -j $(JOBS)

# The Python package (JAX layer): dependencies, then the package built against the installed jaxlib.
# torch (for cvxpylayers.torch): PyPI's Linux wheel, which brings its CUDA libraries (no GPU is
# needed to run it; TORCH_SPEC=none leaves torch out, and the torch tests then skip).
TORCH_SPEC ?= torch>=2.4
python-deps:
	$(PIP) "jax>=0.6" numpy scipy scikit-build-core pytest cvxpy clarabel diffcp
	test "$(TORCH_SPEC)" = none || $(PIP) "$(TORCH_SPEC)"

python: deps python-deps
	$(PIP) --no-build-isolation .

test-python: python
	$(PYTHON) -m pytest -q tests/python
	$(PYTHON) bench/rivals.py run batchcone --smoke > /dev/null && echo "bench/rivals.py smoke run: ok"
	! $(PYTHON) -c "import torch" 2>/dev/null || { $(PYTHON) bench/rivals.py run torch --smoke > /dev/null && echo "bench/rivals.py torch smoke run: ok"; }

# The layer benchmark against cvxpylayers (diffcp/SCS), Moreau and jaxopt's OSQP (QP families),
# which run in their own virtual environment (cvxpylayers has our package's import name).
# Writes bench/results/rivals.*
RIVALS_VENV ?= .venv-rivals
bench-rivals: python
	test -x $(RIVALS_VENV)/bin/python || $(PYTHON) -m venv $(RIVALS_VENV)
	$(RIVALS_VENV)/bin/pip install -q --disable-pip-version-check "jax==$$($(PYTHON) -c 'import jax; print(jax.__version__)')" "torch==$$($(PYTHON) -c 'import torch; print(torch.__version__.split("+")[0])')" cvxpylayers moreau jaxopt matplotlib
	$(PYTHON) bench/rivals.py run batchcone $(RIVALS_ARGS)
	$(PYTHON) bench/rivals.py run torch $(RIVALS_ARGS)
	$(RIVALS_VENV)/bin/python bench/rivals.py run moreau $(RIVALS_ARGS)
	$(RIVALS_VENV)/bin/python bench/rivals.py run torch-moreau $(RIVALS_ARGS)
	$(RIVALS_VENV)/bin/python bench/rivals.py run jaxopt $(RIVALS_ARGS)
	$(RIVALS_VENV)/bin/python bench/rivals.py run diffcp $(RIVALS_ARGS)
	$(RIVALS_VENV)/bin/python bench/rivals.py run torch-diffcp $(RIVALS_ARGS)
	$(RIVALS_VENV)/bin/python bench/rivals.py report

# The Maros–Meszaros set (../shared/data/maros_meszaros, or MM_DATA=...) against Clarabel, one
# problem at a time (~4 minutes): bench/results/mm.md and mm.json. MM_ARGS=--small leaves out
# the problems with n + m > 20000 (see bench/mm.py).
MM_DATA ?= $(abspath ../shared/data/maros_meszaros)
bench-mm: python
	BATCHCONE_MM_DATA=$(MM_DATA) $(PYTHON) bench/mm.py run $(MM_ARGS)

# Every check that needs a GPU (CUDA build and tests, compute-sanitizer, JAX and torch on cuda,
# GPU benchmark rows) in one command, one log (gpu-check.log) and bench/results/gpu_check.md, each
# step under a time budget: see scripts/gpu_check.sh. On a GPU image without network access it
# first installs the bundle that `make gpu-bundle` downloads here (wheels for the GPU image's
# Python 3.12, GoogleTest and SuiteSparse's AMD as .debs; scripts/gpu_bundle.py).
GPU_BUNDLE ?= gpu-bundle
gpu-bundle:
	$(PYTHON) scripts/gpu_bundle.py download $(GPU_BUNDLE) --python-version 3.12

gpu-check:
	GPU_BUNDLE=$(GPU_BUNDLE) ./scripts/gpu_check.sh

# The installed CMake package: find_package(batchcone) from a downstream project.
test-install: build
	rm -rf $(BUILD)/install $(BUILD)/consumer
	cmake --install $(BUILD) --prefix $(BUILD)/install > /dev/null
	cmake -S examples/consumer -B $(BUILD)/consumer -DCMAKE_PREFIX_PATH=$(abspath $(BUILD))/install > /dev/null
	cmake --build $(BUILD)/consumer -j $(JOBS) > /dev/null
	$(BUILD)/consumer/consumer > /dev/null && echo "find_package(batchcone): consumer built and ran"

test: test-release test-asan test-install test-python

demo: build python
	$(BUILD)/demo_batch
	$(PYTHON) examples/demo_jax.py
	$(PYTHON) examples/demo_cvxpylayers.py

# The native CPU table (bench/bench_solve), then the layer benchmark against the rivals
# (bench/results/rivals.md, rivals.png, rivals_split.png): batches 1, 16, 256, 4096 and the large
# families. bench-quick: the short versions (batches up to 256).
bench: build
	$(BUILD)/bench/bench_solve
	$(MAKE) bench-rivals RIVALS_ARGS=

bench-quick: build
	$(BUILD)/bench/bench_solve --quick
	$(MAKE) bench-rivals RIVALS_ARGS=--quick

format:
	clang-format -i $$(git ls-files '*.hpp' '*.cpp' '*.cu')

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) build-py
