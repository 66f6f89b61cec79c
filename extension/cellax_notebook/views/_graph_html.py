"""The self-contained HTML of a `GraphView` (styles, the small script for its controls,
the page). Split out of `graph`, which imports these back."""
from __future__ import annotations

from cellax_notebook.views._base import esc, new_uid, page


# ---------------------------------------------------------------------------------------
# HTML


_CSS = """
.cx-graph .cx-toolbar { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 8px;
  margin: 2px 0 4px; font-size: 12px; color: var(--cx-fg2); }
.cx-graph .cx-toolbar .cx-spacer { flex: 1; }
.cx-graph .cx-legend { display: inline-flex; gap: 10px; align-items: center; }
.cx-graph .cx-sw { display: inline-block; width: 14px; height: 10px; border-radius: 3px;
  vertical-align: -1px; margin-right: 3px; border: 1px solid var(--cx-fg3); }
.cx-graph .cx-sw.cx-fwd { border-color: var(--cx-fwd);
  background: rgba(33, 150, 243, 0.16); }
.cx-graph .cx-sw.cx-bwd { border-color: var(--cx-bwd); background: rgba(255, 152, 0, 0.2); }
.cx-graph .cx-sw.cx-res { border: none; border-top: 2px dashed var(--cx-fg2); height: 0;
  border-radius: 0; vertical-align: 3px; }
.cx-graph .cx-sw.cx-seed { border-color: var(--cx-seed); border-width: 2px; }
.cx-graph > input { display: none; }
.cx-graph .cx-canvas { overflow: auto; max-height: 72vh; min-height: 60px;
  border: 1px solid var(--cx-border); border-radius: 3px; background: var(--cx-bg);
  cursor: grab; position: relative; }
.cx-graph .cx-canvas.cx-drag { cursor: grabbing; user-select: none; }
.cx-graph .cx-variant { display: none; padding: 4px; }
.cx-graph .cx-var-collapsed { display: block; }
.cx-graph .cx-expcb:checked ~ .cx-canvas .cx-var-collapsed { display: none; }
.cx-graph .cx-expcb:checked ~ .cx-canvas .cx-var-expanded { display: block; }
.cx-graph .cx-expcb:checked ~ .cx-toolbar label.cx-explbl { background: var(--cx-accent-bg);
  border-color: var(--cx-accent); }
.cx-graph svg.cx-svg { display: block; max-width: none; margin: 0 auto; }
.cx-graph svg text { fill: var(--cx-fg); }
.cx-graph svg .cx-subl, .cx-graph svg .cx-k-literal text { fill: var(--cx-fg2); }
.cx-graph svg .node path, .cx-graph svg .node polygon, .cx-graph svg .node rect {
  fill: var(--cx-bg); stroke: var(--cx-fg3); }
.cx-graph svg .cx-k-input path, .cx-graph svg .cx-k-input polygon,
.cx-graph svg .cx-k-input rect, .cx-graph svg .cx-k-output path,
.cx-graph svg .cx-k-output polygon, .cx-graph svg .cx-k-output rect,
.cx-graph svg .cx-k-const polygon, .cx-graph svg .cx-k-const path,
.cx-graph svg .cx-k-const rect { fill: var(--cx-bg2); stroke: var(--cx-fg2); }
.cx-graph svg .cx-k-call path, .cx-graph svg .cx-k-call polygon,
.cx-graph svg .cx-k-call rect { stroke: var(--cx-fg2); }
.cx-graph svg .cx-fwd path, .cx-graph svg .cx-fwd polygon, .cx-graph svg .cx-fwd rect {
  fill: rgba(33, 150, 243, 0.12); fill: color-mix(in srgb, var(--cx-fwd) 13%, var(--cx-bg));
  stroke: var(--cx-fwd); }
.cx-graph svg .cx-bwd path, .cx-graph svg .cx-bwd polygon, .cx-graph svg .cx-bwd rect {
  fill: rgba(255, 152, 0, 0.16); fill: color-mix(in srgb, var(--cx-bwd) 16%, var(--cx-bg));
  stroke: var(--cx-bwd); }
.cx-graph svg .cx-k-input.cx-seed polygon, .cx-graph svg .cx-k-input.cx-seed rect,
.cx-graph svg .cx-k-input.cx-seed path { stroke: var(--cx-seed); stroke-width: 2.2;
  fill: rgba(211, 47, 47, 0.12); fill: color-mix(in srgb, var(--cx-seed) 12%, var(--cx-bg)); }
.cx-graph svg .cx-k-literal.cx-seed text { fill: var(--cx-seed); font-weight: bold; }
.cx-graph svg .cx-k-literal polygon { fill: none; stroke: none; }
.cx-graph svg .edge path { stroke: var(--cx-fg3); fill: none; }
.cx-graph svg .edge polygon, .cx-graph svg .cx-arrow { fill: var(--cx-fg3); stroke: none; }
.cx-graph svg .cx-arrow-fwd { fill: var(--cx-fwd); }
.cx-graph svg .cx-arrow-bwd { fill: var(--cx-bwd); }
.cx-graph svg .edge.cx-e-fwd path { stroke: var(--cx-fwd); stroke-opacity: 0.65; }
.cx-graph svg .edge.cx-e-fwd polygon { fill: var(--cx-fwd); }
.cx-graph svg .edge.cx-e-bwd path { stroke: var(--cx-bwd); stroke-opacity: 0.8; }
.cx-graph svg .edge.cx-e-bwd polygon { fill: var(--cx-bwd); }
.cx-graph svg .edge.cx-e-res path { stroke: var(--cx-fg2); stroke-dasharray: 4 3; }
.cx-graph svg .cluster polygon, .cx-graph svg .cluster path { fill: rgba(127, 127, 127, 0.05);
  stroke: var(--cx-fg3); stroke-dasharray: 5 3; }
.cx-graph svg .cluster.cx-bwd polygon, .cx-graph svg .cluster.cx-bwd path {
  stroke: var(--cx-bwd); fill: rgba(255, 152, 0, 0.05); }
.cx-graph svg .cluster.cx-fwd polygon, .cx-graph svg .cluster.cx-fwd path {
  stroke: var(--cx-fwd); fill: rgba(33, 150, 243, 0.04); }
.cx-graph svg .cluster text { fill: var(--cx-fg2); }
.cx-graph svg .node:hover path, .cx-graph svg .node:hover polygon,
.cx-graph svg .node:hover rect { stroke-width: 2; }
.cx-graph .cx-nested > details { margin: 4px 0; }
.cx-graph .cx-nested summary { color: var(--cx-fg2); font-size: 12px; }
.cx-graph .cx-nested .cx-canvas { max-height: 50vh; }
.cx-graph .cx-zoomlbl { min-width: 3.5em; text-align: right; font-variant-numeric: tabular-nums; }
"""

_SCRIPT = r"""
var zoom = 1, lbl = root.querySelector('.cx-zoomlbl');
var canvases = root.querySelectorAll('.cx-canvas');
function svgs() { return root.querySelectorAll('svg.cx-svg'); }
function apply() {
  var ss = svgs();
  for (var i = 0; i < ss.length; i++) {
    var s = ss[i], w = parseFloat(s.getAttribute('data-w'));
    var h = parseFloat(s.getAttribute('data-h'));
    s.setAttribute('width', Math.max(20, w * zoom));
    s.setAttribute('height', Math.max(20, h * zoom));
  }
  if (lbl) lbl.textContent = Math.round(zoom * 100) + '%';
}
function visibleSvg() {
  var ss = root.querySelectorAll('.cx-main svg.cx-svg');
  for (var i = 0; i < ss.length; i++) if (ss[i].getBoundingClientRect().width > 0) return ss[i];
  return ss[0];
}
function fit(all) {
  var s = visibleSvg(), c = root.querySelector('.cx-main');
  if (!s || !c) return;
  var w = parseFloat(s.getAttribute('data-w')), h = parseFloat(s.getAttribute('data-h'));
  var cw = c.clientWidth - 12, ch = Math.max(240, (window.innerHeight || 900) * 0.72 - 12);
  zoom = Math.min(1.25, cw / w);
  if (all) { zoom = Math.max(0.05, Math.min(1.25, cw / w, ch / h)); apply(); return; }
  // first view: fit the width, but stay readable (scroll for the rest)
  if (h * zoom > ch) zoom = Math.max(0.85, Math.min(zoom, ch / h));
  zoom = Math.max(0.5, zoom);
  apply();
}
function setZoom(z, cx, cy, c) {
  var old = zoom; zoom = Math.max(0.1, Math.min(4, z));
  if (c) {
    var r = zoom / old;
    c.scrollLeft = (c.scrollLeft + cx) * r - cx; c.scrollTop = (c.scrollTop + cy) * r - cy;
  }
  apply();
}
var btns = root.querySelectorAll('[data-zoom]');
for (var i = 0; i < btns.length; i++) btns[i].addEventListener('click', function (e) {
  var a = e.currentTarget.getAttribute('data-zoom');
  if (a === 'in') setZoom(zoom * 1.25); else if (a === 'out') setZoom(zoom / 1.25);
  else if (a === 'fit') fit(true); else setZoom(1);
});
for (var j = 0; j < canvases.length; j++) (function (c) {
  var drag = null;
  c.addEventListener('mousedown', function (e) { if (e.button !== 0) return;
    drag = {x: e.clientX, y: e.clientY, l: c.scrollLeft, t: c.scrollTop};
    c.classList.add('cx-drag'); e.preventDefault(); });
  window.addEventListener('mousemove', function (e) { if (!drag) return;
    c.scrollLeft = drag.l - (e.clientX - drag.x); c.scrollTop = drag.t - (e.clientY - drag.y); });
  window.addEventListener('mouseup', function () { drag = null; c.classList.remove('cx-drag'); });
  c.addEventListener('wheel', function (e) {
    if (!(e.ctrlKey || e.metaKey)) return;
    e.preventDefault();
    var r = c.getBoundingClientRect();
    setZoom(zoom * (e.deltaY < 0 ? 1.12 : 1 / 1.12), e.clientX - r.left, e.clientY - r.top, c); },
    {passive: false});
})(canvases[j]);
var cb = root.querySelector('.cx-expcb');
if (cb) cb.addEventListener('change', function () { setTimeout(fit, 0); });
fit();
"""


def render_html(p: dict) -> str:
    uid = new_uid()
    s = p["stats"]
    title = p.get("title") or ("derivative graph" if p["derivative"] else "data-flow graph")
    sub = f"{s['eqns']} equation{'s' if s['eqns'] != 1 else ''} · {s['inputs']} in · " \
          f"{s['outputs']} out"
    c = p.get("classification")
    if c:
        sub += f" · {c['forward_eqns']} forward / {c['backward_eqns']} backward"
    sub += " · " + ("laid out by graphviz" if p["renderer"] == "dot" else "built-in layout")
    body = [f'<div class="cx-head"><span class="cx-title">{esc(title)}</span>'
            f'<span class="cx-sub">{esc(sub)}</span></div>']
    svgs = p["svg"]
    both = "expanded" in svgs and "collapsed" in svgs
    if both:
        checked = " checked" if p["default"] == "expanded" else ""
        body.append(f'<input type="checkbox" class="cx-expcb" id="cx-{uid}-exp"{checked}>')
    tb = ['<div class="cx-toolbar">']
    if p["derivative"]:
        tb.append('<span class="cx-legend"><span><span class="cx-sw cx-fwd"></span>forward '
                  '(primal)</span><span><span class="cx-sw cx-bwd"></span>backward '
                  '(cotangent)</span><span><span class="cx-sw cx-res"></span>residual</span>'
                  '<span><span class="cx-sw cx-seed"></span>seed</span></span>')
        if c and not c["rule"]:
            tb.append("<span>(could not tell forward from backward)</span>")
    else:
        tb.append('<span class="cx-legend"><span><span class="cx-sw"></span>equation</span>'
                  '<span>▭▭ nested jaxpr</span></span>')
    tb.append('<span class="cx-spacer"></span>')
    if both:
        tb.append(f'<label class="cx-btn cx-explbl" for="cx-{uid}-exp" title="draw nested '
                  'jaxprs inside their equations">expand nested</label>')
    tb.append('<button data-zoom="out" title="zoom out (or ctrl+wheel)">−</button>'
              '<span class="cx-zoomlbl">100%</span>'
              '<button data-zoom="in" title="zoom in (or ctrl+wheel)">+</button>'
              '<button data-zoom="fit" title="the whole graph in view">fit</button>'
              '<button data-zoom="1">1:1</button>')
    tb.append("</div>")
    body.extend(tb)
    for n in p["notes"]:
        body.append(f'<div class="cx-warnnote">{esc(n)}</div>')
    body.append('<div class="cx-canvas cx-main">')
    if "expanded" in svgs:
        body.append(f'<div class="cx-variant cx-var-expanded">{svgs["expanded"]}</div>')
    body.append(f'<div class="cx-variant cx-var-collapsed">{svgs["collapsed"]}</div>')
    body.append("</div>")
    if p.get("nested_svgs"):
        body.append('<div class="cx-nested">')
        for ns in p["nested_svgs"]:
            body.append(f'<details><summary>nested jaxpr: {esc(ns["label"])}</summary>'
                        f'<div class="cx-canvas">{ns["svg"]}</div></details>')
        body.append("</div>")
    body.append('<div class="cx-note">drag to pan · ctrl+wheel to zoom · hover a node for its '
                "equation and source line</div>")
    return page("graph", uid, _CSS, "".join(body), _SCRIPT)
