"""What the magics show: the views (IR, graph, profile; imported lazily, plain text when
they are missing), and the text, device-table and profile results. Split out of `magics`,
which imports these back."""
from __future__ import annotations

import html
import statistics

from cellax_notebook._cells import _exc_text, _fmt_s


# ---------------------------------------------------------------------------------------
# Views (lazy; plain text when the views package is missing)


def _view_class(name: str):
    """`cellax_notebook.views.<name>` (IRView, GraphView, ProfileView), or None while the
    views are unavailable (then the magics print text)."""
    try:
        from cellax_notebook import views
        return getattr(views, name, None)
    except Exception:  # noqa: BLE001 - any failure: fall back to text
        return None


def _display(obj, fallback_text: str | None = None) -> None:
    from IPython.display import display
    try:
        display(obj)
    except Exception as e:  # noqa: BLE001 - a broken view must not break the magic
        if fallback_text is not None:
            print(fallback_text)
        print(f"(cellax view failed: {_exc_text(e)})")


def _show_view(name: str, text: str, *args, **kwargs) -> None:
    """Display view `name` built from args, or print `text` without it."""
    cls = _view_class(name)
    if cls is None:
        print(text)
        return
    try:
        view = cls(*args, **kwargs)
    except Exception as e:  # noqa: BLE001 - a broken view must not break the magic
        print(text)
        print(f"(cellax {name} failed: {_exc_text(e)})")
        return
    _display(view, text)


class TextView:
    """A block of program text (StableHLO, optimized HLO): plain text, and `<pre>` HTML."""

    def __init__(self, text: str, title: str = ""):
        self.text = text
        self.title = title

    def __str__(self):
        return self.text

    def __repr__(self):
        return self.text

    def _repr_mimebundle_(self, include=None, exclude=None):
        head = (f"<div style='font-weight:600;color:var(--jp-ui-font-color1)'>"
                f"{html.escape(self.title)}</div>") if self.title else ""
        return {"text/plain": self.text,
                "text/html": f"{head}<pre style='font-size:var(--jp-code-font-size,12px);"
                             f"color:var(--jp-content-font-color1)'>{html.escape(self.text)}"
                             "</pre>"}


class DeviceTable:
    """`%devices`: the devices cellax sees, as a table."""

    def __init__(self, devices, default):
        self.devices = list(devices)
        self.default = default
        self.rows = [(str(d.id), d.platform, getattr(d, "device_kind", ""),
                      str(getattr(d, "process_index", 0)), "*" if d == default else "")
                     for d in self.devices]

    _HEAD = ("id", "platform", "kind", "process", "default")

    def __repr__(self):
        rows = [self._HEAD] + self.rows
        widths = [max(len(r[i]) for r in rows) for i in range(len(self._HEAD))]
        return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()
                         for r in rows)

    def _repr_mimebundle_(self, include=None, exclude=None):
        cell = "style='padding:2px 10px;text-align:left'"
        head = "".join(f"<th {cell}>{h}</th>" for h in self._HEAD)
        body = "".join("<tr>" + "".join(f"<td {cell}>{html.escape(c)}</td>" for c in r)
                       + "</tr>" for r in self.rows)
        return {"text/plain": repr(self),
                "text/html": f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody>"
                             "</table>"}


_STAGES = ("trace", "lower", "compile", "execute")


class ProfileResult(dict):
    """`%profile`'s measurements: `trace`, `lower`, `compile`, `execute` (lists of
    seconds; `execute` per call), `cost` (XLA's estimates), `device`, `number`,
    `repeat`, `median` / `spread` per stage, `flops_per_s`, `bytes_per_s`."""

    def summary(self) -> str:
        out = [f"{self.get('title', '')}  on {self.get('device', '?')}  (execute: "
               f"{self.get('repeat')} x {self.get('number')} calls, after warm-up)",
               f"  {'stage':<8} {'median':>10}   spread (min ... max)"]
        for st in _STAGES:
            ts = self.get(st) or []
            if ts:
                out.append(f"  {st:<8} {_fmt_s(statistics.median(ts)):>10}   "
                           f"{_fmt_s(min(ts))} ... {_fmt_s(max(ts))}")
        cost = self.get("cost") or {}
        if "flops" in cost or "bytes accessed" in cost:
            est = [f"{cost.get('flops', 0):.3g} FLOP", f"{cost.get('bytes accessed', 0):.3g} B"]
            ach = []
            if self.get("flops_per_s") is not None:
                ach.append(f"{self['flops_per_s'] / 1e9:.3g} GFLOP/s")
            if self.get("bytes_per_s") is not None:
                ach.append(f"{self['bytes_per_s'] / 1e9:.3g} GB/s")
            out.append("  XLA estimates: " + ", ".join(est)
                       + (" -> achieved " + ", ".join(ach) if ach else ""))
        return "\n".join(out)

    def __repr__(self):
        return self.summary()

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = {}
        view = _view_class("ProfileView")
        if view is not None:
            try:
                bundle = dict(view({k: list(self[k]) for k in _STAGES}, cost=self.get("cost"),
                                   device=self.get("device", ""),
                                   title=self.get("title", ""))._repr_mimebundle_() or {})
            except Exception:  # noqa: BLE001 - a broken view: plain text
                bundle = {}
        bundle.setdefault("text/plain", self.summary())
        return bundle
