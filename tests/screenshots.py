"""Screenshots of the notebook views with headless Chromium (a tool, not a test).

    .venv/bin/python tests/screenshots.py [OUTDIR]     (default /tmp/cellax-screenshots)

Writes, for each view, an HTML page and a PNG in two themes: "light" (the view's own
fallback colours, as outside JupyterLab: nbconvert HTML, VS Code) and "dark" (the
`:root` variables of JupyterLab's dark theme, taken from the installed JupyterLab, on a
dark page). Some pages also run a small script after load to show an interactive state
(an equation pinned in the IR view, side by side). Needs `chromium` (apt-get install
chromium) and, for the graphviz drawings, `dot` (apt-get install graphviz).
"""
from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

import cellax
import cellax.numpy as jnp

from cellax_notebook.views import GraphView, IRView, ProfileView

LIGHT_PAGE_CSS = "body { background: #ffffff; margin: 16px; font-family: sans-serif; }"


def _dark_theme_vars() -> str:
    """The `:root{...}` block of JupyterLab's dark theme (its --jp-* variables)."""
    pats = [os.path.join(sys.prefix, "share/jupyter/lab/themes/@jupyterlab/"
                         "theme-dark-extension/index.css")]
    pats += glob.glob(os.path.join(sys.prefix, "lib/python3*/site-packages/jupyterlab/themes/"
                                   "@jupyterlab/theme-dark-extension/index.css"))
    for p in pats:
        if os.path.exists(p):
            with open(p, encoding="utf-8") as fh:
                css = fh.read()
            m = re.search(r":root\s*\{[^}]*\}", css)
            if m:
                return m.group(0)
    # A few of the dark theme's values, if JupyterLab is not installed.
    return (":root{--jp-ui-font-color0:#fff;--jp-ui-font-color1:rgba(255,255,255,.87);"
            "--jp-ui-font-color2:rgba(255,255,255,.54);--jp-ui-font-color3:rgba(255,255,255,.38);"
            "--jp-layout-color0:#111;--jp-layout-color1:#212121;--jp-layout-color2:#424242;"
            "--jp-layout-color3:#616161;--jp-border-color1:#616161;--jp-border-color2:#424242;"
            "--jp-brand-color1:#2196f3;--jp-warn-color1:#ff9800;--jp-error-color1:#f44336;"
            "--jp-mirror-editor-keyword-color:#4caf50;--jp-mirror-editor-def-color:#1e88e5;"
            "--jp-mirror-editor-variable-color:#e0e0e0;--jp-mirror-editor-number-color:#66bb6a;"
            "--jp-mirror-editor-string-color:#ff7070;--jp-mirror-editor-comment-color:#408080;"
            "--jp-mirror-editor-variable-3-color:#43a047;--jp-mirror-editor-operator-color:#d48fff;"
            "--jp-mirror-editor-string-2-color:#ba68c8;"
            "--jp-search-selected-match-background-color:#ffe100;"
            "--jp-search-selected-match-color:black}")


def wrap(html: str, theme: str, after_load: str = "") -> str:
    if theme == "dark":
        css = _dark_theme_vars() + (" body { background: var(--jp-layout-color1); margin: 16px;"
                                    " color: var(--jp-ui-font-color1); }")
    else:
        css = LIGHT_PAGE_CSS
    script = (f"<script>window.addEventListener('load', function () {{ {after_load} }});"
              "</script>" if after_load else "")
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><style>{css}</style></head>"
            f"<body>{html}{script}</body></html>")


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        p = shutil.which(name)
        if p:
            return p
    return None


def shoot(html_path: str, png_path: str, size=(1200, 900)) -> None:
    exe = chromium()
    if exe is None:
        raise SystemExit("chromium not found: apt-get install chromium")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu",
                        "--disable-background-networking", "--disable-component-update",
                        "--disable-sync", "--no-first-run", "--hide-scrollbars",
                        f"--user-data-dir={profile}", "--virtual-time-budget=3000",
                        f"--screenshot={png_path}", f"--window-size={size[0]},{size[1]}",
                        "file://" + os.path.abspath(html_path)],
                       check=True, capture_output=True, timeout=120)


# ---------------------------------------------------------------------------------------
# The examples


def g(x):
    return jnp.sin(x) * 2.0


def f(x, y):
    z = cellax.jit(g)(x) + y
    w = z @ z
    return jnp.tanh(w).sum()


def loss(w, x):
    h = jnp.tanh(x @ w)
    return jnp.sum(jnp.where(h > 0, h, 0.1 * h) ** 2)


PIN_FIRST_EQN = ("var r = document.querySelector('.cx-ir');"
                 " var cb = r.querySelector('.cx-splitcb'); if (cb) cb.checked = true;"
                 " var e = r.querySelectorAll('.cx-pane-jaxpr [data-k]')[2];"
                 " if (e) e.dispatchEvent(new MouseEvent('click', {bubbles: true}));")


def views(with_dot: bool) -> dict:
    x = jnp.ones(3)
    y = jnp.arange(3.0)
    w = jnp.ones((4, 3)) * 0.1
    xs = jnp.ones((5, 4))
    out = {}
    ir = IRView.from_function(f, x, y)
    ir.title = "f(x, y)"
    out["ir"] = (ir.to_html(), "")
    out["ir-pinned-split"] = (ir.to_html(), PIN_FIRST_EQN)
    out["ir-cost"] = (ir.to_html(), "document.querySelector('.cx-r-cost').checked = true;")
    out["ir-jaxpr-only"] = (IRView(cellax.make_jaxpr(f)(x, y)).to_html(), "")
    which = shutil.which
    if not with_dot:
        shutil.which = lambda name, *a, **k: None if name == "dot" else which(name, *a, **k)
    try:
        out["graph"] = (GraphView(cellax.make_jaxpr(f)(x, y), title="f(x, y)").to_html(), "")
        out["graph-grad"] = (GraphView(cellax.make_jaxpr(cellax.grad(loss))(w, xs),
                                       derivative=True, title="grad(loss)").to_html(), "")
        big = cellax.make_jaxpr(cellax.grad(lambda v: _deep(v)))(x)
        out["graph-large"] = (GraphView(big, derivative=True, title="a deep chain").to_html(),
                              "")
    finally:
        shutil.which = which
    arrays = [jnp.arange(6.0).reshape(2, 3), jnp.array([True, False, True]),
              jnp.arange(12).reshape(3, 4) - 5, jnp.linspace(0.0, 1.0, 7)]
    out["array"] = ("<br>".join(a._repr_mimebundle_()["text/html"] for a in arrays), "")
    out["graph-jit-grad"] = (GraphView(cellax.make_jaxpr(cellax.jit(cellax.grad(loss)))(
        w, xs), derivative=True, title="jit(grad(loss))").to_html(), "")
    import time
    timings = {"trace": [0.0123], "lower": [0.0041], "compile": [0.0712]}
    ex = []
    cellax.jit(f)(x, y).block_until_ready()  # warm-up: compile outside the samples
    for _ in range(60):
        t0 = time.perf_counter()
        cellax.jit(f)(x, y).block_until_ready()
        ex.append(time.perf_counter() - t0)
    timings["execute"] = ex
    cost = cellax.jit(f).lower(x, y).compile().cost_analysis()
    out["profile"] = (ProfileView(timings, cost=cost, device="cpu:0",
                                  title="f(x, y)").to_html(), "")
    return out


def _deep(v):
    for _ in range(40):
        v = jnp.sin(v) * 1.01 + v
    return jnp.sum(v)


def main(outdir: str) -> list[str]:
    os.makedirs(outdir, exist_ok=True)
    made = []
    for with_dot in (True, False):
        if with_dot and shutil.which("dot") is None:
            print("dot not found: skipping the graphviz drawings")
            continue
        for name, (html, after) in views(with_dot).items():
            if not with_dot and not name.startswith("graph"):
                continue
            tag = name + ("" if with_dot else "-nodot")
            for theme in ("light", "dark"):
                base = os.path.join(outdir, f"{tag}-{theme}")
                with open(base + ".html", "w", encoding="utf-8") as fh:
                    fh.write(wrap(html, theme, after))
                shoot(base + ".html", base + ".png")
                made.append(base + ".png")
                print(base + ".png")
    return made


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/cellax-screenshots")
