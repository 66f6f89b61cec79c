"""Every notebook in notebooks/ runs top to bottom (on the default Python kernel)."""
import glob
import os

import nbformat
import pytest
from nbclient import NotebookClient

from conftest import ROOT

NOTEBOOKS = sorted(glob.glob(os.path.join(ROOT, "notebooks", "*.ipynb")))


def test_there_are_notebooks():
    assert NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=os.path.basename)
def test_notebook_runs(path):
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": os.path.dirname(path)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    errors = [o for o in outputs if o.get("output_type") == "error"]
    assert not errors, errors
    text = "\n".join(o.get("text", "") if "text" in o else str(o.get("data", {}).get(
        "text/plain", "")) for o in outputs)
    if os.path.basename(path).startswith("00-"):
        assert "{ lambda ; a:f32[3]. let" in text      # the jaxpr
        assert "stablehlo.multiply" in text            # the StableHLO module
        assert "HloModule" in text                     # the optimized HLO
        assert "loops each" in text or "per loop" in text  # %timeit ran
        assert "0.4199743" in text and "0.6216267" in text   # grad of tanh, 3rd derivative
        assert "(100, 100)" in text                          # pairwise distances
        assert "add_any" in text                             # the jaxpr of a gradient
