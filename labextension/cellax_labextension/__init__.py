"""The prebuilt JupyterLab 4 extension `cellax-labextension`: mime renderers for
`application/vnd.cellax.{ir,graph,profile}+json`.

The built static files live in `labextension/` next to this file (committed; end users
never run npm). JupyterLab loads prebuilt extensions from
`<data dir>/share/jupyter/labextensions/cellax-labextension/`; a wheel of cellax puts them
there through pyproject's data-files, and an editable install (which skips data-files) runs
`python -m cellax_labextension install --sys-prefix` (what `make lab` does).
"""
from __future__ import annotations

import json
import os

NAME = "cellax-labextension"
HERE = os.path.dirname(os.path.abspath(__file__))
STATIC = os.path.join(HERE, "labextension")


def _jupyter_labextension_paths() -> list[dict]:
    """For `jupyter labextension develop` and friends."""
    return [{"src": "labextension", "dest": NAME}]


def version() -> str:
    with open(os.path.join(STATIC, "package.json")) as f:
        return json.load(f)["version"]
