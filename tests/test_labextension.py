"""The prebuilt JupyterLab extension: committed, complete, installable without npm."""
from __future__ import annotations

import glob
import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT

STATIC = os.path.join(ROOT, "labextension", "cellax_labextension", "labextension")
MIMES = ["application/vnd.cellax.ir+json", "application/vnd.cellax.graph+json",
         "application/vnd.cellax.profile+json"]


def test_built_extension_is_committed_and_complete():
    with open(os.path.join(STATIC, "package.json")) as f:
        meta = json.load(f)
    assert meta["name"] == "cellax-labextension"
    build = meta["jupyterlab"]["_build"]
    assert os.path.isfile(os.path.join(STATIC, build["load"]))       # remoteEntry.<hash>.js
    assert meta["jupyterlab"]["mimeExtension"]
    bundle = "".join(open(p).read() for p in glob.glob(os.path.join(STATIC, "static", "*.js")))
    for mime in MIMES:
        assert mime in bundle
    # Small: the renderers, not a copy of JupyterLab.
    size = sum(os.path.getsize(p) for p in glob.glob(os.path.join(STATIC, "**"), recursive=True)
               if os.path.isfile(p))
    assert size < 300_000, size


def test_sources_are_not_newer_than_the_build():
    """Editing labextension/src or style without rebuilding would ship stale renderers."""
    built = os.path.getmtime(os.path.join(STATIC, "package.json"))
    sources = glob.glob(os.path.join(ROOT, "labextension", "src", "*.ts")) + glob.glob(
        os.path.join(ROOT, "labextension", "style", "*"))
    # mtimes after a fresh clone are all "now"; only flag sources edited well after the build
    stale = [p for p in sources if os.path.getmtime(p) > built + 120]
    assert not stale, f"rebuild the extension (see labextension/README.md): {stale}"


def test_install_into_prefix(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "cellax_labextension", "install", "--prefix",
                           str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    dest = tmp_path / "share" / "jupyter" / "labextensions" / "cellax-labextension"
    assert (dest / "package.json").is_file()
    assert json.loads((dest / "install.json").read_text())["packageName"] == "cellax"
    # Installing again replaces the old build (no stale hashed chunks left behind).
    (dest / "static" / "stale.js").write_text("")
    subprocess.run([sys.executable, "-m", "cellax_labextension", "install", "--prefix",
                    str(tmp_path)], check=True, capture_output=True, timeout=60)
    assert not (dest / "static" / "stale.js").exists()


def test_jupyterlab_sees_it_enabled(tmp_path):
    pytest.importorskip("jupyterlab")
    subprocess.run([sys.executable, "-m", "cellax_labextension", "install", "--prefix",
                    str(tmp_path)], check=True, capture_output=True, timeout=60)
    env = dict(os.environ, JUPYTER_PATH=str(tmp_path / "share" / "jupyter"), NO_COLOR="1")
    proc = subprocess.run([sys.executable, "-m", "jupyterlab.labextensions", "list"],
                          capture_output=True, text=True, timeout=120, env=env)
    out = proc.stdout + proc.stderr
    line = next((ln for ln in out.splitlines() if "cellax-labextension" in ln), "")
    assert "enabled" in line and "OK" in line, out
