"""Architecture rules that a grep can check."""
import os
import re
import subprocess
import sys

from conftest import ROOT

IMPORT_JAXLIB = re.compile(r"^\s*(import|from)\s+jaxlib\b", re.M)
IMPORT_JAX = re.compile(r"^\s*(import|from)\s+jax(\.|\s|$)", re.M)


def _py_files(*dirs):
    for d in dirs:
        for base, _, files in os.walk(os.path.join(ROOT, d)):
            for f in files:
                if f.endswith(".py"):
                    yield os.path.join(base, f)


def test_only_backend_imports_jaxlib():
    offenders = []
    for path in _py_files("lib", "extension", "kernel"):
        if path.endswith(os.path.join("cellax", "backend.py")):
            continue
        with open(path) as f:
            if IMPORT_JAXLIB.search(f.read()):
                offenders.append(os.path.relpath(path, ROOT))
    assert offenders == [], f"only lib/cellax/backend.py may import jaxlib: {offenders}"


def test_library_never_imports_jax():
    offenders = []
    for path in _py_files("lib", "extension", "kernel"):
        with open(path) as f:
            if IMPORT_JAX.search(f.read()):
                offenders.append(os.path.relpath(path, ROOT))
    assert offenders == []


def test_using_cellax_does_not_load_jax():
    code = ("import sys, cellax as jax, cellax.numpy as jnp\n"
            "x = jnp.arange(6.0).reshape(2, 3)\n"
            "print(x, jax.jit(lambda v: v * 2)(x), float(x.sum()))\n"
            "assert 'jax' not in sys.modules, 'jax was imported'\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    # jaxlib logs INFO lines when a client starts unless silenced; we must print none.
    assert proc.stderr == "", proc.stderr
