"""ProfileView: where the time went (trace, lower, compile, execute) and how runs vary.

Bars use a log scale (compile is often 10^4 times one run); each shows the median with a
whisker from the fastest to the slowest sample. The execute samples are drawn as a
histogram with the median and the interquartile range marked, and as a strip of dots.
XLA's FLOP and byte counts come from its cost model (estimates, labelled so); achieved
rates divide them by the median execute time.
"""
from __future__ import annotations

import math
import statistics
from typing import Any

from cellax_notebook.views._base import (PAYLOAD_VERSION, View, esc, fmt_bytes, fmt_seconds,
                                         fmt_si, new_uid, page)

STAGES = ("trace", "lower", "compile", "execute")


def _quantile(xs: list[float], q: float) -> float:
    """Linear interpolation between order statistics (NumPy's default)."""
    s = sorted(xs)
    if len(s) == 1:
        return s[0]
    pos = (len(s) - 1) * q
    lo = math.floor(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def stage_stats(xs: list[float]) -> dict | None:
    xs = [float(x) for x in xs if x is not None and math.isfinite(float(x))]
    if not xs:
        return None
    med = statistics.median(xs)
    p25, p75 = _quantile(xs, 0.25), _quantile(xs, 0.75)
    return {"n": len(xs), "median": med, "mean": statistics.fmean(xs),
            "std": statistics.stdev(xs) if len(xs) > 1 else 0.0, "min": min(xs),
            "max": max(xs), "p25": p25, "p75": p75, "iqr": p75 - p25,
            "rel_iqr": (p75 - p25) / med if med > 0 else None, "total": sum(xs)}


def robust_range(xs: list[float]) -> tuple[float, float]:
    """The range the distribution is drawn over: all samples but far outliers (beyond
    three interquartile ranges, at least 5% of the median, past the quartiles)."""
    lo, hi = min(xs), max(xs)
    if len(xs) < 8:
        return lo, hi
    p25, p75, med = _quantile(xs, 0.25), _quantile(xs, 0.75), statistics.median(xs)
    reach = 3 * max(p75 - p25, 0.05 * abs(med))
    return max(lo, p25 - reach), min(hi, p75 + reach)


def histogram(xs: list[float]) -> dict | None:
    """Counts over `robust_range`; samples outside it are counted as outliers."""
    if not xs:
        return None
    lo, hi = robust_range(xs)
    below = sum(1 for x in xs if x < lo)
    above = sum(1 for x in xs if x > hi)
    xs = [x for x in xs if lo <= x <= hi]
    nb = max(1, min(30, math.ceil(math.sqrt(len(xs))) + 2)) if hi > lo else 1
    width = (hi - lo) / nb if hi > lo else 0.0
    counts = [0] * nb
    for x in xs:
        k = nb - 1 if width == 0 else min(nb - 1, int((x - lo) / width))
        counts[k] += 1
    edges = [lo + k * width for k in range(nb)] + [hi]
    return {"edges": edges, "counts": counts, "outliers_below": below,
            "outliers_above": above}


def _cost_dict(cost) -> dict | None:
    if cost is None:
        return None
    if isinstance(cost, (list, tuple)):
        cost = cost[0] if cost else {}
    return {str(k): float(v) for k, v in dict(cost).items() if isinstance(v, (int, float))}


class ProfileView(View):
    """Trace / lower / compile / execute times, the run-time distribution, cost estimates."""

    view = "profile"

    def __init__(self, timings: dict, *, cost: Any = None, device: str = "",
                 title: str = ""):
        self.timings = {k: [float(x) for x in (v if isinstance(v, (list, tuple)) else [v])]
                        for k, v in dict(timings).items() if v is not None}
        self.cost = _cost_dict(cost)
        self.device = str(device or "")
        self.title = title
        self._payload: dict | None = None

    def payload(self) -> dict:
        if self._payload is None:
            stats = {k: stage_stats(v) for k, v in self.timings.items()}
            stages = [s for s in STAGES if stats.get(s)] + [
                s for s in self.timings if s not in STAGES and stats.get(s)]
            ex = stats.get("execute")
            estimates = None
            achieved = None
            if self.cost:
                estimates = {"flops": self.cost.get("flops"),
                             "bytes_accessed": self.cost.get("bytes accessed"),
                             "transcendentals": self.cost.get("transcendentals")}
                if ex and ex["median"] > 0:
                    achieved = {
                        "flops_per_s": (estimates["flops"] / ex["median"]
                                        if estimates["flops"] is not None else None),
                        "bytes_per_s": (estimates["bytes_accessed"] / ex["median"]
                                        if estimates["bytes_accessed"] is not None else None),
                        "based_on": "XLA estimate / median execute time"}
            self._payload = {
                "version": PAYLOAD_VERSION, "view": "profile", "title": self.title,
                "device": self.device, "timings": self.timings, "stages": stages,
                "stats": {k: v for k, v in stats.items() if v},
                "histogram": histogram(self.timings.get("execute", [])),
                "cost": self.cost, "estimates": estimates, "achieved": achieved,
                "units": "seconds"}
        return self._payload

    def to_text(self) -> str:
        p = self.payload()
        head = "Profile" + (f": {p['title']}" if p["title"] else "") + (
            f" on {p['device']}" if p["device"] else "")
        rows = [head, f"{'stage':<9}{'n':>5}  {'median':>10}  {'min':>10}  {'max':>10}  "
                      f"{'IQR':>10}"]
        for s in p["stages"]:
            st = p["stats"][s]
            rows.append(f"{s:<9}{st['n']:>5}  {fmt_seconds(st['median']):>10}  "
                        f"{fmt_seconds(st['min']):>10}  {fmt_seconds(st['max']):>10}  "
                        f"{fmt_seconds(st['iqr']):>10}")
        est = p["estimates"]
        if est:
            rows.append(f"XLA estimates: {fmt_si(est['flops'], 'FLOP')}, "
                        f"{fmt_bytes(est['bytes_accessed'])} accessed"
                        + (f", {fmt_si(est['transcendentals'])} transcendentals"
                           if est.get("transcendentals") else ""))
        ach = p["achieved"]
        if ach:
            rows.append(f"achieved (estimate / median run): "
                        f"{fmt_si(ach['flops_per_s'], 'FLOP/s')}, "
                        f"{fmt_bytes(ach['bytes_per_s'])}/s")
        return "\n".join(rows)

    def to_html(self) -> str:
        return render_html(self.payload())


# ---------------------------------------------------------------------------------------
# HTML

_CSS = """
.cx-profile .cx-sec { margin: 8px 0 2px; font-weight: 600; font-size: 12px;
  color: var(--cx-fg2); }
.cx-profile svg { display: block; max-width: 100%; height: auto; }
.cx-profile svg .cx-bar { fill: var(--cx-accent); fill-opacity: 0.75; }
.cx-profile svg .cx-bar.cx-st-execute { fill: var(--cx-ok); }
.cx-profile svg .cx-bar.cx-st-compile { fill: var(--cx-warn); }
.cx-profile svg .cx-whisk { stroke: var(--cx-fg2); stroke-width: 1.2; }
.cx-profile svg .cx-axis { stroke: var(--cx-border1); stroke-width: 1; }
.cx-profile svg .cx-grid { stroke: var(--cx-border); stroke-width: 1; stroke-dasharray: 2 3; }
.cx-profile svg .cx-hbar { fill: var(--cx-ok); fill-opacity: 0.55; stroke: var(--cx-ok); }
.cx-profile svg .cx-iqr { fill: var(--cx-accent); fill-opacity: 0.12; }
.cx-profile svg .cx-med { stroke: var(--cx-accent); stroke-width: 2; }
.cx-profile svg .cx-dot { fill: var(--cx-fg); fill-opacity: 0.45; }
.cx-profile svg .cx-tick { fill: var(--cx-fg2); font-size: 10px; }
.cx-profile svg .cx-lab { fill: var(--cx-fg); font-size: 12px; }
.cx-profile svg .cx-val { fill: var(--cx-fg); font-size: 11px; font-variant-numeric: tabular-nums; }
.cx-profile .cx-est { color: var(--cx-fg2); font-size: 12px; }
.cx-profile .cx-grid2 { display: flex; flex-wrap: wrap; gap: 4px 28px; align-items: flex-start; }
"""


def _log_ticks(lo: float, hi: float) -> list[float]:
    a, b = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    return [10.0 ** k for k in range(a, b + 1)]


def _stage_bars(p: dict) -> str:
    stages = p["stages"]
    stats = p["stats"]
    vals = [v for s in stages for v in (stats[s]["min"], stats[s]["max"]) if v > 0]
    if not vals:
        return '<div class="cx-note">no positive timings</div>'
    ticks = _log_ticks(min(vals), max(vals))
    if len(ticks) < 2:
        ticks = [ticks[0], ticks[0] * 10]
    lo, hi = math.log10(ticks[0]), math.log10(ticks[-1])
    W, left, right, row = 680, 70, 150, 26
    plot_w = W - left - right
    H = row * len(stages) + 26

    def X(v):
        return left + plot_w * (math.log10(max(v, ticks[0])) - lo) / (hi - lo)
    out = [f'<svg viewBox="0 0 {W} {H}" width="{W}" height="{H}" '
           'xmlns="http://www.w3.org/2000/svg" role="img" aria-label="stage times">']
    for t in ticks:
        x = X(t)
        out.append(f'<line class="cx-grid" x1="{x:.1f}" y1="2" x2="{x:.1f}" y2="{H - 18}"/>'
                   f'<text class="cx-tick" x="{x:.1f}" y="{H - 5}" text-anchor="middle">'
                   f"{esc(fmt_seconds(t))}</text>")
    for i, s in enumerate(stages):
        st = stats[s]
        y = 4 + i * row
        x0, xm = left, X(st["median"])
        out.append(f'<text class="cx-lab" x="{left - 8}" y="{y + 15}" text-anchor="end">'
                   f"{esc(s)}</text>")
        out.append(f'<rect class="cx-bar cx-st-{esc(s)}" x="{x0}" y="{y + 3}" '
                   f'width="{max(1.5, xm - x0):.1f}" height="{row - 10}" rx="2">'
                   f"<title>{esc(s)}: median {esc(fmt_seconds(st['median']))} of {st['n']}"
                   "</title></rect>")
        if st["n"] > 1 and st["max"] > st["min"]:
            a, b = X(st["min"]), X(st["max"])
            yc = y + 3 + (row - 10) / 2
            out.append(f'<line class="cx-whisk" x1="{a:.1f}" y1="{yc:.1f}" x2="{b:.1f}" '
                       f'y2="{yc:.1f}"/><line class="cx-whisk" x1="{a:.1f}" y1="{yc - 4:.1f}" '
                       f'x2="{a:.1f}" y2="{yc + 4:.1f}"/><line class="cx-whisk" x1="{b:.1f}" '
                       f'y1="{yc - 4:.1f}" x2="{b:.1f}" y2="{yc + 4:.1f}"/>')
        val = fmt_seconds(st["median"])
        if st["n"] > 1:
            val += f"  (n={st['n']}, ±{fmt_seconds(st['iqr'] / 2)})"
        out.append(f'<text class="cx-val" x="{W - right + 8}" y="{y + 15}">{esc(val)}</text>')
    out.append(f'<line class="cx-axis" x1="{left}" y1="2" x2="{left}" y2="{H - 18}"/>')
    out.append("</svg>")
    return "".join(out)


def _distribution(p: dict) -> str:
    xs = p["timings"].get("execute") or []
    st = p["stats"].get("execute")
    h = p["histogram"]
    if not xs or not st or not h:
        return ""
    W, H, left, right, top = 680, 158, 16, 16, 18
    plot_w = W - left - right
    hist_h = 80
    lo, hi = h["edges"][0], h["edges"][-1]
    shown = [x for x in xs if lo <= x <= hi]
    if hi <= lo:
        pad = lo * 0.05 if lo > 0 else 1e-6
        lo, hi = lo - pad, hi + pad
    span = hi - lo
    lo, hi = lo - span * 0.04, hi + span * 0.04

    def X(v):
        return left + plot_w * (v - lo) / (hi - lo)
    out = [f'<svg viewBox="0 0 {W} {H}" width="{W}" height="{H}" '
           'xmlns="http://www.w3.org/2000/svg" role="img" aria-label="execute times">']
    base = top + hist_h
    out.append(f'<rect class="cx-iqr" x="{X(st["p25"]):.1f}" y="{top}" '
               f'width="{max(1.0, X(st["p75"]) - X(st["p25"])):.1f}" height="{hist_h + 26}">'
               f"<title>interquartile range {esc(fmt_seconds(st['p25']))} – "
               f"{esc(fmt_seconds(st['p75']))}</title></rect>")
    cmax = max(h["counts"]) or 1
    edges = h["edges"]
    for k, c in enumerate(h["counts"]):
        if not c:
            continue
        a, b = edges[k], edges[k + 1]
        if b <= a:
            a, b = a - span * 0.01 - 1e-12, a + span * 0.01 + 1e-12
        x0, x1 = X(a), X(b)
        bh = hist_h * c / cmax
        out.append(f'<rect class="cx-hbar" x="{x0 + 0.5:.1f}" y="{base - bh:.1f}" '
                   f'width="{max(1.0, x1 - x0 - 1):.1f}" height="{bh:.1f}"><title>{c} run'
                   f"{'s' if c != 1 else ''} in {esc(fmt_seconds(a))} – {esc(fmt_seconds(b))}"
                   "</title></rect>")
    out.append(f'<line class="cx-axis" x1="{left}" y1="{base}" x2="{W - right}" y2="{base}"/>')
    # strip of samples, deterministic jitter
    for i, x in enumerate(shown[:2000]):
        jy = base + 8 + ((i * 7919) % 13)
        out.append(f'<circle class="cx-dot" cx="{X(x):.1f}" cy="{jy:.1f}" r="2"/>')
    xm = X(st["median"])
    out.append(f'<line class="cx-med" x1="{xm:.1f}" y1="{top}" x2="{xm:.1f}" '
               f'y2="{base + 24}"><title>median {esc(fmt_seconds(st["median"]))}</title></line>')
    out.append(f'<text class="cx-val" x="{min(xm, W - 80):.1f}" y="{top - 5}" '
               f'text-anchor="middle">median {esc(fmt_seconds(st["median"]))}</text>')
    n_out = h.get("outliers_above", 0) + h.get("outliers_below", 0)
    if n_out:
        far = [x for x in xs if x < lo or x > hi]
        out.append(f'<text class="cx-tick" x="{W - right}" y="{top - 5}" text-anchor="end">'
                   f"+{n_out} outlier{'s' if n_out != 1 else ''} not drawn "
                   f"({esc(fmt_seconds(min(far)))} – {esc(fmt_seconds(max(far)))})</text>")
    for k in range(5):
        v = lo + (hi - lo) * (k + 0.5) / 5
        out.append(f'<text class="cx-tick" x="{X(v):.1f}" y="{H - 4}" text-anchor="middle">'
                   f"{esc(fmt_seconds(v))}</text>")
    out.append("</svg>")
    return "".join(out)


def _stats_table(p: dict) -> str:
    out = ['<table class="cx-table"><tr><th>stage</th><th class="cx-num">n</th>'
           '<th class="cx-num">median</th><th class="cx-num">mean</th>'
           '<th class="cx-num">min</th><th class="cx-num">max</th>'
           '<th class="cx-num">IQR</th><th class="cx-num">spread</th></tr>']
    for s in p["stages"]:
        st = p["stats"][s]
        spread = f"±{st['rel_iqr'] * 50:.1f}%" if st["rel_iqr"] is not None and st["n"] > 1 \
            else "–"
        out.append(f"<tr><td>{esc(s)}</td><td class='cx-num'>{st['n']}</td>"
                   + "".join(f"<td class='cx-num'>{esc(fmt_seconds(st[k]))}</td>"
                             for k in ("median", "mean", "min", "max"))
                   + f"<td class='cx-num'>{esc(fmt_seconds(st['iqr']) if st['n'] > 1 else '–')}"
                   "</td>"
                   + f"<td class='cx-num'>{esc(spread)}</td></tr>")
    out.append("</table>")
    return "".join(out)


def _cost_table(p: dict) -> str:
    est, ach = p["estimates"], p["achieved"]
    if not est:
        return ""
    out = ['<div class="cx-sec">XLA cost estimates</div>',
           '<div class="cx-est">From XLA\'s cost model of the compiled program: '
           "<b>estimates</b>, not measurements.</div>",
           '<table class="cx-table">']
    rows = [("FLOPs (est.)", fmt_si(est.get("flops"), "FLOP")),
            ("bytes accessed (est.)", fmt_bytes(est.get("bytes_accessed")))]
    if est.get("transcendentals"):
        rows.append(("transcendentals (est.)", fmt_si(est["transcendentals"])))
    if ach:
        rows.append(("achieved FLOP/s (est. FLOPs ÷ median run)",
                     fmt_si(ach.get("flops_per_s"), "FLOP/s")))
        rows.append(("achieved bytes/s (est. bytes ÷ median run)",
                     fmt_bytes(ach.get("bytes_per_s")) + "/s"
                     if ach.get("bytes_per_s") is not None else "–"))
        if est.get("flops") and est.get("bytes_accessed"):
            rows.append(("arithmetic intensity (est.)",
                         f"{est['flops'] / est['bytes_accessed']:.3g} FLOP/B"))
    for k, v in rows:
        out.append(f"<tr><td>{esc(k)}</td><td class='cx-num'>{esc(v)}</td></tr>")
    out.append("</table>")
    return "".join(out)


def render_html(p: dict) -> str:
    uid = new_uid()
    title = p.get("title") or "profile"
    sub = []
    if p["device"]:
        sub.append(p["device"])
    ex = p["stats"].get("execute")
    if ex:
        sub.append(f"execute: median {fmt_seconds(ex['median'])} of {ex['n']} runs")
    body = [f'<div class="cx-head"><span class="cx-title">{esc(title)}</span>'
            f'<span class="cx-sub">{esc(" · ".join(sub))}</span></div>']
    if p["stages"]:
        body.append('<div class="cx-sec">time per stage (median; whiskers: min–max; '
                    "log scale)</div>")
        body.append(_stage_bars(p))
    dist = _distribution(p)
    if dist:
        body.append(f'<div class="cx-sec">run-time distribution ({ex["n"]} execute runs; '
                    "shaded: interquartile range)</div>")
        body.append(dist)
    body.append('<div class="cx-grid2"><div>')
    body.append('<div class="cx-sec">statistics</div>')
    body.append(_stats_table(p))
    body.append("</div><div>")
    body.append(_cost_table(p))
    body.append("</div></div>")
    return page("profile", uid, _CSS, "".join(body))
