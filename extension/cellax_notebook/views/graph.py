"""GraphView: the data-flow graph of a jaxpr, drawn with graphviz or a built-in layout.

Nodes are the jaxpr's inputs, constants, equations, literals and outputs; an edge is a
variable flowing from where it is made to where it is read. An equation carrying a
jaxpr in its params (jit, remat, custom_jvp_call, cond, scan, while, ...) is either one
node ("collapsed", drawn with a double border) or a cluster holding its jaxpr's graph
("expanded"). For call-like equations (the inner jaxpr takes the operands and gives the
results one to one, as `jit` does) the data flows straight through the cluster; other
nested jaxprs hang off their equation with their own input and output nodes.

Rendering: with graphviz's `dot` on PATH the graph is laid out by `dot -Tsvg`; without
it, by a small layered (Sugiyama-style) layout in Python: longest-path layers, dummy
nodes on long edges, barycenter ordering, drawn as inline SVG. The fallback shows nested
jaxprs collapsed, each one drawn on its own in a collapsible section below.

Forward and backward parts of a derivative (`derivative=True`): an equation is
*backward* when it is part of the pullback, found in this order:

1. `cotangent_invars=[i, ...]` given explicitly: those inputs are cotangent seeds; an
   equation is backward when it reads a seed or a backward result (transitively).
2. Name stacks: cellax's backward pass stages its equations under the name stack
   "transpose" (as JAX does); when any equation carries it, exactly those are backward.
3. Otherwise the pullback is found from the shape reverse mode gives a jaxpr (linearize,
   then transpose: the primal computation is traced first, the pullback after it):
   the primal computation ends at the last *dead* equation (its results unused: `grad`
   drops the primal output, printed `_`), or, when nothing is dead and there are several
   outputs (`value_and_grad`), at the first equation producing an output. After that
   point an equation is backward when it reads the cotangent seed - a literal (the
   `1.0` that `grad` seeds with, or a zero made by a transpose rule), an input first
   read after that point (a `vjp` cotangent argument), or a backward result; equations
   after it that only read primal values (late residuals, e.g. `cos x`) stay forward.
   When no such point exists at the top level (e.g. `jit(grad(f))`), the rule is
   applied inside each nested jaxpr.

Everything else is forward. Edges from a forward node into a backward one carry
residuals and are drawn dashed; literal `1` operands that start the backward pass are
marked as the seed.
"""
from __future__ import annotations

import re
import shutil
import subprocess

from cellax.core import DropVar, Literal
from cellax.pretty import pp_eqn, pp_literal

from cellax_notebook.views import _jaxpr
from cellax_notebook.views._base import PAYLOAD_VERSION, View, esc, new_uid, page

MAX_NODES = 400          # beyond this the expanded view is not drawn / the graph is cut
INLINE_LITERALS_OVER = 150   # more nodes: literals go into their equation's label
FAST_DOT_OVER = 120      # more nodes: cheaper crossing minimisation in dot
DOT_TIMEOUT = 20.0       # seconds
_LABEL_MAX = 36


# ---------------------------------------------------------------------------------------
# Forward / backward classification


def _dead_eqns(jaxpr) -> list[int]:
    used = {v for v in jaxpr.outvars if _jaxpr.is_var(v)}
    for e in jaxpr.eqns:
        used.update(v for v in e.invars if _jaxpr.is_var(v))
    return [i for i, e in enumerate(jaxpr.eqns)
            if e.outvars and all(isinstance(v, DropVar) or v not in used for v in e.outvars)]


def _is_one(lit) -> bool:
    try:
        import numpy as np
        return bool(np.all(np.asarray(lit.val) == 1))
    except Exception:  # noqa: BLE001
        return False


def classify(jaxpr, cotangent_invars=None) -> tuple[dict, str, set] | None:
    """({id(eqn): "forward" | "backward"}, rule, seed inputs) for one jaxpr level, or
    None when the rule finds no backward part there."""
    jaxpr = _jaxpr.as_jaxpr(jaxpr)
    eqns = jaxpr.eqns
    if not cotangent_invars and any("transpose" in _jaxpr.name_stack_of(e) for e in eqns):
        parts = {id(e): "backward" if "transpose" in _jaxpr.name_stack_of(e) else "forward"
                 for e in eqns}
        # Seeds: inputs that only the backward part reads (a vjp's cotangent argument).
        read_fwd, read_bwd = set(), set()
        for e in eqns:
            (read_bwd if parts[id(e)] == "backward" else read_fwd).update(
                v for v in e.invars if not hasattr(v, "val"))
        seeds = {v for v in jaxpr.invars if v in read_bwd and v not in read_fwd}
        return parts, "name_stack", seeds
    if cotangent_invars:
        seeds = {jaxpr.invars[i] for i in cotangent_invars}
        seed_invars = set(seeds)
        parts = {}
        for e in eqns:
            bwd = any(_jaxpr.is_var(v) and v in seeds for v in e.invars)
            parts[id(e)] = "backward" if bwd else "forward"
            if bwd:
                seeds.update(e.outvars)
        return parts, "cotangent_invars", seed_invars
    dead = _dead_eqns(jaxpr)
    split = None
    if dead:
        split = dead[-1]
    elif len(jaxpr.outvars) > 1:
        outs = {v for v in jaxpr.outvars if _jaxpr.is_var(v)}
        split = next((i for i, e in enumerate(eqns) if any(v in outs for v in e.outvars)),
                     None)
    if split is None or split >= len(eqns) - 1:
        return None
    first_use: dict = {}
    for i, e in enumerate(eqns):
        for v in e.invars:
            if _jaxpr.is_var(v):
                first_use.setdefault(v, i)
    seed_invars = {v for v in jaxpr.invars if first_use.get(v, -1) > split}
    bvars = set(seed_invars)
    parts = {id(e): "forward" for e in eqns}
    n_bwd = 0
    for e in eqns[split + 1:]:
        reads_var = [v for v in e.invars if _jaxpr.is_var(v)]
        if (any(v in bvars for v in reads_var) or any(type(v) is Literal for v in e.invars)
                or not reads_var):
            parts[id(e)] = "backward"
            bvars.update(e.outvars)
            n_bwd += 1
    if not n_bwd:
        return None
    return parts, "after-primal", seed_invars


def classify_all(closed, cotangent_invars=None) -> tuple[dict, str, set]:
    """Parts for every level: the top level if the rule applies there, else inside."""
    jaxpr = _jaxpr.as_jaxpr(closed)
    r = classify(jaxpr, cotangent_invars)
    if r is not None:
        return r
    parts: dict = {}
    rule = ""
    for e in jaxpr.eqns:
        for _, sub in _jaxpr.sub_jaxprs(e.params):
            p, rl, _ = classify_all(sub)
            parts.update(p)
            rule = rule or rl
    return parts, rule, set()


# ---------------------------------------------------------------------------------------
# The graph model


def _short(s: str, n: int = _LABEL_MAX) -> str:
    return s if len(s) <= n else s[:n - 1] + "…"


def _call_like(eqn, sub) -> bool:
    if len(sub.invars) != len(eqn.invars) or len(sub.outvars) != len(eqn.outvars):
        return False
    ok_in = all(getattr(a, "aval", None) == getattr(b, "aval", None)
                for a, b in zip(sub.invars, eqn.invars))
    ok_out = all(getattr(a, "aval", None) == getattr(b, "aval", None)
                 for a, b in zip(sub.outvars, eqn.outvars))
    return ok_in and ok_out


class Model:
    """Nodes, edges and clusters (plain dicts: they go into the payload as they are)."""

    def __init__(self, names: dict, parts: dict, eqn_ids: dict, derivative: bool):
        self.nodes: list[dict] = []
        self.edges: list[dict] = []
        self.clusters: list[dict] = []
        self.names = names
        self.parts = parts
        self.eqn_ids = eqn_ids
        self.derivative = derivative
        self.n_eqns = 0
        self.truncated = 0
        self.inline_literals = False
        self._node_part: dict = {}

    def name(self, v) -> str:
        return self.names.get(v, "?")

    def binder(self, v) -> str:
        return f"{self.name(v)}:{v.aval.str_short()}"

    def node(self, kind: str, label: str, sub: str = "", *, cluster=None, part=None,
             title: str = "", eqn=None, primitive=None, source=None) -> str:
        nid = f"n{len(self.nodes)}"
        self.nodes.append({"id": nid, "kind": kind, "label": label, "sublabel": sub,
                           "cluster": cluster, "part": part, "title": title,
                           "eqn": eqn, "primitive": primitive, "source": source})
        self._node_part[nid] = part
        return nid

    def edge(self, src: str, dst: str, var: str = "", kind: str = "data", lhead=None):
        ps, pd = self._node_part.get(src), self._node_part.get(dst)
        part = None
        if self.derivative:
            if kind == "nest":
                part = ps if ps in ("forward", "backward") else None
            elif pd in ("backward", "seed"):
                part = "residual" if ps == "forward" else "backward"
            elif ps in ("backward", "seed"):
                part = "backward"
            elif ps == "forward":
                part = "forward"
        self.edges.append({"source": src, "target": dst, "var": var, "kind": kind,
                           "part": part, "lhead": lhead})

    def cluster(self, label: str, parent, part, eqn) -> str:
        cid = f"c{len(self.clusters)}"
        self.clusters.append({"id": cid, "label": label, "parent": parent, "part": part,
                              "eqn": eqn})
        return cid


def build_model(closed, *, expand: bool, derivative: bool, parts: dict,
                max_eqns: int | None = None, seeds: set | None = None,
                inline_literals: bool = False) -> Model:
    jaxpr = _jaxpr.as_jaxpr(closed)
    names = _jaxpr.var_names(closed)
    m = Model(names, parts, _jaxpr.eqn_index(closed), derivative)
    m.inline_literals = inline_literals
    seeds = seeds or set()
    env: dict = {}
    top_part = "forward" if derivative else None
    for v in jaxpr.constvars:
        env[v] = m.node("const", m.name(v), v.aval.str_short(), part=top_part,
                        title=f"constant {m.binder(v)}")
    for i, v in enumerate(jaxpr.invars):
        p = "seed" if v in seeds else top_part
        env[v] = m.node("input", m.name(v), v.aval.str_short(), part=p,
                        title=f"input {i}: {m.binder(v)}" + (" (cotangent seed)"
                                                              if v in seeds else ""))
    budget = [max_eqns if max_eqns is not None else 10**9]
    _add_eqns(m, jaxpr, env, None, None, expand, budget)
    for i, v in enumerate(jaxpr.outvars):
        if type(v) is Literal:
            src = m.node("literal", literal_label(v), part=top_part)
        else:
            src = env.get(v)
        part = m._node_part.get(src) if src else None
        out = m.node("output", f"out {i}", v.aval.str_short(),
                     part=part if part != "seed" else "backward",
                     title=f"output {i}: {m.binder(v) if type(v) is not Literal else ''}")
        if src:
            m.edge(src, out, m.name(v) if type(v) is not Literal else "")
    return m


def literal_label(lit) -> str:
    """A literal's value, short: 0.1 rather than 0.10000000149011612."""
    s = pp_literal(lit, False)
    try:
        f = float(s)
    except ValueError:
        return s
    if "." in s or "e" in s:
        t = f"{f:.6g}"
        return t if ("." in t or "e" in t or "n" in t) else t + ".0"
    return s


def _literal_node(m: Model, lit, cluster, part, seedlike: bool) -> str:
    p = "seed" if seedlike else part
    return m.node("literal", literal_label(lit), cluster=cluster, part=p,
                  title=f"literal {pp_literal(lit)}" + (" (cotangent seed)" if seedlike
                                                         else ""))


def _add_eqns(m: Model, jaxpr, env: dict, cluster, inherited, expand: bool,
              budget: list) -> None:
    for k, eqn in enumerate(jaxpr.eqns):
        if budget[0] <= 0:
            rest = len(jaxpr.eqns) - k
            m.truncated += rest
            m.node("more", f"… {rest} more equations", cluster=cluster,
                   title="not drawn: the graph is too large")
            return
        budget[0] -= 1
        m.n_eqns += 1
        part = m.parts.get(id(eqn), inherited)
        prim = eqn.primitive.name
        eid = m.eqn_ids.get(id(eqn))
        src = _jaxpr.source_of(eqn)
        reads_bwd = any(_jaxpr.is_var(v) and m._node_part.get(env.get(v)) in
                        ("backward", "seed") for v in eqn.invars)
        srcs = []
        inlined = []
        for v in eqn.invars:
            if type(v) is Literal and m.inline_literals:
                inlined.append(literal_label(v))
            elif type(v) is Literal:
                seedlike = (m.derivative and part == "backward" and not reads_bwd
                            and id(eqn) in m.parts and _is_one(v))
                srcs.append((_literal_node(m, v, cluster, part, seedlike), ""))
            else:
                srcs.append((env.get(v), m.name(v)))
        subs = list(_jaxpr.sub_jaxprs(eqn.params))
        name = eqn.params.get("name")
        head = f"{prim} {name}" if name is not None else prim
        try:
            text = pp_eqn(eqn)
        except Exception:  # noqa: BLE001 - a tooltip is not worth failing for
            text = prim
        where = f"\n{_jaxpr.short_file(src['file'])}:{src['line']} ({src['function']})" \
            if src else ""
        outs = " ".join(m.binder(v) for v in eqn.outvars if not isinstance(v, DropVar))
        if subs and expand and len(subs) == 1 and _call_like(eqn, subs[0][1]):
            inner = subs[0][1]
            n_inner = sum(1 for _ in _jaxpr.walk_eqns(inner))
            cid = m.cluster(f"{head} · {n_inner} eqn{'s' if n_inner != 1 else ''}",
                            cluster, part, eid)
            inner_env = {}
            for iv, (s, _) in zip(inner.invars, srcs):
                if s is not None:
                    inner_env[iv] = s
            for cv in inner.constvars:
                inner_env[cv] = m.node("const", m.name(cv), cv.aval.str_short(), cluster=cid,
                                       part=part)
            _add_eqns(m, inner, inner_env, cid, part, expand, budget)
            for ov, iov in zip(eqn.outvars, inner.outvars):
                if type(iov) is Literal:
                    env[ov] = _literal_node(m, iov, cid, part, False)
                elif iov in inner_env:
                    env[ov] = inner_env[iov]
            continue
        kind = "call" if subs else "eqn"
        label = _short(head + "".join(" ·" + t for t in inlined))
        nid = m.node(kind, label, _short(outs.replace(":", ": ")), cluster=cluster, part=part,
                     title=text + where, eqn=eid, primitive=prim, source=src)
        seen = set()
        for s, var in srcs:
            if s is not None and (s, var) not in seen:
                seen.add((s, var))
                m.edge(s, nid, var)
        for v in eqn.outvars:
            env[v] = nid
        if subs and expand:
            for label_, sub in subs:
                cid = m.cluster(f"{prim} {label_}", cluster, part, eid)
                sub_env = {}
                first = None
                for v in [*sub.constvars, *sub.invars]:
                    sub_env[v] = m.node("input", m.name(v), v.aval.str_short(), cluster=cid,
                                        part=part, title=f"{label_} input {m.binder(v)}")
                    first = first or sub_env[v]
                _add_eqns(m, sub, sub_env, cid, part, expand, budget)
                for i, v in enumerate(sub.outvars):
                    o = m.node("output", f"{label_} out {i}", v.aval.str_short(), cluster=cid,
                               part=part)
                    first = first or o
                    if type(v) is Literal:
                        m.edge(_literal_node(m, v, cid, part, False), o)
                    elif v in sub_env:
                        m.edge(sub_env[v], o, m.name(v))
                if first:
                    m.edge(nid, first, "", kind="nest", lhead=cid)


# ---------------------------------------------------------------------------------------
# Rendering with graphviz


_NODE_STYLE = {
    "eqn": 'shape=box style="rounded,filled"',
    "call": 'shape=box style="rounded,filled,bold" peripheries=2',
    "input": 'shape=box style="filled"',
    "const": 'shape=box style="filled,dashed"',
    "output": 'shape=box style="filled"',
    "literal": 'shape=plaintext fontsize=9 height=0.2 margin="0.02,0.0"',
    "more": 'shape=note style="filled"',
}


def _dot_quote(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _html_label(n: dict) -> str:
    lab = esc(n["label"])
    sub = esc(n["sublabel"])
    if n["kind"] == "literal":
        return f"<{lab}>"
    top = f"<B>{lab}</B>" if n["kind"] in ("eqn", "call", "input", "output") else lab
    if sub:
        return f'<{top}<BR/><FONT POINT-SIZE="8.5">{sub}</FONT>>'
    return f"<{top}>"


def node_classes(n: dict) -> str:
    c = f"cx-n cx-k-{n['kind']}"
    if n["part"]:
        c += f" cx-{ {'forward': 'fwd', 'backward': 'bwd', 'seed': 'seed'}[n['part']] }"
    return c


def edge_classes(e: dict) -> str:
    c = f"cx-e cx-ek-{e['kind']}"
    if e["part"]:
        c += f" cx-e-{ {'forward': 'fwd', 'backward': 'bwd', 'residual': 'res'}[e['part']] }"
    return c


def to_dot(m: Model) -> str:
    fast = (" mclimit=0.3 nslimit=3 nslimit1=3 searchsize=15 remincross=false"
            if len(m.nodes) > FAST_DOT_OVER else "")
    lines = ["digraph jaxpr {",
             '  graph [rankdir=TB bgcolor="transparent" nodesep=0.18 ranksep=0.3'
             ' fontname="DejaVu Sans Mono" fontsize=9 margin=0.05 newrank=true' + fast + '];',
             '  node [fontname="DejaVu Sans Mono" fontsize=10 height=0.3 width=0.3'
             ' margin="0.11,0.055" color="#8c959f" fillcolor="#ffffff" fontcolor="#1f2328"];',
             '  edge [arrowsize=0.55 color="#8c959f" penwidth=1.0];']
    by_cluster: dict = {}
    for n in m.nodes:
        by_cluster.setdefault(n["cluster"], []).append(n)
    children: dict = {}
    for c in m.clusters:
        children.setdefault(c["parent"], []).append(c)

    def emit(cluster_id, indent):
        pad = "  " * indent
        for n in by_cluster.get(cluster_id, []):
            lines.append(f'{pad}{n["id"]} [{_NODE_STYLE[n["kind"]]} id="{n["id"]}" '
                         f'class="{node_classes(n)}" label={_html_label(n)}];')
        for c in children.get(cluster_id, []):
            part = {"forward": " cx-fwd", "backward": " cx-bwd"}.get(c["part"] or "", "")
            lines.append(f'{pad}subgraph cluster_{c["id"]} {{')
            lines.append(f'{pad}  id="{c["id"]}"; class="cx-cl{part}"; '
                         f'label={_dot_quote(c["label"])}; labeljust="l"; '
                         'style="rounded,dashed"; color="#8c959f"; fontcolor="#57606a";')
            emit(c["id"], indent + 1)
            lines.append(f"{pad}}}")
    emit(None, 1)
    for e in m.edges:
        attrs = [f'class="{edge_classes(e)}"']
        if e["kind"] == "nest":
            # (no lhead/compound edges: dot 2.43 asserts on some of them)
            attrs.append('style="dotted" arrowhead=none')
        elif e["part"] == "residual":
            attrs.append('style="dashed"')
        lines.append(f'  {e["source"]} -> {e["target"]} [{" ".join(attrs)}];')
    lines.append("}")
    return "\n".join(lines)


_XML_JUNK = re.compile(r"<\?xml[^>]*\?>|<!DOCTYPE[^>]*>|<!--.*?-->", re.S)
_SVG_OPEN = re.compile(r"<svg\b[^>]*>")
_TITLE = re.compile(r"<title>(.*?)</title>", re.S)


def run_dot(dot_src: str, dot_path: str) -> str:
    proc = subprocess.run([dot_path, "-Tsvg"], input=dot_src.encode(), capture_output=True,
                          timeout=DOT_TIMEOUT, check=False)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.decode(errors="replace")[:500])
    return proc.stdout.decode()


def clean_svg(svg: str, m: Model, uid: str) -> str:
    """Graphviz SVG made embeddable: no prolog, ids unique per view, our tooltips."""
    svg = _XML_JUNK.sub("", svg).strip()
    mo = _SVG_OPEN.search(svg)
    if mo is None:
        raise RuntimeError("dot gave no <svg>")
    head = mo.group(0)
    vb = re.search(r'viewBox="([^"]+)"', head)
    w, h = (float(x) for x in vb.group(1).split()[2:4]) if vb else (400.0, 300.0)
    new_head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="cx-svg" '
                f'viewBox="{vb.group(1) if vb else f"0 0 {w} {h}"}" width="{w:.0f}" '
                f'height="{h:.0f}" data-w="{w:.1f}" data-h="{h:.1f}">')
    svg = new_head + svg[mo.end():]
    titles = {n["id"]: n["title"] or f"{n['label']} {n['sublabel']}".strip()
              for n in m.nodes}
    titles.update({f"cluster_{c['id']}": c["label"] for c in m.clusters})
    edge_titles = {f"{e['source']}->{e['target']}": e["var"] for e in m.edges}

    def title(mt):
        raw = mt.group(1).replace("&#45;", "-").replace("&gt;", ">")
        t = titles.get(raw)
        if t is None:
            t = edge_titles.get(raw, "")
        return f"<title>{esc(t)}</title>"
    svg = _TITLE.sub(title, svg)
    svg = svg.replace("&#45;", "-")
    svg = re.sub(r'\bid="([^"]*)"', lambda mm: f'id="cx-{uid}-{mm.group(1)}"', svg)
    # graphviz's own white canvas would hide the theme: drop fills of the root polygon
    svg = re.sub(r'(<g id="cx-[^"]*-graph0" class="graph"[^>]*>\s*(?:<title>.*?</title>\s*)?)'
                 r'<polygon fill="[^"]*" stroke="[^"]*"', r'\1<polygon fill="none" '
                 r'stroke="none"', svg, count=1, flags=re.S)
    svg = svg.replace('font-family="DejaVu Sans Mono"',
                      "font-family=\"'DejaVu Sans Mono', Menlo, Consolas, monospace\"")
    # links graphviz wraps around nodes with tooltips carry no href: make them plain groups
    svg = re.sub(r'<a xlink:title="[^"]*">', "<g>", svg).replace("</a>", "</g>")
    return svg


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


# ---------------------------------------------------------------------------------------
# The view


class GraphView(View):
    """The data-flow graph of a jaxpr; forward and backward parts of a derivative."""

    view = "graph"

    def __init__(self, closed_jaxpr, *, title: str = "", derivative: bool = False,
                 cotangent_invars=None, max_nodes: int = MAX_NODES):
        self.closed_jaxpr = closed_jaxpr
        self.title = title
        self.derivative = derivative or bool(cotangent_invars)
        self.cotangent_invars = list(cotangent_invars or [])
        self.max_nodes = max_nodes
        self._payload: dict | None = None
        self._uid = new_uid()

    def payload(self) -> dict:
        if self._payload is None:
            self._payload = self._build()
        return self._payload

    def _build(self) -> dict:
        closed = self.closed_jaxpr
        jaxpr = _jaxpr.as_jaxpr(closed)
        parts: dict = {}
        rule = None
        seeds: set = set()
        if self.derivative:
            parts, rule, seeds = classify_all(closed, self.cotangent_invars or None)
        has_nested = any(True for e in jaxpr.eqns for _ in _jaxpr.sub_jaxprs(e.params))
        total_eqns = sum(1 for _ in _jaxpr.walk_eqns(jaxpr))
        dot = shutil.which("dot")
        kw = dict(derivative=self.derivative, parts=parts, seeds=seeds)
        collapsed = build_model(closed, expand=False, **kw)
        if len(collapsed.nodes) > INLINE_LITERALS_OVER:
            kw["inline_literals"] = True
            collapsed = build_model(closed, expand=False, **kw)
        if len(collapsed.nodes) > self.max_nodes:
            collapsed = build_model(closed, expand=False,
                                    max_eqns=max(10, self.max_nodes // 2), **kw)
        expanded = None
        if has_nested:
            expanded = build_model(closed, expand=True, **kw)
            if len(expanded.nodes) > self.max_nodes:
                expanded = None
        notes = []
        svgs: dict = {}
        renderer = "dot" if dot else "layered"
        nested_svgs: list = []
        if dot:
            try:
                svgs["collapsed"] = clean_svg(run_dot(to_dot(collapsed), dot), collapsed,
                                              self._uid + "c")
            except Exception as err:  # noqa: BLE001 - fall back rather than fail
                renderer = "layered"
                notes.append(f"graphviz failed ({str(err).strip()[:120]}); "
                             "showing the built-in layout")
        if renderer == "dot" and expanded is not None:
            try:
                svgs["expanded"] = clean_svg(run_dot(to_dot(expanded), dot), expanded,
                                             self._uid + "e")
            except Exception as err:  # noqa: BLE001
                expanded = None
                notes.append(f"graphviz could not draw the nested jaxprs expanded "
                             f"({str(err).strip()[:100]})")
        if renderer == "layered":
            svgs["collapsed"] = layered_svg(collapsed, self._uid + "c")
            if has_nested:
                nested_svgs = self._nested_layered(jaxpr, parts, seeds)
            if not dot:
                notes.append("graphviz (dot) not found: built-in layered layout; install "
                             "graphviz for a tidier drawing")
        if collapsed.truncated:
            notes.append(f"large graph: drawing the first {collapsed.n_eqns} of "
                         f"{len(jaxpr.eqns)} top-level equations")
        if has_nested and expanded is None and renderer == "dot" and not any(
                "could not draw" in n for n in notes):
            notes.append(f"nested jaxprs shown collapsed: expanded, the graph would have "
                         f"more than {self.max_nodes} nodes")
        default = "collapsed"
        if "expanded" in svgs and (total_eqns <= 60 or (self.derivative and not any(
                id(e) in parts for e in jaxpr.eqns))):
            default = "expanded"
        model = expanded if default == "expanded" and expanded is not None else collapsed
        counts = {"forward": 0, "backward": 0}

        def count(j, inherited):
            for e in j.eqns:
                p = parts.get(id(e), inherited)
                if p in counts:
                    counts[p] += 1
                for _, sub in _jaxpr.sub_jaxprs(e.params):
                    count(sub, p)
        count(jaxpr, None)
        return {
            "version": PAYLOAD_VERSION, "view": "graph", "title": self.title,
            "derivative": self.derivative, "renderer": renderer, "default": default,
            "nodes": model.nodes, "edges": model.edges, "clusters": model.clusters,
            "stats": {"eqns": total_eqns, "top_level_eqns": len(jaxpr.eqns),
                      "inputs": len(jaxpr.invars), "outputs": len(jaxpr.outvars),
                      "nodes": len(model.nodes), "edges": len(model.edges),
                      "drawn_eqns": model.n_eqns, "truncated": bool(model.truncated)},
            "classification": ({"rule": rule, "forward_eqns": counts["forward"],
                                "backward_eqns": counts["backward"]}
                               if self.derivative else None),
            "notes": notes, "svg": svgs, "nested_svgs": nested_svgs,
            "jaxpr_text": str(closed),
        }

    def _nested_layered(self, jaxpr, parts, seeds) -> list:
        """Fallback drawing of each nested jaxpr on its own (collapsible sections)."""
        out = []
        ids = _jaxpr.eqn_index(jaxpr)
        names = _jaxpr.var_names(jaxpr)
        for eqn, depth in _jaxpr.walk_eqns(jaxpr):
            for label, sub in _jaxpr.sub_jaxprs(eqn.params):
                if len(out) >= 12:
                    return out
                part = parts.get(id(eqn))
                sub_parts = {id(e): parts.get(id(e), part) for e in sub.eqns}
                m = _sub_model(sub, names, sub_parts, self.derivative, part)
                name = eqn.params.get("name")
                out.append({"eqn": ids.get(id(eqn)), "depth": depth,
                            "label": f"{eqn.primitive.name}{' ' + str(name) if name else ''}"
                                     f" · {label}",
                            "svg": layered_svg(m, f"{self._uid}s{len(out)}")})
        return out

    def to_text(self) -> str:
        p = self.payload()
        s = p["stats"]
        lines = [f"GraphView{': ' + p['title'] if p['title'] else ''} — {s['eqns']} "
                 f"equations, {s['inputs']} inputs, {s['outputs']} outputs"]
        if p["classification"]:
            c = p["classification"]
            lines.append(f"derivative: {c['forward_eqns']} forward, {c['backward_eqns']} "
                         f"backward equations (rule: {c['rule'] or 'none found'})")
        lines.extend(p["notes"])
        lines.append(p["jaxpr_text"])
        return "\n".join(lines)

    def to_html(self) -> str:
        return render_html(self.payload())


def _sub_model(sub, names, parts, derivative, part) -> Model:
    """A nested jaxpr's own graph, named as the whole jaxpr's printout names it."""
    jx = _jaxpr.as_jaxpr(sub)
    out = Model(names, parts, {}, derivative)
    env = {}
    for v in [*jx.constvars, *jx.invars]:
        env[v] = out.node("input", out.name(v), v.aval.str_short(), part=part)
    _add_eqns(out, jx, env, None, part, False, [MAX_NODES // 3])
    for i, v in enumerate(jx.outvars):
        src = env.get(v) if type(v) is not Literal else out.node("literal",
                                                                 literal_label(v))
        o = out.node("output", f"out {i}", v.aval.str_short(),
                     part=out._node_part.get(src))
        if src:
            out.edge(src, o, out.name(v) if type(v) is not Literal else "")
    return out


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
