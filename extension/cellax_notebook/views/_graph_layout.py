"""Drawing a graph model without graphviz: a small layered (Sugiyama-style) layout and its
inline SVG (see `graph` for the method). Split out of `graph`, which imports these back."""
from __future__ import annotations

from cellax_notebook.views._base import esc
from cellax_notebook.views._graph_model import Model, edge_classes, node_classes


# ---------------------------------------------------------------------------------------
# Rendering without graphviz: a layered layout


_CHAR_W = 6.4     # px per character at 10.5px monospace
_NODE_H = 34
_LIT_H = 16
_LAYER_GAP = 30
_NODE_GAP = 14
_MAX_SPAN = 6      # longest edge routed through dummy nodes


def _node_size(n: dict) -> tuple[float, float]:
    if n is None:
        return 4.0, 0.0
    if n["kind"] == "literal":
        return max(len(n["label"]), 2) * _CHAR_W * 0.9 + 6, _LIT_H
    chars = max(len(n["label"]), len(n["sublabel"]) * 0.88)
    h = _NODE_H if n["sublabel"] else 22
    return chars * _CHAR_W + 18, h


def _place_row(row: list, want: list, width: dict) -> list:
    """Centres as close to `want` as the order and the gaps allow (two-sided push)."""
    n = len(row)
    if not n:
        return []
    sep = [(width[row[i - 1]] + width[row[i]]) / 2 + _NODE_GAP for i in range(1, n)]
    left = list(want)
    for i in range(1, n):
        left[i] = max(want[i], left[i - 1] + sep[i - 1])
    right = list(want)
    for i in range(n - 2, -1, -1):
        right[i] = min(want[i], right[i + 1] - sep[i])
    mid = [(a + b) / 2 for a, b in zip(left, right)]
    for i in range(1, n):
        mid[i] = max(mid[i], mid[i - 1] + sep[i - 1])
    return mid


def layered_layout(m: Model) -> dict:
    """Positions: {"nodes": {id: (cx, cy, w, h)}, "edges": [(edge index, points)], size}.

    Longest-path layers (constant subgraphs placed as late as possible, outputs in the
    bottom row), dummy nodes on edges spanning up to `_MAX_SPAN` layers (longer ones are
    drawn as free curves: routing them would make every row wide), barycenter ordering
    sweeps, then centres pulled towards the neighbours without overlaps."""
    ids = [n["id"] for n in m.nodes]
    nodes = {n["id"]: n for n in m.nodes}
    edges = [(e["source"], e["target"], i) for i, e in enumerate(m.edges)
             if e["kind"] != "nest" and e["source"] in nodes and e["target"] in nodes]
    preds: dict = {i: [] for i in ids}
    succs: dict = {i: [] for i in ids}
    for s, t, _ in edges:
        preds[t].append(s)
        succs[s].append(t)
    layer: dict = {}
    varying: dict = {}
    for i in ids:  # nodes are created in topological order
        layer[i] = 1 + max((layer[p] for p in preds[i]), default=-1) if preds[i] else 0
        varying[i] = nodes[i]["kind"] in ("input", "const") or any(varying[p] for p in preds[i])
    # constant subgraphs (literals, iota, the cotangent seed) sit just above their use
    for i in reversed(ids):
        if not varying[i] and succs[i] and nodes[i]["kind"] != "output":
            layer[i] = max(layer[i], min(layer[s] for s in succs[i]) - 1)
    inner = [layer[i] for i in ids if nodes[i]["kind"] != "output"]
    last = max(inner, default=-1) + 1
    for i in ids:
        if nodes[i]["kind"] == "output":
            layer[i] = last
    n_layers = max(layer.values(), default=0) + 1
    rows: list[list] = [[] for _ in range(n_layers)]
    for i in ids:
        rows[layer[i]].append(i)
    up: dict = {i: [] for i in ids}
    down: dict = {i: [] for i in ids}
    chains = []
    n_dummy = 0
    for s, t, ei in edges:
        ls, lt = layer[s], layer[t]
        chain = [s]
        if 1 < lt - ls <= _MAX_SPAN:
            prev = s
            for lay in range(ls + 1, lt):
                d = f"d{n_dummy}"
                n_dummy += 1
                rows[lay].append(d)
                up[d], down[d] = [prev], []
                down[prev].append(d)
                chain.append(d)
                prev = d
            up[t].append(prev)
            down[prev].append(t)
        elif lt - ls == 1:
            up[t].append(s)
            down[s].append(t)
        chain.append(t)
        chains.append((ei, chain))
    pos: dict = {}
    for row in rows:
        for k, v in enumerate(row):
            pos[v] = k
    for sweep in range(8):
        downward = sweep % 2 == 0
        nb = up if downward else down
        for lay in (range(1, n_layers) if downward else range(n_layers - 2, -1, -1)):
            def key(v, nb=nb):
                ns = nb.get(v, [])
                return sum(pos[u] for u in ns) / len(ns) if ns else pos[v]
            rows[lay].sort(key=key)
            for k, v in enumerate(rows[lay]):
                pos[v] = k
    width = {}
    size = {}
    for row in rows:
        for v in row:
            size[v] = _node_size(nodes.get(v))
            width[v] = size[v][0]
    x: dict = {}
    for row in rows:
        for v, c in zip(row, _place_row(row, [0.0] * len(row), width)):
            x[v] = c
    for it in range(8):
        downward = it % 2 == 0
        nb = up if downward else down
        for lay in (range(1, n_layers) if downward else range(n_layers - 2, -1, -1)):
            row = rows[lay]
            want = []
            for v in row:
                ns = nb.get(v, [])
                want.append(sum(x[u] for u in ns) / len(ns) if ns else x[v])
            for v, c in zip(row, _place_row(row, want, width)):
                x[v] = c
    minx = min((x[v] - width[v] / 2 for v in x), default=0)
    for v in x:
        x[v] += 8 - minx
    y: dict = {}
    cur = 8.0
    for row in rows:
        hmax = max((size[v][1] for v in row), default=0)
        for v in row:
            y[v] = cur + hmax / 2
        cur += hmax + _LAYER_GAP
    total_w = max((x[v] + width[v] / 2 for v in x), default=100) + 8
    total_h = cur - _LAYER_GAP + 8
    out_edges = []
    for ei, chain in chains:
        pts = []
        for k, v in enumerate(chain):
            cy, h = y[v], size[v][1]
            if k == 0:
                pts.append((x[v], cy + h / 2))
            elif k == len(chain) - 1:
                pts.append((x[v], cy - h / 2))
            else:
                pts.append((x[v], cy - h / 2))
                pts.append((x[v], cy + h / 2))
        out_edges.append((ei, pts))
    return {"nodes": {i: (x[i], y[i], width[i], size[i][1]) for i in ids},
            "edges": out_edges, "width": total_w, "height": total_h}


def layered_svg(m: Model, uid: str) -> str:
    lay = layered_layout(m)
    w, h = lay["width"], lay["height"]
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="cx-svg" viewBox="0 0 {w:.1f} '
           f'{h:.1f}" width="{w:.0f}" height="{h:.0f}" data-w="{w:.1f}" data-h="{h:.1f}" '
           'font-family="DejaVu Sans Mono, Menlo, Consolas, monospace">',
           "<defs>" + "".join(
               f'<marker id="cx-{uid}-arrow{k}" viewBox="0 0 10 10" refX="9" refY="5" '
               'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
               f'<path class="cx-arrow{k}" d="M 0 0 L 10 5 L 0 10 z"/></marker>'
               for k in ("", "-fwd", "-bwd")) + "</defs>"]
    for ei, pts in lay["edges"]:
        e = m.edges[ei]
        d = f"M {pts[0][0]:.1f} {pts[0][1]:.1f}"
        for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
            if abs(x1 - x0) < 0.5 or abs(y1 - y0) < 0.5:
                d += f" L {x1:.1f} {y1:.1f}"
            else:
                my = (y0 + y1) / 2
                d += f" C {x0:.1f} {my:.1f} {x1:.1f} {my:.1f} {x1:.1f} {y1:.1f}"
        dash = ' stroke-dasharray="4 3"' if e["part"] == "residual" else ""
        mk = {"forward": "-fwd", "backward": "-bwd"}.get(e["part"] or "", "")
        out.append(f'<g class="edge {edge_classes(e)}"><title>{esc(e["var"])}</title>'
                   f'<path d="{d}" fill="none" stroke="#8c959f"{dash} '
                   f'marker-end="url(#cx-{uid}-arrow{mk})"/></g>')
    for n in m.nodes:
        cx, cy, nw, nh = lay["nodes"][n["id"]]
        x0, y0 = cx - nw / 2, cy - nh / 2
        title = esc(n["title"] or f"{n['label']} {n['sublabel']}".strip())
        out.append(f'<g class="node {node_classes(n)}" id="cx-{uid}-{n["id"]}">'
                   f"<title>{title}</title>")
        if n["kind"] != "literal":
            rx = {"eqn": 6, "call": 6, "more": 2}.get(n["kind"], 0)
            dash = ' stroke-dasharray="3 2"' if n["kind"] == "const" else ""
            sw = 2.2 if n["kind"] == "call" else 1
            out.append(f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{nw:.1f}" height="{nh:.1f}" '
                       f'rx="{rx}" fill="#ffffff" stroke="#8c959f" stroke-width="{sw}"{dash}/>')
        if n["sublabel"]:
            out.append(f'<text x="{cx:.1f}" y="{cy - 3:.1f}" text-anchor="middle" '
                       f'font-size="10.5" font-weight="bold">{esc(n["label"])}</text>'
                       f'<text x="{cx:.1f}" y="{cy + 10:.1f}" text-anchor="middle" '
                       f'font-size="9" class="cx-subl">{esc(n["sublabel"])}</text>')
        else:
            fs = 9 if n["kind"] == "literal" else 10.5
            fw = ' font-weight="bold"' if n["kind"] in ("eqn", "call", "input", "output") \
                else ""
            out.append(f'<text x="{cx:.1f}" y="{cy + 3.5:.1f}" text-anchor="middle" '
                       f'font-size="{fs}"{fw}>{esc(n["label"])}</text>')
        out.append("</g>")
    out.append("</svg>")
    return "".join(out)
