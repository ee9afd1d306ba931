# SPDX-License-Identifier: Apache-2.0
"""Shared setup: four fake CPU devices (for shard_map tests) and float64 enabled; fixture readers
and random problems with planted solutions."""

import os

os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=4")
os.environ.setdefault("JAX_PLATFORMS", "cpu")

import jax  # noqa: E402

jax.config.update("jax_enable_x64", True)

import sys  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
# The benchmarks' problem families and helpers (bench/rivals.py, mm.py, ipm_exact.py) serve as
# test problems too.
sys.path.insert(0, os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, "bench"))
