"""IRView: a jaxpr with its StableHLO, optimized HLO and XLA cost, cross-linked.

Each jaxpr equation and each StableHLO op / HLO instruction gets a link key from
(primitive, file, line): the equation's `source_info` and primitive name, the op's
MLIR location `loc("<primitive>"("<file>":<line>:0))`, the instruction's metadata
frame. Hovering (or clicking, to pin) any of them highlights all with the same key and
the source line, and the status line says where it came from. Two equations of the same
primitive on the same source line share a key, so they highlight together.
"""
from __future__ import annotations

from typing import Any

from cellax_notebook.views import _jaxpr
from cellax_notebook.views._base import (PAYLOAD_VERSION, View, esc, fmt_bytes, fmt_si,
                                         json_for_script, new_uid, page)
from cellax_notebook.views._hlo import (highlight_eqn, highlight_hlo, highlight_jaxpr,
                                        highlight_stablehlo, parse_hlo, parse_stablehlo)

MAX_TEXT_LINES = 4000      # StableHLO / HLO lines rendered in HTML (the payload has all)
MAX_HTML_EQNS = 3000       # jaxpr equations rendered in HTML
COLLAPSE_NESTED_OVER = 80  # more equations than this: nested jaxprs start collapsed
_UNLINKED = {"literal", "constant", "return", None}

_COST_LABELS = [
    ("flops", "FLOPs", "si"),
    ("transcendentals", "transcendental ops", "si"),
    ("bytes accessed", "bytes accessed", "bytes"),
    ("optimal_seconds", "optimal time (model)", "s"),
]
_MEMORY_FIELDS = [
    ("argument_size_in_bytes", "arguments"),
    ("output_size_in_bytes", "outputs"),
    ("alias_size_in_bytes", "aliased"),
    ("temp_size_in_bytes", "temporaries"),
    ("generated_code_size_in_bytes", "generated code"),
]


def _memory_dict(memory) -> dict | None:
    if memory is None:
        return None
    if isinstance(memory, dict):
        return {k: v for k, v in memory.items() if isinstance(v, (int, float))}
    out = {}
    for name in dir(memory):
        if name.endswith("_in_bytes"):
            v = getattr(memory, name, None)
            if isinstance(v, (int, float)):
                out[name] = v
    return out or None


def _cost_dict(cost) -> dict | None:
    if cost is None:
        return None
    if isinstance(cost, (list, tuple)):  # older APIs: one dict per device
        cost = cost[0] if cost else {}
    return {str(k): float(v) for k, v in dict(cost).items() if isinstance(v, (int, float))}


class IRView(View):
    """Tabs for the jaxpr, StableHLO, optimized HLO and XLA's cost estimates."""

    view = "ir"

    def __init__(self, closed_jaxpr, *, lowered_text: str | None = None,
                 optimized_hlo: str | None = None, cost: Any = None, title: str = "",
                 memory: Any = None):
        self.closed_jaxpr = closed_jaxpr
        self.lowered_text = lowered_text
        self.optimized_hlo = optimized_hlo
        self.cost = _cost_dict(cost)
        self.memory = _memory_dict(memory)
        self.title = title
        self._payload: dict | None = None

    @classmethod
    def from_function(cls, fun, *args, **kwargs) -> IRView:
        """Trace, lower and compile `fun(*args, **kwargs)` and show every stage (titled
        with the function's name; set `.title` to change it)."""
        import cellax
        closed = cellax.make_jaxpr(fun)(*args, **kwargs)
        lowered = cellax.jit(fun).lower(*args, **kwargs)
        text = lowered.as_text(debug_info=True)
        compiled = lowered.compile()
        try:
            cost = compiled.cost_analysis()
        except Exception:  # noqa: BLE001 - some backends have no cost model
            cost = None
        try:
            memory = compiled.memory_analysis()
        except Exception:  # noqa: BLE001
            memory = None
        name = getattr(fun, "__name__", "") or type(fun).__name__
        return cls(closed, lowered_text=text, optimized_hlo=compiled.as_text(), cost=cost,
                   memory=memory, title=name)

    # -------------------------------------------------------------------------------
    # Payload

    def payload(self) -> dict:
        if self._payload is None:
            self._payload = self._build()
        return self._payload

    def _build(self) -> dict:
        root = _jaxpr.structure(self.closed_jaxpr)
        links: dict = {}
        keys: dict = {}
        sources: dict = {}
        src_ids: dict = {}

        def src_id(file, line, function):
            k = (file, line)
            if k not in src_ids:
                sid = f"s{len(src_ids)}"
                src_ids[k] = sid
                sources[sid] = {"file": file, "short": _jaxpr.short_file(file), "line": line,
                                "function": function,
                                "text": _jaxpr.source_line(file, line) if line else ""}
            return src_ids[k]

        for e in _jaxpr.iter_nodes(root):
            src = e["source"]
            e["link"] = e["src"] = None
            if src is None:
                continue
            e["src"] = src_id(src["file"], src["line"], src["function"])
            key = (e["primitive"], src["file"], src["line"])
            lk = keys.get(key)
            if lk is None:
                lk = keys[key] = f"k{len(keys)}"
                links[lk] = {"primitive": e["primitive"], "file": src["file"],
                             "line": src["line"], "function": src["function"],
                             "source": e["src"], "eqns": [], "stablehlo": [], "hlo": []}
            links[lk]["eqns"].append(e["id"])
            e["link"] = lk

        def link_of(loc):
            if not loc or loc.get("name") in _UNLINKED:
                return None
            return keys.get((loc.get("name"), loc.get("file"), loc.get("line")))

        stablehlo = None
        if self.lowered_text:
            text, ops = parse_stablehlo(self.lowered_text)
            for op in ops:
                op["link"] = link_of(op["loc"])
                if op["link"]:
                    links[op["link"]]["stablehlo"].append(op["line"])
            stablehlo = {"text": text, "ops": ops}
        hlo = None
        if self.optimized_hlo:
            instrs = parse_hlo(self.optimized_hlo)
            for ins in instrs:
                ins["link"] = link_of(ins["loc"])
                if ins["link"]:
                    links[ins["link"]]["hlo"].append(ins["line"])
            hlo = {"text": self.optimized_hlo, "instructions": instrs}
        return {"version": PAYLOAD_VERSION, "view": "ir", "title": self.title,
                "jaxpr": {"text": str(self.closed_jaxpr), "root": root},
                "stablehlo": stablehlo, "optimized_hlo": hlo, "cost": self.cost,
                "memory": self.memory, "links": links, "sources": sources}

    # -------------------------------------------------------------------------------
    # Text and HTML

    def to_text(self) -> str:
        return str(self.closed_jaxpr)

    def to_html(self) -> str:
        return render_html(self.payload())


# ---------------------------------------------------------------------------------------
# HTML


_CSS = """
.cx-ir > input { display: none; }
.cx-ir .cx-tabs { display: flex; align-items: flex-end; gap: 2px;
  border-bottom: 1px solid var(--cx-border); margin-bottom: 0; }
.cx-ir .cx-tabs label { padding: 3px 10px; cursor: pointer; color: var(--cx-fg2);
  border: 1px solid transparent; border-bottom: 2px solid transparent; user-select: none; }
.cx-ir .cx-tabs label:hover { color: var(--cx-fg); }
.cx-ir .cx-tabs .cx-spacer { flex: 1; }
.cx-ir .cx-tabs label.cx-splitlbl { border: 1px solid var(--cx-border); border-radius: 3px;
  padding: 0 8px; margin-bottom: 3px; font-size: 12px; }
.cx-ir .cx-splitcb:checked ~ .cx-tabs label.cx-splitlbl { background: var(--cx-accent-bg);
  color: var(--cx-fg); border-color: var(--cx-accent); }
.cx-ir .cx-pane { display: none; max-height: 460px; overflow: auto;
  background: var(--cx-bg); padding: 4px 0; }
.cx-ir .cx-panes { border-bottom: 1px solid var(--cx-border); }
.cx-ir .cx-splitcb:checked ~ .cx-panes { display: flex; gap: 0; }
.cx-ir .cx-splitcb:checked ~ .cx-panes > .cx-pane { flex: 1 1 50%; min-width: 0; }
.cx-ir .cx-splitcb:checked ~ .cx-panes > .cx-pane-jaxpr { display: block;
  border-right: 1px solid var(--cx-border); }
.cx-ir .cx-code { font-family: var(--cx-code-font); font-size: 12px; line-height: 1.45; }
.cx-ir .cx-l { white-space: pre; padding-right: 8px; min-height: 1.45em;
  border-left: 3px solid transparent; }
.cx-ir .cx-l[data-k], .cx-ir .cx-l[data-s] { cursor: pointer; }
.cx-ir .cx-l[data-k]:hover, .cx-ir summary[data-k]:hover { background: var(--cx-bg2); }
.cx-ir .cx-hl, .cx-ir .cx-hl:hover { background: var(--cx-hl) !important; color: var(--cx-hl-fg);
  border-left-color: var(--cx-accent); }
.cx-ir .cx-hl2 { background: var(--cx-accent-bg) !important; border-left-color: var(--cx-accent); }
.cx-ir .cx-hl span, .cx-ir .cx-hl2 span { color: inherit; }
.cx-ir details.cx-nest > summary { list-style: none; display: block; }
.cx-ir details.cx-nest > summary::-webkit-details-marker { display: none; }
.cx-ir .cx-tw { display: inline-block; width: 2ch; margin-left: -2ch; color: var(--cx-fg2);
  text-align: left; }
.cx-ir details.cx-nest > summary .cx-tw::before { content: "▸"; }
.cx-ir details.cx-nest[open] > summary .cx-tw::before { content: "▾"; }
.cx-ir .cx-ln { color: var(--cx-fg3); display: inline-block; min-width: 4ch; text-align: right;
  margin-right: 1.5ch; user-select: none; }
.cx-ir .cx-status { min-height: 1.6em; padding: 3px 2px; font-size: 12px; color: var(--cx-fg2);
  white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.cx-ir .cx-status b { color: var(--cx-prim); }
.cx-ir .cx-status code { color: var(--cx-fg); background: var(--cx-bg2); padding: 0 4px;
  border-radius: 2px; }
.cx-ir .cx-srcs { font-size: 12px; }
.cx-ir .cx-srcs > summary { color: var(--cx-fg2); }
.cx-ir .cx-srcfile { color: var(--cx-fg2); margin-top: 2px; }
.cx-ir .cx-costnote { color: var(--cx-fg2); font-size: 12px; padding: 4px 0; }
.cx-ir .cx-pad { padding: 4px 8px; }
"""

_SCRIPT = r"""
var data = JSON.parse(root.querySelector('script.cx-data').textContent);
var status = root.querySelector('.cx-status'), dflt = status.innerHTML, pinned = null;
function esc(s) { return String(s).replace(/[&<>"]/g, function (c) {
  return {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;'}[c]; }); }
function clear() {
  var hs = root.querySelectorAll('.cx-hl, .cx-hl2');
  for (var i = 0; i < hs.length; i++) {
    hs[i].classList.remove('cx-hl'); hs[i].classList.remove('cx-hl2');
  }
}
function mark(sel, cls) {
  var els = root.querySelectorAll(sel);
  for (var i = 0; i < els.length; i++) els[i].classList.add(cls);
  return els;
}
function plural(n, w) { return n + ' ' + w + (n === 1 ? '' : 's'); }
function show(el) {
  clear();
  var k = el.getAttribute('data-k'), s = el.getAttribute('data-s');
  var info = k ? data.links[k] : null;
  if (!s && info) s = info.source;
  if (k) mark('[data-k="' + k + '"]', 'cx-hl');
  if (s) mark('.cx-srcs [data-s="' + s + '"]', 'cx-hl2');
  el.classList.add('cx-hl');
  var src = s ? data.sources[s] : null, parts = [];
  if (info) parts.push('<b>' + esc(info.primitive) + '</b>');
  if (src) parts.push(esc(src.short + ':' + src.line)
    + (src.function ? ' in ' + esc(src.function) : '')
    + (src.text ? ' <code>' + esc(src.text.trim()) + '</code>' : ''));
  if (info) parts.push(plural(info.eqns.length, 'equation') + ', ' +
    plural(info.stablehlo.length, 'StableHLO op') + ', ' +
    plural(info.hlo.length, 'HLO instruction'));
  status.innerHTML = parts.join(' &nbsp;·&nbsp; ') || dflt;
}
function reveal() {
  var panes = root.querySelectorAll('.cx-pane');
  for (var i = 0; i < panes.length; i++) {
    var p = panes[i], h = p.querySelector('.cx-hl, .cx-hl2');
    if (!h || !p.offsetParent) continue;
    var top = h.getBoundingClientRect().top - p.getBoundingClientRect().top + p.scrollTop;
    if (top < p.scrollTop || top > p.scrollTop + p.clientHeight - 20)
      p.scrollTop = Math.max(0, top - 40);
  }
}
function target(e) { var el = e.target.closest ? e.target.closest('[data-k], [data-s]') : null;
  return el && root.contains(el) ? el : null; }
root.addEventListener('mouseover', function (e) {
  if (pinned) return;
  var el = target(e);
  if (el) show(el);
});
root.querySelector('.cx-panes').addEventListener('mouseleave', function () {
  if (!pinned) { clear(); status.innerHTML = dflt; } });
root.addEventListener('click', function (e) {
  var el = target(e);
  if (!el) return;
  if (el.tagName === 'SUMMARY') {  // the triangle folds; the text pins
    if (e.target.classList.contains('cx-tw')) return;
    e.preventDefault();
  }
  if (pinned === el) { pinned = null; clear(); status.innerHTML = dflt; return; }
  pinned = el; show(el);
  status.innerHTML += ' &nbsp;<i>(pinned; click again to release)</i>';
  reveal();
});
var radios = root.querySelectorAll('input[type=radio]');
for (var i = 0; i < radios.length; i++)
  radios[i].addEventListener('change', function () { setTimeout(reveal, 0); });
"""


def _attrs(link, src) -> str:
    a = ""
    if link:
        a += f' data-k="{link}"'
    if src:
        a += f' data-s="{src}"'
    return a


def _outs(outvars) -> str:
    inner = ", ".join(outvars)
    return f"({inner},)" if len(outvars) == 1 else f"({inner})"


def _render_jaxpr(node: dict, indent: int, label: str, out: list, budget: list,
                  open_nested: bool) -> None:
    pad = " " * indent
    consts = " ".join(node["constvars"])
    ins = " ".join(node["invars"])
    head = f"{{ lambda {consts}; {ins}. let" if consts else f"{{ lambda ; {ins}. let"
    lbl = (f'<span class="cx-pn">{esc(label.rstrip("="))}</span>=' if label else "")
    out.append(f'<div class="cx-l">{pad}{lbl}{highlight_jaxpr(head)}</div>')
    eqn_pad = " " * (indent + 4)
    for e in node["eqns"]:
        if budget[0] <= 0:
            out.append(f'<div class="cx-l cx-meta">{eqn_pad}… (more equations: see the '
                       "text/plain output)</div>")
            break
        budget[0] -= 1
        attrs = _attrs(e.get("link"), e.get("src")) + f' data-e="{e["id"]}"'
        text = highlight_eqn(e["text"], e["primitive"])
        if not e["subjaxprs"]:
            text = text.replace("\n", "\n" + eqn_pad)
            out.append(f'<div class="cx-l cx-eqn"{attrs}>{eqn_pad}{text}</div>')
            continue
        out.append(f'<details class="cx-nest"{" open" if open_nested else ""}>'
                   f'<summary class="cx-l cx-eqn"{attrs}>{eqn_pad}<span class="cx-tw">'
                   f"</span>{text}</summary>")
        for s in e["subjaxprs"]:
            lbl = f"{s['label']}="
            if s.get("shared"):
                lbl = f"{s['label']}={s['shared']}="
            _render_jaxpr(s["jaxpr"], indent + 6, lbl, out, budget, open_nested)
        out.append("</details>")
    outs = _outs(node["outvars"])
    out.append(f'<div class="cx-l">{" " * (indent + 2)}{highlight_jaxpr("in " + outs + " }")}'
               "</div>")


def _render_lines(text: str, items: list, highlight, ln_key: str = "line") -> str:
    by_line = {it[ln_key]: it for it in items}
    lines = text.split("\n")
    out = []
    for i, line in enumerate(lines[:MAX_TEXT_LINES]):
        it = by_line.get(i)
        attrs = _attrs(it.get("link"), None) if it else ""
        out.append(f'<div class="cx-l"{attrs}><span class="cx-ln">{i + 1}</span>'
                   f"{highlight(line)}</div>")
    if len(lines) > MAX_TEXT_LINES:
        out.append(f'<div class="cx-l cx-meta">… {len(lines) - MAX_TEXT_LINES} more lines '
                   "(the full text is in the payload)</div>")
    return "".join(out)


def _render_cost(cost: dict | None, memory: dict | None) -> str:
    out = ['<div class="cx-pad">']
    if cost:
        out.append('<div class="cx-costnote">XLA\'s cost model: <b>estimates</b> from the '
                   "optimized HLO, not measurements.</div>")
        out.append('<table class="cx-table"><tr><th>estimate</th><th class="cx-num">value'
                   '</th><th class="cx-num">exact</th></tr>')
        seen = set()
        for key, label, kind in _COST_LABELS:
            if key in cost:
                v = cost[key]
                seen.add(key)
                shown = (fmt_bytes(v) if kind == "bytes" else fmt_si(v) if kind == "si"
                         else f"{v:.3g} s")
                out.append(f"<tr><td>{esc(label)} (est.)</td><td class='cx-num'>{esc(shown)}"
                           f"</td><td class='cx-num'>{esc(f'{v:,.0f}' if v >= 1 else v)}</td>"
                           "</tr>")
        if cost.get("flops") and cost.get("bytes accessed"):
            ai = cost["flops"] / cost["bytes accessed"]
            out.append(f"<tr><td>arithmetic intensity (est.)</td><td class='cx-num'>"
                       f"{ai:.3g} FLOP/B</td><td></td></tr>")
        out.append("</table>")
        rest = {k: v for k, v in cost.items() if k not in seen}
        if rest:
            out.append(f"<details><summary class='cx-note'>all {len(cost)} entries of "
                       "cost_analysis()</summary><table class='cx-table'>")
            for k in sorted(rest):
                out.append(f"<tr><td><code>{esc(k)}</code></td><td class='cx-num'>"
                           f"{esc(f'{rest[k]:g}')}</td></tr>")
            out.append("</table></details>")
    else:
        out.append('<div class="cx-costnote">No cost analysis (compile the function, e.g. '
                   "<code>IRView.from_function(f, *args)</code>).</div>")
    if memory:
        out.append('<div class="cx-costnote" style="margin-top:6px">Memory (from '
                   "memory_analysis()):</div><table class='cx-table'>")
        for key, label in _MEMORY_FIELDS:
            if key in memory:
                out.append(f"<tr><td>{esc(label)}</td><td class='cx-num'>"
                           f"{esc(fmt_bytes(memory[key]))}</td></tr>")
        out.append("</table>")
    out.append("</div>")
    return "".join(out)


def _render_sources(sources: dict) -> str:
    if not sources:
        return ""
    by_file: dict = {}
    for sid, s in sources.items():
        by_file.setdefault(s["file"], []).append((s["line"] or 0, sid, s))
    opened = " open" if len(sources) <= 10 else ""
    out = [f'<details class="cx-srcs"{opened}><summary>source lines ({len(sources)})</summary>'
           '<div class="cx-code">']
    for file, rows in by_file.items():
        out.append(f'<div class="cx-srcfile">{esc(file)}</div>')
        for line, sid, s in sorted(rows, key=lambda r: r[0]):
            fn = f"  # in {s['function']}" if s.get("function") else ""
            out.append(f'<div class="cx-l" data-s="{sid}"><span class="cx-ln">{line}</span>'
                       f'{esc(s["text"])}<span class="cx-meta">{esc(fn)}</span></div>')
    out.append("</div></details>")
    return "".join(out)


def render_html(p: dict) -> str:
    uid = new_uid()
    tabs = [("jaxpr", "jaxpr")]
    if p.get("stablehlo"):
        tabs.append(("shlo", "StableHLO"))
    if p.get("optimized_hlo"):
        tabs.append(("hlo", "optimized HLO"))
    if p.get("cost") or p.get("memory") or p.get("optimized_hlo"):
        tabs.append(("cost", "cost"))
    n_eqns = sum(1 for _ in _jaxpr.iter_nodes(p["jaxpr"]["root"]))
    body = []
    title = p.get("title") or "jaxpr"
    sub = f"{n_eqns} equation{'s' if n_eqns != 1 else ''}"
    if p.get("stablehlo"):
        sub += f" · {len(p['stablehlo']['ops'])} StableHLO ops"
    if p.get("optimized_hlo"):
        sub += f" · {len(p['optimized_hlo']['instructions'])} HLO instructions"
    body.append(f'<div class="cx-head"><span class="cx-title">{esc(title)}</span>'
                f'<span class="cx-sub">{esc(sub)}</span></div>')
    split = len(tabs) > 1
    if split:
        body.append(f'<input type="checkbox" class="cx-splitcb" id="cx-{uid}-split">')
    for i, (key, _) in enumerate(tabs):
        body.append(f'<input type="radio" class="cx-r-{key}" name="cx-{uid}-tab" '
                    f'id="cx-{uid}-{key}"{" checked" if i == 0 else ""}>')
    tab_css = []
    for key, _ in tabs:
        tab_css.append(f"#cx-{uid} .cx-r-{key}:checked ~ .cx-panes > .cx-pane-{key} "
                       "{ display: block; }")
        tab_css.append(f"#cx-{uid} .cx-r-{key}:checked ~ .cx-tabs label.cx-tab-{key} "
                       "{ color: var(--cx-fg); border-bottom-color: var(--cx-accent); "
                       "font-weight: 600; }")
    if split:  # side by side with the jaxpr tab chosen: StableHLO (or the next) on the right
        right = tabs[1][0]
        tab_css.append(f"#cx-{uid} .cx-splitcb:checked ~ .cx-r-jaxpr:checked ~ .cx-panes > "
                       f".cx-pane-{right} {{ display: block; }}")
        tab_css.append(f"#cx-{uid} .cx-splitcb:checked ~ .cx-r-jaxpr:checked ~ .cx-tabs "
                       f"label.cx-tab-{right} {{ color: var(--cx-fg); border-bottom-color: "
                       "var(--cx-accent); font-weight: 600; }")
        tab_css.append(f"#cx-{uid} .cx-splitcb:checked ~ .cx-tabs label.cx-tab-jaxpr "
                       "{ display: none; }")
    body.append(f"<style>{''.join(tab_css)}</style>")
    body.append('<div class="cx-tabs"' + ("" if split else ' style="display:none"') + ">")
    for key, label in tabs:
        body.append(f'<label class="cx-tab-{key}" for="cx-{uid}-{key}">{esc(label)}</label>')
    if split:
        body.append('<span class="cx-spacer"></span><label class="cx-splitlbl" '
                    f'for="cx-{uid}-split" title="jaxpr on the left, the chosen tab on the '
                    'right">side by side</label>')
    body.append("</div>")

    body.append('<div class="cx-panes">')
    out: list = []
    _render_jaxpr(p["jaxpr"]["root"], 0, "", out, [MAX_HTML_EQNS],
                  n_eqns <= COLLAPSE_NESTED_OVER)
    body.append('<div class="cx-pane cx-pane-jaxpr"><div class="cx-code">' + "".join(out)
                + "</div></div>")
    if p.get("stablehlo"):
        s = p["stablehlo"]
        body.append('<div class="cx-pane cx-pane-shlo"><div class="cx-code">'
                    + _render_lines(s["text"], s["ops"], highlight_stablehlo) + "</div></div>")
    if p.get("optimized_hlo"):
        h = p["optimized_hlo"]
        body.append('<div class="cx-pane cx-pane-hlo"><div class="cx-code">'
                    + _render_lines(h["text"], h["instructions"], highlight_hlo)
                    + "</div></div>")
    if any(k == "cost" for k, _ in tabs):
        body.append('<div class="cx-pane cx-pane-cost">'
                    + _render_cost(p.get("cost"), p.get("memory")) + "</div>")
    body.append("</div>")
    if p["sources"]:
        hint = ("Hover over an equation for its source line"
                + (" and the ops it lowered to" if split else "") + "; click to pin.")
    else:
        hint = "No source locations recorded for these equations."
    body.append(f'<div class="cx-status">{esc(hint)}</div>')
    body.append(_render_sources(p["sources"]))
    data = {"links": p["links"], "sources": p["sources"]}
    body.append(f'<script type="application/json" class="cx-data">{json_for_script(data)}'
                "</script>")
    return page("ir", uid, _CSS, "".join(body), _SCRIPT)
