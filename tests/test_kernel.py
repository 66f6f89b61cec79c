"""The cellax kernel: its kernelspec installer, and the real kernel started through
jupyter_client (the way JupyterLab starts it) running a cell with cellax and a magic."""
from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import types

import pytest
from conftest import ROOT

jupyter_client = pytest.importorskip("jupyter_client")
pytest.importorskip("ipykernel")


def _install(prefix) -> str:
    proc = subprocess.run([sys.executable, "-m", "cellax_kernel", "install", "--prefix",
                           str(prefix)], capture_output=True, text=True, timeout=60, cwd=ROOT,
                          check=False)
    assert proc.returncode == 0, proc.stderr
    return os.path.join(str(prefix), "share", "jupyter", "kernels", "cellax")


def test_install_writes_kernel_json(tmp_path):
    spec_dir = _install(tmp_path)
    with open(os.path.join(spec_dir, "kernel.json")) as f:
        spec = json.load(f)
    assert spec["display_name"] == "cellax (Python 3)"
    assert spec["language"] == "python"
    # The interpreter that ran the installer is the one that runs the kernel.
    assert spec["argv"] == [sys.executable, "-m", "cellax_kernel", "-f", "{connection_file}"]
    assert {"logo-32x32.png", "logo-64x64.png", "logo-svg.svg"} <= set(os.listdir(spec_dir))


def test_install_name_option(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "cellax_kernel", "install", "--prefix",
                           str(tmp_path), "--name", "cellax-dev"], capture_output=True,
                          text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert os.path.isfile(os.path.join(tmp_path, "share", "jupyter", "kernels", "cellax-dev",
                                       "kernel.json"))


def test_missing_extension_only_warns(caplog):
    """Without cellax_notebook the kernel still starts: a warning, no exception."""
    from cellax_kernel.kernel import CellaxKernel

    def load_extension(name):
        raise ModuleNotFoundError(f"No module named {name!r}")

    fake = types.SimpleNamespace(
        shell=types.SimpleNamespace(extension_manager=types.SimpleNamespace(
            load_extension=load_extension, loaded=set())),
        log=logging.getLogger("cellax-kernel-test"))
    with caplog.at_level(logging.WARNING):
        note = CellaxKernel._preload_extension(fake)
    assert "not loaded" in note
    assert "not loaded" in caplog.text


def _collect(kc, msg_id, timeout=30):
    """Run the iopub stream of one request to completion; return (text, errors, mimes)."""
    text, errors, mimes = [], [], set()
    while True:
        msg = kc.get_iopub_msg(timeout=timeout)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream":
            text.append(content["text"])
        elif kind in ("execute_result", "display_data"):
            mimes.update(content["data"])
            text.append(content["data"].get("text/plain", ""))
        elif kind == "error":
            errors.append("\n".join(content["traceback"]))
        elif kind == "status" and content["execution_state"] == "idle":
            return "".join(text), errors, mimes


def test_real_kernel_runs_cellax_and_magics(tmp_path, monkeypatch):
    spec_dir = _install(tmp_path)
    monkeypatch.setenv("JUPYTER_PATH", os.path.dirname(os.path.dirname(spec_dir)))
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    assert KernelSpecManager().get_kernel_spec("cellax").resource_dir == spec_dir
    km = KernelManager(kernel_name="cellax")
    km.start_kernel(cwd=str(tmp_path), env=dict(os.environ, JAX_PLATFORMS="cpu"))
    try:
        kc = km.client()
        kc.start_channels()
        kc.wait_for_ready(timeout=60)
        info = kc.kernel_info(reply=True, timeout=30)["content"]
        assert info["implementation"] == "cellax"
        banner = info["banner"]
        assert "cellax 0.1.0" in banner and "devices: cpu:0" in banner, banner
        assert "magics loaded" in banner, banner

        msg_id = kc.execute("import cellax as jax\n"
                            "import cellax.numpy as jnp\n"
                            "print(jax.grad(lambda x: x * x)(3.0))\n")
        text, errors, _ = _collect(kc, msg_id)
        assert not errors, errors
        assert "6.0" in text

        # The extension is preloaded: `%load_ext cellax` finds it already loaded, and the
        # magics are there without it.
        msg_id = kc.execute("%load_ext cellax")
        text, errors, _ = _collect(kc, msg_id)
        assert not errors, errors
        assert "already loaded" in text
        msg_id = kc.execute("%devices")
        text, errors, _ = _collect(kc, msg_id)
        assert not errors, errors
        assert "cpu" in text.lower()
        kc.stop_channels()
    finally:
        km.shutdown_kernel(now=True)
