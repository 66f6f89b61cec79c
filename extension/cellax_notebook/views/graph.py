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

This module holds the classification, graphviz rendering and the view; the graph model
is in `_graph_model`, the fallback layout in `_graph_layout`, the HTML in `_graph_html`.
"""
from __future__ import annotations

import re
import shutil
import subprocess

from cellax.core import DropVar, Literal

from cellax_notebook.views import _jaxpr
from cellax_notebook.views._base import PAYLOAD_VERSION, View, esc, new_uid
from cellax_notebook.views._graph_html import render_html
from cellax_notebook.views._graph_layout import layered_layout, layered_svg  # noqa: F401
from cellax_notebook.views._graph_model import (  # noqa: F401 - some only kept importable here
    Model, _add_eqns, build_model, edge_classes, literal_label, node_classes)

MAX_NODES = 400          # beyond this the expanded view is not drawn / the graph is cut
INLINE_LITERALS_OVER = 150   # more nodes: literals go into their equation's label
FAST_DOT_OVER = 120      # more nodes: cheaper crossing minimisation in dot
DOT_TIMEOUT = 20.0       # seconds


# ---------------------------------------------------------------------------------------
# Forward / backward classification


def _dead_eqns(jaxpr) -> list[int]:
    used = {v for v in jaxpr.outvars if _jaxpr.is_var(v)}
    for e in jaxpr.eqns:
        used.update(v for v in e.invars if _jaxpr.is_var(v))
    return [i for i, e in enumerate(jaxpr.eqns)
            if e.outvars and all(isinstance(v, DropVar) or v not in used for v in e.outvars)]


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
