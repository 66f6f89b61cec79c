"""A compact HTML table for small arrays (what `cellax.Array` shows in a notebook).

`array_html(value, dtype_str, shape, device="")` gives the table for a host copy of an
array of at most `MAX_CELLS` elements and at most two dimensions, or None (the array then
shows as its text repr only). Colours come from the theme variables, as in the views.
"""
from __future__ import annotations

import math

import numpy as np

from cellax_notebook.views._base import esc

MAX_CELLS = 120
MAX_COLS = 16

_CSS = (
    ".cx-arr{display:inline-block;font-family:var(--jp-code-font-family,Menlo,Consolas,"
    "'DejaVu Sans Mono',monospace);font-size:12px;color:var(--jp-ui-font-color1,#1f2328);"
    "border:1px solid var(--jp-border-color2,#d0d7de);border-radius:3px;padding:2px 6px 4px;"
    "background:var(--jp-layout-color1,transparent);max-width:100%;overflow:auto}"
    ".cx-arr .cx-arr-cap{color:var(--jp-ui-font-color2,#57606a);font-size:11px;"
    "margin-bottom:2px;font-family:var(--jp-ui-font-family,system-ui,sans-serif)}"
    ".cx-arr table{border-collapse:collapse;margin:0}"
    ".cx-arr td,.cx-arr th{padding:1px 7px;text-align:right;border:none;"
    "color:var(--jp-ui-font-color1,#1f2328);background:transparent;font-weight:normal;"
    "font-variant-numeric:tabular-nums}"
    ".cx-arr th{color:var(--jp-ui-font-color3,#8c959f);font-size:10px}"
    ".cx-arr tr:nth-child(even) td{background:rgba(127,127,127,0.08)}"
)


def _fmt(x, kind: str) -> str:
    """One element as NumPy prints it alone (shortest round-trip digits)."""
    if kind == "b":
        return "True" if x else "False"
    if kind in "iu":
        return str(int(x))
    if kind == "c":
        return str(np.complex128(x)).strip("()")
    f = float(x)
    if math.isnan(f):
        return "nan"
    if math.isinf(f):
        return "inf" if f > 0 else "-inf"
    try:
        if kind != "f":  # bfloat16, float8...: NumPy's shortest digits do not apply
            raise TypeError
        if f == 0 or 1e-4 <= abs(f) < 1e8:
            return np.format_float_positional(x, unique=True, trim=".")
        return np.format_float_scientific(x, unique=True, trim=".")
    except (TypeError, ValueError):  # e.g. bfloat16 scalars
        s = f"{f:.6g}"
        return s if any(c in s for c in ".en") else s + "."


def array_html(value, dtype_str: str, shape: tuple, device: str = "",
               weak_type: bool = False) -> str | None:
    a = np.asarray(value)
    if a.ndim == 0 or a.ndim > 2 or a.size == 0 or a.size > MAX_CELLS:
        return None
    if a.ndim == 2 and a.shape[1] > MAX_COLS:
        return None
    kind = a.dtype.kind if a.dtype.kind in "biufc" else "x"
    try:
        rows = a.reshape(1, -1) if a.ndim == 1 else a
        cells = [[_fmt(x, kind) for x in row] for row in rows]
    except (TypeError, ValueError):
        return None
    cap = f"Array {dtype_str}[{','.join(map(str, shape))}]"
    if weak_type:
        cap += " (weak type)"
    if device:
        cap += f" · {device}"
    out = [f'<div class="cx-arr"><style>{_CSS}</style><div class="cx-arr-cap">{esc(cap)}</div>'
           "<table>"]
    if a.ndim == 2 and a.shape[0] > 1:
        out.append("<tr><th></th>" + "".join(f"<th>{j}</th>" for j in range(a.shape[1]))
                   + "</tr>")
        for i, row in enumerate(cells):
            out.append(f"<tr><th>{i}</th>" + "".join(f"<td>{esc(c)}</td>" for c in row)
                       + "</tr>")
    else:
        out.append("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in cells[0]) + "</tr>")
    out.append("</table></div>")
    return "".join(out)
