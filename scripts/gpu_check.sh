#!/usr/bin/env bash
# make gpu-check: every check that needs a GPU, in one command and one log (gpu-check.log, or
# $GPU_CHECK_LOG), meant to finish in under 8 minutes on one H100/H200:
#   1. build with CUDA (release, tests on, the GPU's own architecture)
#   2. the CUDA ctest suite (GPU parity with the CPU, solves and KKT calls) and the emulated launch
#   3. compute-sanitizer memcheck and racecheck on a small batch (the qp and socp parity tests)
#   4. the JAX tests with JAX_PLATFORMS=cuda (the package built against the installed jaxlib)
#   5. GPU benchmark rows (bench/gpu_rows.py: dense QPs n=20 m=40 and n=100 m=200 at B = 1e3, 1e4,
#      1e5, forward and forward+backward, and the CPU backend in the same run)
# A step that fails is reported and the next one runs; the exit status counts the failed steps.
# Needs: nvcc, CMake, GoogleTest and SuiteSparse's AMD (libsuitesparse-dev), jax with CUDA; the
# JAX tests also need cvxpy, clarabel, diffcp and scipy (on a bare GPU image, carry them as wheels
# and .debs: see the README's "GPU check").
set -uo pipefail
cd "$(dirname "$0")/.."
LOG=${GPU_CHECK_LOG:-gpu-check.log}
BUILD=${BUILD_GPU:-build-gpu}
JOBS=${JOBS:-$(nproc)}
PYTHON=${PYTHON:-python3}
exec > >(tee "$LOG") 2>&1
failed=0
step() { echo; echo "== $* ($(date +%T))"; }
run() { "$@" || { echo "!! FAILED: $*"; failed=$((failed + 1)); }; }

step "GPU"
nvidia-smi -L || { echo "!! no GPU visible: nothing to check"; exit 1; }

step "1. build with CUDA"
run cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DBATCHCONE_ENABLE_CUDA=ON \
  -DCMAKE_CUDA_ARCHITECTURES=native -DBATCHCONE_BUILD_BENCH=OFF
run cmake --build "$BUILD" -j "$JOBS"

step "2. CUDA ctest suite and the emulated launch"
run ctest --test-dir "$BUILD" --output-on-failure -j "$JOBS" -R "Cuda|EmulatedLaunch"

step "3. compute-sanitizer (memcheck, racecheck) on the qp and socp parity tests"
CUDA_TESTS="$BUILD/tests/cpp/batchcone_cuda_tests"
for tool in memcheck racecheck; do
  run compute-sanitizer --tool "$tool" --error-exitcode 1 "$CUDA_TESTS" \
    --gtest_filter='Fixtures/CudaParity.*/1:Fixtures/CudaParity.*/2'
done

step "4. JAX tests on the GPU"
run env BATCHCONE_FFI_LIBRARY="$PWD/$BUILD/libbatchcone_ffi.so" PYTHONPATH="$PWD/python" \
  JAX_PLATFORMS=cuda "$PYTHON" -m pytest -q tests/python/test_values.py \
  tests/python/test_derivatives.py tests/python/test_transforms.py tests/python/test_errors.py \
  -k "not shard_map and not pmap"  # those two use four fake CPU devices

step "5. GPU benchmark rows"
run env BATCHCONE_FFI_LIBRARY="$PWD/$BUILD/libbatchcone_ffi.so" PYTHONPATH="$PWD/python" \
  JAX_PLATFORMS=cuda,cpu "$PYTHON" bench/gpu_rows.py --budget 90

step "done: $failed failed step(s); log in $LOG"
exit "$failed"
