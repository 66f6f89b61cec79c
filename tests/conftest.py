"""Shared test helpers: the reference-JAX oracle runs in a subprocess.

cellax installs its methods on jaxlib's array class, so `jax` and cellax must not
share a process; `run_oracle(code)` runs `code` with the reference JAX and returns
what it prints as JSON.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_oracle(code: str, timeout: float = 300) -> object:
    """Run `code` under the reference JAX; it must print one JSON document last."""
    env = dict(os.environ, JAX_PLATFORMS="cpu", TF_CPP_MIN_LOG_LEVEL="1")
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=timeout, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"oracle failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def cached_oracle(code: str, timeout: float = 600) -> object:
    """`run_oracle(code)`, kept in the temp directory under a digest of the code: the inputs
    and the pinned reference JAX fix the answer, and the reference run is slow. Written
    atomically, so parallel test workers can share it."""
    import hashlib
    import tempfile
    digest = hashlib.sha256(code.encode()).hexdigest()[:20]
    path = os.path.join(tempfile.gettempdir(), f"cellax_oracle_{digest}.json")
    if os.path.exists(path):
        with open(path) as f:
            return json.load(f)
    result = run_oracle(code, timeout)
    tmp = f"{path}.{os.getpid()}"
    with open(tmp, "w") as f:
        json.dump(result, f)
    os.replace(tmp, path)
    return result


@pytest.fixture(scope="session")
def oracle():
    return run_oracle


def run_script(code: str, lib: str, timeout: float = 300) -> str:
    """Run `code` with `jax`/`jnp` bound to the reference JAX (lib="jax") or to cellax
    (lib="cellax") in a fresh interpreter; returns its stdout."""
    header = ("import jax, jax.numpy as jnp\n" if lib == "jax"
              else "import cellax as jax, cellax.numpy as jnp\n")
    env = dict(os.environ, JAX_PLATFORMS="cpu", TF_CPP_MIN_LOG_LEVEL="1")
    proc = subprocess.run([sys.executable, "-c", header + textwrap.dedent(code)],
                          capture_output=True, text=True, timeout=timeout, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"{lib} run failed:\n{proc.stderr}")
    return proc.stdout
