# SPDX-License-Identifier: Apache-2.0
"""The rehearsal of `make gpu-check` on this machine: a lent GPU comes for minutes, on a bare image
without network access, so its first call must work from the offline bundle alone. Here the bundle
is downloaded for this machine's Python (the GPU image's is 3.12), installed by gpu_check.sh into
a fresh virtual environment with pip --no-index while every network address pip or a proxy-aware
tool could use points nowhere, and the GPU steps must be reported as skipped for want of a device,
not fail on a missing tool."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GPU_STEPS = ["1. CUDA build", "2. CUDA ctest suite", "3a. compute-sanitizer memcheck",
             "3b. compute-sanitizer racecheck", "4a. JAX tests on the GPU",
             "4b. torch layer on CUDA tensors", "5. GPU benchmark rows"]


def test_gpu_check_installs_the_bundle_offline_and_skips_the_gpu_steps(tmp_path):
    bundle, venv, deps = tmp_path / "bundle", tmp_path / "venv", tmp_path / "deps"
    version = "%d.%d" % sys.version_info[:2]
    subprocess.run([sys.executable, "scripts/gpu_bundle.py", "download", str(bundle),
                    "--python-version", version], cwd=ROOT, check=True, capture_output=True)
    manifest = (bundle / "MANIFEST.txt").read_text()
    for name in ("wheels/cvxpy-", "wheels/clarabel-", "wheels/diffcp-", "wheels/scs-",
                 "debs/googletest_", "debs/libamd2_", "debs/libsuitesparse-dev_"):
        assert name in manifest, manifest
    assert "wheels/numpy-" not in manifest and "wheels/scipy-" not in manifest  # on the image

    # The stand-in for the GPU image: this machine's jax, numpy, scipy and pytest.
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    nowhere = "http://127.0.0.1:9"  # the discard port: any download attempt fails at once
    env = dict(os.environ, GPU_CHECK_NO_GPU="1", GPU_BUNDLE=str(bundle), GPU_DEPS=str(deps),
               PYTHON=str(venv / "bin" / "python"), GPU_CHECK_LOG=str(tmp_path / "gpu-check.log"),
               GPU_CHECK_RESULTS=str(tmp_path / "gpu_check.md"), PIP_INDEX_URL=nowhere + "/simple",
               http_proxy=nowhere, https_proxy=nowhere, HTTP_PROXY=nowhere, HTTPS_PROXY=nowhere)
    run = subprocess.run(["bash", "scripts/gpu_check.sh"], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=900)
    log = (tmp_path / "gpu-check.log").read_text()
    assert run.returncode == 0, log[-6000:]
    assert "--no-index" in log and "requirements met, cvxpy solves with CLARABEL and SCS" in log
    assert "[  PASSED  ] 1 test." in log  # the check program linked the bundle's AMD and GoogleTest
    env_sh = (deps / "env.sh").read_text()
    assert str(deps / "site") in env_sh and "-DAMD_LIBRARY=" in env_sh

    rows = {line.split(" | ")[0].lstrip("| "): line
            for line in (tmp_path / "gpu_check.md").read_text().splitlines() if line.startswith("| ")}
    assert "| passed |" in rows["0. install the offline bundle"]
    for step in GPU_STEPS:
        found = [line for name, line in rows.items() if name.startswith(step)]
        assert len(found) == 1 and "| skipped: no GPU |" in found[0], (step, rows)
