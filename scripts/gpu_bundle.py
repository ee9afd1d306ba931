#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The offline bundle for `make gpu-check` on a GPU image without network access.

    python3 scripts/gpu_bundle.py download DIR [--python-version X.Y]   (needs PyPI and apt)
    python3 scripts/gpu_bundle.py install DIR PREFIX                     (offline)

download fills DIR (at most BUNDLE_LIMIT_MB) with what the GPU image lacks:
  wheels/  cvxpy, its solvers, clarabel, diffcp, scs and their dependencies, for CPython X.Y on
           manylinux x86_64 (3.12, the GPU image's Python, by default), less the projects the image
           already holds (ON_IMAGE: numpy and scipy come with its jax);
  debs/    Debian's GoogleTest sources and SuiteSparse's AMD (shared library and headers);
  MANIFEST.txt  every file with its size.
install puts the wheels under PREFIX/site (pip --no-index --no-deps --target, leaving the
interpreter's own environment alone), checks that every requirement of every bundled project is
met and that cvxpy solves with Clarabel and SCS, unpacks the .debs under PREFIX/root (never /),
builds GoogleTest into PREFIX, links and runs a check program against both, and writes
PREFIX/env.sh: PYTHONPATH, LD_LIBRARY_PATH and BATCHCONE_DEPS_CMAKE_ARGS for the build.
"""

import io
import os
import re
import shutil
import subprocess
import tarfile
import sys
from pathlib import Path

# The versions the CPU tests run with; scs stays below 3.3, whose wheel is 43 MB (3.2.9: 12 MB).
REQUIREMENTS = ["cvxpy==1.9.3", "clarabel==0.11.1", "diffcp==1.1.9", "scs==3.2.9"]
# Projects the GPU image holds (../.library/device/KINDS.md, "Python packages already there").
ON_IMAGE = {"numpy", "scipy", "jinja2", "markupsafe", "joblib", "setuptools", "threadpoolctl",
            "cloudpickle", "packaging", "typing-extensions", "pytest", "pluggy", "iniconfig"}
DEBS = ["googletest", "libamd2", "libsuitesparseconfig5", "libsuitesparse-dev"]
BUNDLE_LIMIT_MB = 60
MANYLINUX = ["manylinux_2_28_x86_64", "manylinux_2_27_x86_64", "manylinux_2_24_x86_64",
             "manylinux_2_17_x86_64", "manylinux2014_x86_64", "manylinux1_x86_64"]
MULTIARCH = "usr/lib/x86_64-linux-gnu"


def sh(*cmd, **kw):
    print("+", " ".join(short(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, **kw)


def project_of(wheel):
    """The normalized project name of a wheel file (PEP 503: runs of -_. become -)."""
    return re.sub(r"[-_.]+", "-", wheel.name.split("-")[0]).lower()


def download(bundle, python_version):
    wheels, debs = bundle / "wheels", bundle / "debs"
    wheels.mkdir(parents=True, exist_ok=True)
    debs.mkdir(parents=True, exist_ok=True)
    target = []  # the running interpreter's own tags when it is the version asked for
    if python_version != "%d.%d" % sys.version_info[:2]:
        target = ["--python-version", python_version, "--implementation", "cp"]
        target += [arg for tag in MANYLINUX for arg in ("--platform", tag)]
    sh(sys.executable, "-m", "pip", "download", "-q", "--disable-pip-version-check",
       "--only-binary=:all:", *target, "-d", wheels, *REQUIREMENTS)
    for wheel in wheels.glob("*.whl"):
        if project_of(wheel) in ON_IMAGE:
            wheel.unlink()
    for deb in debs.glob("*.deb"):
        deb.unlink()
    sh("apt-get", "download", "-q", *DEBS, cwd=debs, stderr=subprocess.DEVNULL)
    files = sorted(p for p in bundle.rglob("*") if p.is_file() and p.name != "MANIFEST.txt")
    total = sum(p.stat().st_size for p in files)
    lines = [f"{p.stat().st_size:>10}  {p.relative_to(bundle)}" for p in files]
    lines.append(f"{total:>10}  total ({total / 2**20:.1f} MiB, Python {python_version})")
    (bundle / "MANIFEST.txt").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    if total > BUNDLE_LIMIT_MB * 2**20:
        sys.exit(f"gpu_bundle: {total / 2**20:.1f} MiB is over the {BUNDLE_LIMIT_MB} MiB limit")


# Run with PYTHONPATH=site: every bundled project must load from site (not from the interpreter's
# environment), every requirement of it must be met, by the bundle or by a project of ON_IMAGE
# (so that a project the bundle lacks shows here too, where the interpreter may have it), and
# cvxpy must solve with Clarabel and SCS.
VERIFY = r"""
import re, sys, importlib.metadata as md
from pathlib import Path
from packaging.requirements import Requirement
site, on_image, names = Path(sys.argv[1]).resolve(), sys.argv[2].split(","), sys.argv[3:]
bad = []
for name in names:
    dist = md.distribution(name)
    if Path(dist.locate_file("")).resolve() != site:
        bad.append(f"{name} loads from {dist.locate_file('')}, not from the bundle")
    for text in dist.requires or []:
        req = Requirement(text)
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            continue
        project = re.sub(r"[-_.]+", "-", req.name).lower()
        if project not in names and project not in on_image:
            bad.append(f"{name} needs {req}: neither in the bundle nor on the image")
        try:
            have = md.version(req.name)
        except md.PackageNotFoundError:
            bad.append(f"{name} needs {req}: not installed")
            continue
        if not req.specifier.contains(have, prereleases=True):
            bad.append(f"{name} needs {req}: have {have}")
import cvxpy as cp, diffcp, numpy as np
x = cp.Variable(2)
prob = cp.Problem(cp.Minimize(cp.sum_squares(x - np.array([1.0, -1.0]))), [x >= 0])
for solver in ("CLARABEL", "SCS"):
    prob.solve(solver=solver)
    if abs(prob.value - 1.0) > 1e-4:
        bad.append(f"cvxpy with {solver}: objective {prob.value}, want 1")
print("\n".join(bad) or f"bundle: {len(names)} projects load from {site}, requirements met, "
      "cvxpy solves with CLARABEL and SCS")
sys.exit(1 if bad else 0)
"""

# Links SuiteSparse's AMD and GoogleTest from the prefix: AMD orders a 3x3 arrow pattern.
CHECK_PROGRAM = r"""
#include <algorithm>
#include <amd.h>
#include <gtest/gtest.h>
TEST(Bundle, AmdOrdersAnArrowPattern) {
  int Ap[] = {0, 3, 5, 7}, Ai[] = {0, 1, 2, 0, 1, 0, 2}, perm[3];
  ASSERT_EQ(amd_order(3, Ap, Ai, perm, nullptr, nullptr), AMD_OK);
  std::sort(perm, perm + 3);
  EXPECT_TRUE(perm[0] == 0 && perm[1] == 1 && perm[2] == 2);  // a permutation of 0..2
}
"""


def install_wheels(bundle, prefix):
    site = prefix / "site"
    wheels = sorted((bundle / "wheels").glob("*.whl"))
    sh(sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-index",
       "--no-deps", "--upgrade", "--target", site, *wheels)
    env = dict(os.environ, PYTHONPATH=f"{site}:{os.environ.get('PYTHONPATH', '')}")
    sh(sys.executable, "-c", VERIFY, site, ",".join(sorted(ON_IMAGE)),
       *(project_of(w) for w in wheels), env=env)
    return site


def unpack_deb(deb, root):
    """dpkg-deb -x for images without dpkg: a .deb is an ar archive whose data.tar.* holds the
    files (ar members: a 60-byte header, name in bytes 0-16, size in 48-58, 2-byte aligned)."""
    print(f"+ unpack {deb.name} into {root}", flush=True)
    data, offset = deb.read_bytes(), 8  # after the "!<arch>\n" magic
    while offset < len(data):
        name = data[offset:offset + 16].decode().strip().rstrip("/")
        size = int(data[offset + 48:offset + 58].decode())
        if name.startswith("data.tar"):
            member = io.BytesIO(data[offset + 60:offset + 60 + size])
            with tarfile.open(fileobj=member) as tar:
                tar.extractall(root, filter="tar")
            return
        offset += 60 + size + size % 2
    raise RuntimeError(f"{deb}: no data.tar member")


def install_native(bundle, prefix):
    root = prefix / "root"
    for deb in sorted((bundle / "debs").glob("*.deb")):
        if shutil.which("dpkg-deb"):
            sh("dpkg-deb", "-x", deb, root)
        else:
            unpack_deb(deb, root)
    if not (prefix / "lib" / "cmake" / "GTest").is_dir():
        build = prefix / "googletest-build"
        sh("cmake", "-S", root / "usr/src/googletest", "-B", build, "-DCMAKE_BUILD_TYPE=Release",
           f"-DCMAKE_INSTALL_PREFIX={prefix}", "-DCMAKE_INSTALL_LIBDIR=lib", "-DBUILD_GMOCK=OFF",
           stdout=subprocess.DEVNULL)
        sh("cmake", "--build", build, "-j", os.cpu_count() or 2, stdout=subprocess.DEVNULL)
        sh("cmake", "--install", build, stdout=subprocess.DEVNULL)
    libdir = root / MULTIARCH
    source, program = prefix / "bundle_check.cpp", prefix / "bundle_check"
    source.write_text(CHECK_PROGRAM)
    sh("g++", "-std=c++17", source, f"-I{root}/usr/include/suitesparse", f"-I{prefix}/include",
       f"-L{libdir}", f"-L{prefix}/lib", "-lgtest_main", "-lgtest", "-lamd", "-pthread",
       f"-Wl,-rpath,{libdir}", "-o", program)
    sh(program, "--gtest_brief=1", env=dict(os.environ, LD_LIBRARY_PATH=str(libdir)))
    return root


def install(bundle, prefix):
    prefix.mkdir(parents=True, exist_ok=True)
    site = install_wheels(bundle, prefix)
    root = install_native(bundle, prefix)
    libdir = root / MULTIARCH
    cmake_args = (f"-DCMAKE_PREFIX_PATH={prefix} -DAMD_INCLUDE_DIR={root}/usr/include/suitesparse "
                  f"-DAMD_LIBRARY={libdir}/libamd.so")
    (prefix / "env.sh").write_text(
        f'export PYTHONPATH="{site}${{PYTHONPATH:+:$PYTHONPATH}}"\n'
        f'export LD_LIBRARY_PATH="{libdir}${{LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}}"\n'
        f'export BATCHCONE_DEPS_CMAKE_ARGS="{cmake_args}"\n')
    print(f"bundle installed under {prefix}: source {prefix / 'env.sh'}")


def main(argv):
    try:
        run_command(argv)
    except subprocess.CalledProcessError as e:
        sys.exit(f"gpu_bundle: exit {e.returncode} from {short(e.cmd[0])} {short(e.cmd[1])} ...")


def short(arg):
    return "<script>" if "\n" in str(arg) else str(arg)


def run_command(argv):
    if len(argv) >= 2 and argv[0] == "download":
        version = argv[argv.index("--python-version") + 1] if "--python-version" in argv else "3.12"
        download(Path(argv[1]).resolve(), version)
    elif len(argv) == 3 and argv[0] == "install":
        install(Path(argv[1]).resolve(), Path(argv[2]).resolve())
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
