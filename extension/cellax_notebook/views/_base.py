"""What every view shares: the mime bundle, the page shell, theme colours and formatting.

A view builds one JSON payload (`payload()`); `to_html()` renders it as a self-contained
fragment: one root `<div class="cx-view cx-VIEW" id="cx-UID">` with its own `<style>`,
its markup (inline SVG for pictures) and a small `<script>` for what CSS cannot do. Nothing
is loaded from the network. Tabs and collapsing work without the script (radio buttons,
checkboxes and `<details>`), so an untrusted notebook, whose scripts JupyterLab does not
run, still shows everything.

Colours are CSS custom properties on the root, each taken from JupyterLab's `--jp-*`
theme variable, then from VS Code's `--vscode-*`, then a light-theme literal.
"""
from __future__ import annotations

import html
import json
import math
import uuid
from typing import Any

PAYLOAD_VERSION = 1
MIME_PREFIX = "application/vnd.cellax."


def esc(s: Any) -> str:
    return html.escape(str(s), quote=True)


def new_uid() -> str:
    return uuid.uuid4().hex[:10]


def json_for_script(obj: Any) -> str:
    """JSON safe to put inside a <script> element (no `</script>` or `<!--`)."""
    s = json.dumps(obj, separators=(",", ":"), sort_keys=True)
    return s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


# ---------------------------------------------------------------------------------------
# Formatting numbers


def fmt_seconds(s: float | None) -> str:
    if s is None or not math.isfinite(s):
        return "–"
    a = abs(s)
    if a >= 100:
        return f"{s:.0f} s"
    if a >= 1:
        return f"{s:.3g} s"
    if a >= 1e-3:
        return f"{s * 1e3:.3g} ms"
    if a >= 1e-6:
        return f"{s * 1e6:.3g} µs"
    return f"{s * 1e9:.3g} ns"


_SI = [(1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")]


def fmt_si(x: float | None, unit: str = "") -> str:
    """1234567 -> '1.23 M' + unit; small counts stay exact."""
    if x is None or not isinstance(x, (int, float)) or not math.isfinite(x):
        return "–"
    for scale, prefix in _SI:
        if abs(x) >= scale:
            return f"{x / scale:.3g} {prefix}{unit}"
    if float(x).is_integer():
        return f"{int(x)} {unit}".rstrip()
    return f"{x:.3g} {unit}".rstrip()


def fmt_bytes(x: float | None) -> str:
    if x is None or not isinstance(x, (int, float)) or not math.isfinite(x):
        return "–"
    for scale, prefix in [(2**40, "Ti"), (2**30, "Gi"), (2**20, "Mi"), (2**10, "Ki")]:
        if abs(x) >= scale:
            return f"{x / scale:.3g} {prefix}B"
    return f"{int(x)} B" if float(x).is_integer() else f"{x:.3g} B"


# ---------------------------------------------------------------------------------------
# Theme and shared CSS

# name -> (JupyterLab variable, VS Code variable, literal); translucent literals for tints
# (they read on light and dark backgrounds alike)
_THEME = {
    "fg": ("--jp-ui-font-color1", "--vscode-editor-foreground", "#1f2328"),
    "fg2": ("--jp-ui-font-color2", "--vscode-descriptionForeground", "#57606a"),
    "fg3": ("--jp-ui-font-color3", "--vscode-disabledForeground", "#8c959f"),
    "bg": ("--jp-layout-color1", "--vscode-editor-background", "#ffffff"),
    "bg2": ("--jp-layout-color2", "--vscode-editorWidget-background", "#f3f4f6"),
    "bg3": ("--jp-layout-color3", None, "#d8dee4"),
    "border": ("--jp-border-color2", "--vscode-panel-border", "#d0d7de"),
    "border1": ("--jp-border-color1", None, "#bdc3c9"),
    "accent": ("--jp-brand-color1", "--vscode-focusBorder", "#1976d2"),
    "accent-bg": (None, None, "rgba(33, 150, 243, 0.22)"),
    "warn": ("--jp-warn-color1", None, "#e65100"),
    "warn-bg": (None, None, "rgba(255, 152, 0, 0.16)"),
    "ok": ("--jp-success-color1", None, "#2e7d32"),
    "hl": ("--jp-search-selected-match-background-color", None, "#fff59d"),
    "hl-fg": ("--jp-search-selected-match-color", None, "#1f2328"),
    "code-font": ("--jp-code-font-family", "--vscode-editor-font-family",
                  "Menlo, Consolas, 'DejaVu Sans Mono', monospace"),
    "ui-font": ("--jp-ui-font-family", "--vscode-font-family",
                "system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif"),
    "kw": ("--jp-mirror-editor-operator-color", None, "#7800c2"),
    "op": ("--jp-mirror-editor-def-color", None, "#0000ff"),
    "prim": ("--jp-mirror-editor-def-color", None, "#0000ff"),
    "ty": ("--jp-mirror-editor-variable-3-color", None, "#008855"),
    "num": ("--jp-mirror-editor-number-color", None, "#008800"),
    "str": ("--jp-mirror-editor-string-color", None, "#ba2121"),
    "var": ("--jp-mirror-editor-variable-color", None, "#212121"),
    "sym": ("--jp-mirror-editor-string-2-color", None, "#770088"),
    "pn": ("--jp-mirror-editor-comment-color", None, "#408080"),
    "meta": ("--jp-ui-font-color3", "--vscode-disabledForeground", "#8c959f"),
}


def _theme_css() -> str:
    out = []
    for name, (jp, vs, light) in _THEME.items():
        value = f"var({vs}, {light})" if vs else light
        if jp:
            value = f"var({jp}, {value})"
        out.append(f"--cx-{name}: {value};")
    return " ".join(out)


BASE_CSS = """
.cx-view { %(theme)s
  /* forward / backward / seed colours of derivative graphs */
  --cx-fwd: var(--jp-brand-color1, #1976d2); --cx-bwd: var(--jp-warn-color1, #ef6c00);
  --cx-seed: var(--jp-error-color1, #d32f2f);
  color: var(--cx-fg); background: var(--cx-bg); font-family: var(--cx-ui-font);
  font-size: 13px; line-height: 1.35; border: 1px solid var(--cx-border); border-radius: 4px;
  padding: 6px 8px; margin: 2px 0; box-sizing: border-box; max-width: 100%%;
  overflow: hidden; }
.cx-view * { box-sizing: border-box; }
.cx-view .cx-head { display: flex; flex-wrap: wrap; align-items: baseline; gap: 4px 12px;
  margin-bottom: 4px; }
.cx-view .cx-title { font-weight: 600; }
.cx-view .cx-sub { color: var(--cx-fg2); font-size: 12px; }
.cx-view .cx-note { color: var(--cx-fg2); font-size: 12px; margin: 4px 0; }
.cx-view .cx-warnnote { color: var(--cx-fg); background: var(--cx-warn-bg);
  border-left: 3px solid var(--cx-warn); padding: 2px 6px; font-size: 12px; margin: 4px 0; }
.cx-view code, .cx-view .cx-mono { font-family: var(--cx-code-font); font-size: 12px; }
.cx-view button, .cx-view .cx-btn { font: inherit; font-size: 12px; color: var(--cx-fg);
  background: var(--cx-bg2); border: 1px solid var(--cx-border); border-radius: 3px;
  padding: 1px 8px; cursor: pointer; line-height: 1.5; }
.cx-view button:hover, .cx-view .cx-btn:hover { border-color: var(--cx-accent); }
.cx-view table.cx-table { border-collapse: collapse; font-size: 12px; margin: 4px 0; }
.cx-view table.cx-table th, .cx-view table.cx-table td { padding: 2px 10px 2px 0;
  text-align: left; border-bottom: 1px solid var(--cx-border); vertical-align: top;
  color: var(--cx-fg); background: transparent; }
.cx-view table.cx-table td.cx-num, .cx-view table.cx-table th.cx-num { text-align: right;
  font-variant-numeric: tabular-nums; }
.cx-view table.cx-table th { color: var(--cx-fg2); font-weight: 600; }
.cx-view details > summary { cursor: pointer; }
.cx-view svg text { fill: var(--cx-fg); }
/* syntax classes */
.cx-view .cx-kw { color: var(--cx-kw); font-weight: 600; }
.cx-view .cx-op { color: var(--cx-op); }
.cx-view .cx-prim { color: var(--cx-prim); font-weight: 600; }
.cx-view .cx-ty { color: var(--cx-ty); }
.cx-view .cx-num { color: var(--cx-num); }
.cx-view .cx-str { color: var(--cx-str); }
.cx-view .cx-sym { color: var(--cx-sym); }
.cx-view .cx-pn { color: var(--cx-pn); }
.cx-view .cx-meta { color: var(--cx-meta); }
.cx-view .cx-v { color: var(--cx-var); }
""" % {"theme": _theme_css()}


def page(view: str, uid: str, css: str, body: str, script: str = "") -> str:
    """The root element of a view: scoped styles, markup, and an optional script that
    finds its root by id (so several views on one page do not interfere)."""
    parts = [f'<div class="cx-view cx-{view}" id="cx-{uid}" data-cellax-view="{view}">',
             f"<style>{BASE_CSS}{css}</style>", body]
    if script:
        parts.append("<script>(function(){var root=document.getElementById("
                     f"{json.dumps('cx-' + uid)});if(!root||root.getAttribute('data-init'))"
                     "return;root.setAttribute('data-init','1');" + script + "})();</script>")
    parts.append("</div>")
    return "".join(parts)


class View:
    """Base class: a payload, its HTML and text, and the mime bundle of all three."""

    view = ""

    def payload(self) -> dict:
        raise NotImplementedError

    def to_html(self) -> str:
        raise NotImplementedError

    def to_text(self) -> str:
        raise NotImplementedError

    @property
    def mime_type(self) -> str:
        return f"{MIME_PREFIX}{self.view}+json"

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        makers = {self.mime_type: self.payload, "text/html": self.to_html,
                  "text/plain": self.to_text}
        out = {}
        for mime, make in makers.items():
            if include is not None and mime not in include:
                continue
            if exclude is not None and mime in exclude:
                continue
            out[mime] = make()
        return out

    def __repr__(self) -> str:
        return self.to_text()
