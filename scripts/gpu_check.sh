#!/usr/bin/env bash
# shellcheck disable=SC2016,SC2317  # step commands and functions run in `bash -c` (export -f)
# make gpu-check: every check that needs a GPU, in one command, one log (gpu-check.log, or
# $GPU_CHECK_LOG) and one results file (bench/results/gpu_check.md, or $GPU_CHECK_RESULTS), within
# 8 minutes on one H100/H200 on a bare image without network access. Each step has a time budget
# in seconds (the second argument of its `step` line below) and runs under `timeout`; a failed or
# timed-out step is reported and the next one runs, so every step leaves its result. The exit
# status counts the failed steps.
#   0. install the offline bundle ($GPU_BUNDLE, default gpu-bundle/, made by `make gpu-bundle`)
#      under $GPU_DEPS: wheels (cvxpy, clarabel, diffcp, scs, ...), GoogleTest and SuiteSparse's
#      AMD (scripts/gpu_bundle.py); without a bundle, what the machine has installed is used
#   1. the CUDA build (release, tests on, the GPU's own architecture)
#   2. the CUDA ctest suite (GPU parity with the CPU, solves and KKT calls) and the emulated launch
#   3. compute-sanitizer memcheck, then racecheck, on a small batch (the qp and socp parity tests)
#   4. the JAX tests with JAX_PLATFORMS=cuda, and the torch layer's CUDA-tensor test
#   5. GPU benchmark rows (bench/gpu_rows.py: dense QPs n=20 m=40 and n=100 m=200 at B = 1e3, 1e4,
#      1e5, forward and forward+backward, and the CPU backend in the same run)
# Without a GPU (nvidia-smi lists none), step 0 runs and steps 1-5 are reported as skipped for
# want of a device; the exit status then counts step 0 alone (the rehearsal in `make test`, which
# sets GPU_CHECK_NO_GPU=1 to force this mode).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
LOG=${GPU_CHECK_LOG:-gpu-check.log}
RESULTS=${GPU_CHECK_RESULTS:-bench/results/gpu_check.md}
BUNDLE=${GPU_BUNDLE:-gpu-bundle}
export DEPS=${GPU_DEPS:-/tmp/batchcone-gpu-deps}
export BUILD=${BUILD_GPU:-build-gpu}
export JOBS=${JOBS:-$(nproc)}
export PYTHON=${PYTHON:-python3}
export CUDA_ARCH=${CUDA_ARCH:-native}  # the GPU's own architecture
export BATCHCONE_DEPS_CMAKE_ARGS=${BATCHCONE_DEPS_CMAKE_ARGS:-}
mkdir -p "$(dirname "$RESULTS")" "$DEPS"
exec > >(tee "$LOG") 2>&1

GPU=$(nvidia-smi -L 2>/dev/null | grep -m1 '^GPU ' || true)
[ -n "${GPU_CHECK_NO_GPU:-}" ] && GPU=""  # the rehearsal's no-GPU mode, also on a GPU machine
echo "GPU: ${GPU:-none visible}"
[ -n "$GPU" ] && export BATCHCONE_REQUIRE_GPU=1  # the GPU tests fail, not skip, without a device
rm -f "$DEPS/gpu_rows.md"
failed=0
rows=()

# step NAME BUDGET gpu|any COMMAND: runs COMMAND (a shell function or command line) in a bash
# under `timeout BUDGET`, appends its row to the results table.
step() {
  local name=$1 budget=$2 needs=$3 command=$4 status
  echo
  echo "== $name (budget $budget s, $(date +%T))"
  if [ "$needs" = gpu ] && [ -z "$GPU" ]; then
    echo "-- skipped: no GPU (nvidia-smi lists none)"
    rows+=("| $name | skipped: no GPU | | $budget |")
    return
  fi
  local start=$SECONDS
  timeout --kill-after=10 "$budget" bash -c "$command"
  local rc=$? took=$((SECONDS - start))
  case $rc in
    0) status=passed ;;
    124 | 137) status="timed out"; failed=$((failed + 1)) ;;
    *) status="failed (exit $rc)"; failed=$((failed + 1)) ;;
  esac
  echo "-- $status in $took s"
  rows+=("| $name | $status | $took | $budget |")
}

install_bundle() {
  "$PYTHON" scripts/gpu_bundle.py install "$GPU_BUNDLE_DIR" "$DEPS"
}
build_cuda() {
  # shellcheck disable=SC2086  # the bundle's CMake arguments are words
  cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DBATCHCONE_ENABLE_CUDA=ON \
    -DCMAKE_CUDA_ARCHITECTURES="$CUDA_ARCH" -DBATCHCONE_BUILD_BENCH=OFF $BATCHCONE_DEPS_CMAKE_ARGS &&
    cmake --build "$BUILD" -j "$JOBS" --target batchcone_cuda_tests batchcone_tests batchcone_ffi
}
sanitize() {  # $1: memcheck or racecheck
  compute-sanitizer --tool "$1" --error-exitcode 1 "$BUILD/tests/cpp/batchcone_cuda_tests" \
    --gtest_filter='Fixtures/CudaParity.*/1:Fixtures/CudaParity.*/2'
}
python_on_gpu() {  # $@: pytest or a script, with the package from the source tree and the build
  env BATCHCONE_FFI_LIBRARY="$PWD/$BUILD/libbatchcone_ffi.so" PYTHONPATH="$PWD/python:${PYTHONPATH:-}" \
    "$PYTHON" "$@"
}
export -f build_cuda sanitize python_on_gpu install_bundle

if [ -d "$BUNDLE" ]; then
  export GPU_BUNDLE_DIR=$BUNDLE
  step "0. install the offline bundle" 60 any install_bundle
  # shellcheck disable=SC1091
  [ -f "$DEPS/env.sh" ] && . "$DEPS/env.sh"
else
  echo
  echo "== 0. no bundle at $BUNDLE (make gpu-bundle): using what this machine has installed"
  rows+=("| 0. install the offline bundle | skipped: no bundle | | |")
fi
step "1. CUDA build" 150 gpu build_cuda
step "2. CUDA ctest suite and the emulated launch" 40 gpu \
  'ctest --test-dir "$BUILD" --output-on-failure -j "$JOBS" -R "Cuda|EmulatedLaunch"'
step "3a. compute-sanitizer memcheck" 40 gpu 'sanitize memcheck'
step "3b. compute-sanitizer racecheck" 40 gpu 'sanitize racecheck'
# shard_map and pmap tests use four fake CPU devices.
step "4a. JAX tests on the GPU" 60 gpu 'JAX_PLATFORMS=cuda python_on_gpu -m pytest -q -p no:cacheprovider \
  tests/python/test_values.py tests/python/test_derivatives.py tests/python/test_transforms.py \
  tests/python/test_errors.py -k "not shard_map and not pmap"'
step "4b. torch layer on CUDA tensors" 20 gpu \
  'python_on_gpu -m pytest -q -p no:cacheprovider tests/python/test_torch.py -k cuda -rs'
step "5. GPU benchmark rows" 60 gpu \
  'set -o pipefail; JAX_PLATFORMS=cuda,cpu python_on_gpu bench/gpu_rows.py --budget 40 | tee "$DEPS/gpu_rows.md"'

{
  echo "# make gpu-check"
  echo
  echo "$(date -u +'%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)," \
    "GPU: ${GPU:-none}; log in $LOG."
  echo
  echo "| step | result | seconds | budget |"
  echo "|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  if [ -n "$GPU" ] && [ -s "$DEPS/gpu_rows.md" ]; then
    echo
    echo "## GPU benchmark rows (bench/gpu_rows.py)"
    echo
    grep '^|' "$DEPS/gpu_rows.md"
  fi
} > "$RESULTS"
echo
echo "== done: $failed failed step(s); log in $LOG, results in $RESULTS"
cat "$RESULTS"
exit "$failed"
