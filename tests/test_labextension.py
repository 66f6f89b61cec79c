"""The prebuilt JupyterLab extension: committed, complete, installable without npm."""
from __future__ import annotations

import glob
import hashlib
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
    bundle = ""
    for path in glob.glob(os.path.join(STATIC, "static", "*.js")):
        with open(path) as f:
            bundle += f.read()
    for mime in MIMES:
        assert mime in bundle
    # Small: the renderers, not a copy of JupyterLab.
    size = sum(os.path.getsize(p) for p in glob.glob(os.path.join(STATIC, "**"), recursive=True)
               if os.path.isfile(p))
    assert size < 300_000, size


def _sources_hash() -> str:
    """What labextension/hash-sources.js computes at build time."""
    base = os.path.join(ROOT, "labextension")
    files = sorted(f"{d}/{f}" for d in ("src", "style") for f in os.listdir(os.path.join(base, d)))
    h = hashlib.sha256()
    for f in files:
        h.update(f.encode() + b"\0")
        with open(os.path.join(base, f), "rb") as fh:
            h.update(fh.read())
        h.update(b"\0")
    return h.hexdigest()


def test_build_matches_sources():
    """Editing labextension/src or style without rebuilding would ship stale renderers."""
    with open(os.path.join(ROOT, "labextension", "cellax_labextension", "sources.sha256")) as f:
        recorded = f.read().strip()
    assert recorded == _sources_hash(), (
        "the committed build is stale: rebuild it with `make labextension-build` "
        "(see labextension/README.md)")


def test_install_into_prefix(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "cellax_labextension", "install", "--prefix",
                           str(tmp_path)], capture_output=True, text=True, timeout=60,
                          check=False)
    assert proc.returncode == 0, proc.stderr
    dest = tmp_path / "share" / "jupyter" / "labextensions" / "cellax-labextension"
    assert (dest / "package.json").is_file()
    assert json.loads((dest / "install.json").read_text())["packageName"] == "cellax"
    # Installing again replaces the old build (no stale hashed chunks left behind).
    (dest / "static" / "stale.js").write_text("")
    subprocess.run([sys.executable, "-m", "cellax_labextension", "install", "--prefix",
                    str(tmp_path)], check=True, capture_output=True, timeout=60)
    assert not (dest / "static" / "stale.js").exists()


def test_jupyterlab_server_finds_it(tmp_path):
    """The lookup the JupyterLab server does on each page load finds the installed copy and
    its entry point (what `jupyter labextension list` reports as "enabled OK")."""
    config = pytest.importorskip("jupyterlab_server.config")
    subprocess.run([sys.executable, "-m", "cellax_labextension", "install", "--prefix",
                    str(tmp_path)], check=True, capture_output=True, timeout=60)
    labext_dir = tmp_path / "share" / "jupyter" / "labextensions"
    found = config.get_federated_extensions([str(labext_dir)])["cellax-labextension"]
    assert found["jupyterlab"]["mimeExtension"]
    assert (labext_dir / "cellax-labextension" / found["jupyterlab"]["_build"]["load"]).is_file()
    assert found["install"]["packageName"] == "cellax"
