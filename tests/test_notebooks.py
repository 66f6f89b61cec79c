"""Every notebook in notebooks/ runs top to bottom on the real `cellax` kernel (nbclient),
and its outputs say what the notebook claims: the values, and the views' mime bundles with
content in their HTML (equations, ops, timings)."""
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

import nbformat
import pytest
from nbclient import NotebookClient

from conftest import ROOT

NOTEBOOKS = sorted(glob.glob(os.path.join(ROOT, "notebooks", "*.ipynb")))
IR, GRAPH, PROFILE = (f"application/vnd.cellax.{v}+json" for v in ("ir", "graph", "profile"))


@pytest.fixture(scope="module")
def cellax_kernel():
    """Install the `cellax` kernelspec into a temp dir and put it first on JUPYTER_PATH, so
    the test does not depend on `make kernelspec` having run (argv: this interpreter)."""
    with tempfile.TemporaryDirectory() as prefix:
        subprocess.run([sys.executable, "-m", "cellax_kernel", "install", "--prefix", prefix],
                       check=True, capture_output=True)
        share = os.path.join(prefix, "share", "jupyter")
        assert os.path.isfile(os.path.join(share, "kernels", "cellax", "kernel.json"))
        old = os.environ.get("JUPYTER_PATH")
        os.environ["JUPYTER_PATH"] = share + (os.pathsep + old if old else "")
        try:
            yield "cellax"
        finally:
            if old is None:
                os.environ.pop("JUPYTER_PATH", None)
            else:
                os.environ["JUPYTER_PATH"] = old


def _text_of(o) -> str:
    if "text" in o:
        return o["text"]
    return str(o.get("data", {}).get("text/plain", ""))


def _visible(html: str) -> str:
    """The words a reader sees in a view's HTML (tags, styles and scripts removed)."""
    html = re.sub(r"<(style|script)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


class Run:
    def __init__(self, nb):
        self.nb = nb
        self.outputs = [o for c in nb.cells if c.cell_type == "code"
                        for o in c.get("outputs", [])]
        self.text = "\n".join(_text_of(o) for o in self.outputs)

    def views(self, mime):
        """(payload, visible HTML text, raw HTML) of each output carrying `mime`."""
        out = []
        for o in self.outputs:
            data = o.get("data", {})
            if mime in data:
                payload = data[mime]
                if isinstance(payload, str):
                    payload = json.loads(payload)
                out.append((payload, _visible(data["text/html"]), data["text/html"]))
        return out


@pytest.fixture(scope="module")
def executed(cellax_kernel):
    cache = {}

    def run(name):
        if name not in cache:
            path = os.path.join(ROOT, "notebooks", name)
            nb = nbformat.read(path, as_version=4)
            assert nb.metadata["kernelspec"]["name"] == "cellax"
            NotebookClient(nb, timeout=120, kernel_name=cellax_kernel,
                           resources={"metadata": {"path": os.path.dirname(path)}}).execute()
            run_ = Run(nb)
            errors = [o for o in run_.outputs if o.get("output_type") == "error"]
            assert not errors, [(e["ename"], e["evalue"]) for e in errors]
            cache[name] = run_
        return cache[name]
    return run


def test_there_are_notebooks():
    names = [os.path.basename(p) for p in NOTEBOOKS]
    for prefix in ("00-", "01-", "02-", "03-", "04-", "05-", "06-"):
        assert any(n.startswith(prefix) for n in names), names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=os.path.basename)
def test_notebook_metadata_and_no_stored_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "cellax"
    for c in nb.cells:
        if c.cell_type == "code":
            assert not c.get("outputs"), f"{os.path.basename(path)}: clear the outputs"


def test_00_first_steps(executed):
    r = executed("00-first-steps.ipynb")
    text = r.text
    assert "{ lambda ; a:f32[3]. let" in text      # the jaxpr
    assert "stablehlo.multiply" in text            # the StableHLO module
    assert "HloModule" in text                     # the optimized HLO
    assert "loops each" in text or "per loop" in text  # %timeit ran
    assert "0.4199743" in text and "0.6216267" in text   # grad of tanh, 3rd derivative
    assert "(100, 100)" in text                          # pairwise distances
    assert "add_any" in text                             # the jaxpr of a gradient


def test_01_quickstart(executed):
    text = executed("01-quickstart.ipynb").text
    assert "0.4199743" in text                     # grad of tanh at 1.0
    assert "0.6216267" in text                     # its third derivative
    assert "1.0 -1.0" in text                      # abs_val: Python control flow under grad
    assert len(re.findall(r"per loop \(mean ± std\. dev\. of 3 runs", text)) == 2  # %timeit x2
    assert "(100, 100)" in text                    # vmap pairwise distances
    assert "[((8, 4, 16), (8, 16)), ((8, 16, 2), (8, 2))]" in text  # per-example grads
    assert "True" in text                          # their mean is the batch gradient


def test_02_tracing(executed):
    r = executed("02-tracing-and-jaxprs.ipynb")
    text = r.text
    assert text.count("tracing with x =") == 2     # traced, cache hit, retraced on new shape
    assert "JitTracer(float32[4])" in text
    assert "mul a 2:i32[]" in text and "2.5:f16[]" in text and "float16" in text  # weak types
    assert "{ lambda a:f32[3]; b:f32[]. let" in text   # the closed-over array is a constvar
    assert "jit[name=inner" in text                # nested jit
    assert "TracerBoolConversionError" in text and "static_argnums" in text
    assert text.count("3.0 -0.3") == 2 and "[-0.3  3. ]" in text  # the three fixes
    assert "select_n" in text and "cond[" in text
    views = r.views(IR)
    assert len(views) >= 5                         # %jaxpr and make_jaxpr's rich display
    payload, visible, _ = views[1]                 # %jaxpr g(jnp.ones(3))
    assert payload["view"] == "ir" and "sin" in payload["jaxpr"]["text"]
    assert "sin a" in visible and "reduce_sum" in visible


def test_03_autodiff(executed):
    r = executed("03-autodiff.ipynb")
    text = r.text
    assert "[0.6988212 2.2232442 1.9726022]" in text   # jvp matches the hand derivative
    assert "0.9522662 1.4590578" in text               # grad and grad of grad
    assert "add_any" in text
    assert "[%grad] loss(w, b, xb, yb)" in text and "bound d_w, d_b" in text
    assert "[%%grad] bound d_w: f32[2] and L" in text and "d loss / d w [-0.08073264" in text
    assert "inf nan" in text and "100.0 1.0 0.5" in text   # custom_jvp fixes the nan
    assert "custom rule agrees with finite differences" in text
    assert "[ 0.19999999  1.         -1.        ]" in text   # custom_vjp clipped
    assert "remat" in text or "checkpoint" in text
    assert "check_grads caught the wrong rule" in text
    graphs = r.views(GRAPH)
    assert len(graphs) == 1
    payload, visible, html = graphs[0]
    assert payload["derivative"] is True
    assert payload["classification"]["backward_eqns"] > 0
    assert "forward" in visible and "backward" in visible
    assert ">sin<" in html and ">cos<" in html      # node labels in the drawn graph


def test_04_vectorization(executed):
    r = executed("04-vectorization.ipynb")
    text = r.text
    assert re.search(r"\(10, 4\)\s+\(4, 10\)\s+\(10, 4\)", text)      # in_axes / out_axes
    assert "dot_general" in text and "f32[4,10] = dot_general" in text   # batch folded in
    assert "equations in the loop version vs 4 with vmap" in text
    assert re.search(r"\(10, 3\)\s+True", text)                 # per-example gradients
    assert "(2, 3) True" in text and "(3, 3)" in text   # jacfwd == jacrev, hessian
    assert "[0.1 0.3 0.4 0.2] 1.0" in text         # psum normalization
    assert "(10, 3) True" in text                   # centering with psum
    _, visible, _ = r.views(IR)[0]
    assert "dot_general" in visible


def test_05_compilation_and_profiling(executed):
    r = executed("05-compilation-and-profiling.ipynb")
    text = r.text
    assert re.search(r"\[%%jit\] compiled in .* · ran in .* · cpu", text)
    assert "[%%jit] cache hit" in text               # re-running the same cell
    assert text.count("[%%jit] compiled in") == 2    # first cell and the --static one
    assert "stablehlo.dot_general" in text and "stablehlo.tanh" in text   # %hlo
    assert "HloModule jit_mlp_layer" in text and "fusion" in text         # --stage optimized
    assert re.search(r"flops\s+3\.3\d*e\+07", text)   # cost_analysis ~ 2*256**3
    assert "input deleted: True" in text             # donation
    assert "cpu" in text                             # %devices
    irs = r.views(IR)
    assert len(irs) == 2                             # Lowered and Compiled
    lowered, compiled = irs
    assert lowered[0]["stablehlo"] and not lowered[0]["optimized_hlo"]
    assert compiled[0]["optimized_hlo"] and compiled[0]["cost"]["flops"] > 3e7
    for tab in ("jaxpr", "StableHLO", "optimized HLO", "cost"):
        assert tab in compiled[1], tab
    assert "dot_general" in compiled[1] and "tanh" in compiled[1]
    profiles = r.views(PROFILE)
    assert len(profiles) == 1
    payload, visible, _ = profiles[0]
    assert set(payload["stages"]) >= {"trace", "lower", "compile", "execute"}
    assert len(payload["timings"]["execute"]) == 5
    assert payload["estimates"]["flops"] > 3e7
    assert "execute" in visible and "median" in visible
    assert re.search(r"\d+(\.\d+)? (µs|ms|s)\b", visible)   # timings shown


def test_06_numerical_toolbox(executed):
    text = executed("06-numerical-toolbox.ipynb").text
    assert "residual:" in text and "eigenvalues:" in text
    assert "True" in text                                   # grad of log det = inv(A).T
    assert "coefficients: [ 3.  -2.   0.5]" in text         # polyfit recovers the quadratic
    assert "roots of x^3 - 6x^2 + 11x - 6: [1. 2. 3.]" in text
    assert "peaks at [12.  5.] Hz" in text or "peaks at [ 5. 12.] Hz" in text
    assert "median: 3.5" in text and "top 3:" in text
    assert "d(sum of the 3 largest)/dv: [0. 0. 0. 0. 1. 1. 0. 1.]" in text
    assert "unique under jit: [ 1.  2.  3.  4.  5.  6.  9. -1.]" in text
    assert "dirichlet mean: [0.17 0.33 0.5 ]" in text
