"""The notebook views: payload content, self-contained HTML, text fallbacks, rich display.

Screenshots of the same views come from tests/screenshots.py (not a test).
"""
from __future__ import annotations

import inspect
import json
import re
import shutil
import sys

import pytest

import cellax
import cellax.numpy as jnp
from cellax_notebook import views
from cellax_notebook.views import GraphView, IRView, ProfileView
from cellax_notebook.views import graph as graph_mod
from cellax_notebook.views._hlo import parse_hlo, parse_stablehlo

HAVE_DOT = shutil.which("dot") is not None


def inner(x):
    return jnp.sin(x) * 2.0


def outer(x, y):
    z = cellax.jit(inner)(x) + y
    w = z @ z
    return jnp.tanh(w).sum()


def loss(w, x):
    h = jnp.tanh(x @ w)
    return jnp.sum(jnp.where(h > 0, h, 0.1 * h) ** 2)


def _line_of(fn, needle: str) -> int:
    lines, start = inspect.getsourcelines(fn)
    for i, text in enumerate(lines):
        if needle in text:
            return start + i
    raise AssertionError(needle)


X = jnp.ones(3)
Y = jnp.arange(3.0)


@pytest.fixture(scope="module")
def ir_view():
    return IRView.from_function(outer, X, Y)


@pytest.fixture(scope="module")
def grad_jaxpr():
    return cellax.make_jaxpr(cellax.grad(loss))(jnp.ones((4, 3)) * 0.1, jnp.ones((5, 4)))


@pytest.fixture
def no_dot(monkeypatch):
    """A machine without graphviz: `dot` is not found and must never be run."""
    real = shutil.which
    monkeypatch.setattr(graph_mod.shutil, "which",
                        lambda name, *a, **k: None if name == "dot" else real(name, *a, **k))

    def forbidden(*a, **k):
        raise AssertionError("dot was run although it is not installed")
    monkeypatch.setattr(graph_mod, "run_dot", forbidden)


_EXTERNAL = re.compile(r"""(?:\bsrc|\bhref|xlink:href|url)\s*[=(]\s*["']?\s*(?:https?:)?//""",
                       re.I)


def assert_offline(html: str) -> None:
    """No resource is fetched: no external src/href/url(), no <link>, no @import."""
    assert not _EXTERNAL.search(html), _EXTERNAL.search(html).group(0)
    assert "<link" not in html.lower()
    assert "@import" not in html
    assert not re.search(r"<script[^>]*\bsrc=", html, re.I)
    # the only http(s) string allowed is the SVG namespace name (not fetched)
    rest = html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "http://" not in rest and "https://" not in rest


def _bundle_ok(view, mime: str) -> dict:
    b = view._repr_mimebundle_()
    assert set(b) == {mime, "text/html", "text/plain"}
    assert b[mime]["version"] == 1
    json.dumps(b[mime])  # JSON-able as it is
    assert_offline(b["text/html"])
    assert view.payload() is view.payload()
    return b


# ---------------------------------------------------------------------------------------
# IR view


def test_ir_payload_has_every_stage(ir_view):
    p = _bundle_ok(ir_view, "application/vnd.cellax.ir+json")["application/vnd.cellax.ir+json"]
    assert p["view"] == "ir" and p["title"] == "outer"
    assert p["jaxpr"]["text"] == str(cellax.make_jaxpr(outer)(X, Y))
    prims = [e["primitive"] for e in _iter(p["jaxpr"]["root"])]
    assert prims == ["jit", "sin", "mul", "add", "dot_general", "tanh", "reduce_sum"]
    ops = {o["op"] for o in p["stablehlo"]["ops"]}
    assert {"stablehlo.sine", "stablehlo.multiply", "stablehlo.dot_general",
            "stablehlo.tanh", "stablehlo.reduce", "call"} <= ops
    assert "loc(" not in p["stablehlo"]["text"] and "#loc" not in p["stablehlo"]["text"]
    assert p["optimized_hlo"]["text"].startswith("HloModule")
    assert p["cost"]["flops"] > 0 and p["cost"]["bytes accessed"] > 0
    assert p["memory"]["argument_size_in_bytes"] == 24


def _iter(node):
    for e in node["eqns"]:
        yield e
        for s in e["subjaxprs"]:
            yield from _iter(s["jaxpr"])


def test_ir_cross_links_equations_ops_and_source(ir_view):
    p = ir_view.payload()
    eqns = {e["primitive"]: e for e in _iter(p["jaxpr"]["root"])}
    sin = eqns["sin"]
    assert sin["source"]["line"] == _line_of(inner, "jnp.sin(x) * 2.0")
    assert sin["source"]["function"] == "inner"
    link = p["links"][sin["link"]]
    shlo_lines = p["stablehlo"]["text"].split("\n")
    assert [shlo_lines[i].split("=")[1].split()[0] for i in link["stablehlo"]] == \
        ["stablehlo.sine"]
    hlo = {i["line"]: i for i in p["optimized_hlo"]["instructions"]}
    assert [hlo[i]["opcode"] for i in link["hlo"]] == ["sine"]
    assert p["sources"][sin["src"]]["text"].strip() == "return jnp.sin(x) * 2.0"
    # the dot_general equation, its op, its line
    dot = p["links"][eqns["dot_general"]["link"]]
    assert dot["line"] == _line_of(outer, "w = z @ z")
    assert any("stablehlo.dot_general" in shlo_lines[i] for i in dot["stablehlo"])
    # the jit equation links to the call of the private function
    jit = p["links"][eqns["jit"]["link"]]
    assert any("call @inner" in shlo_lines[i] for i in jit["stablehlo"])


def test_ir_html_shows_equations_ops_and_sources(ir_view):
    html = ir_view.to_html()
    for text in ["sin", "dot_general", "reduce_sum", "stablehlo.sine",
                 "stablehlo.dot_general", "HloModule", "jnp.sin(x) * 2.0", "FLOPs",
                 "estimates"]:
        assert text in html, text
    # tabs, cross-link keys, the side-by-side switch, the nested jaxpr collapsible
    for label in ("jaxpr", "StableHLO", "optimized HLO", "cost", "side by side"):
        assert f">{label}</label>" in html
    assert 'data-k="k' in html and 'data-s="s' in html
    assert '<details class="cx-nest" open><summary class="cx-l cx-eqn"' in html
    assert "jaxpr={ lambda ; a:f32[3]. let" in re.sub(r"<[^>]+>", "", html)
    # one equation per line, named as the printed jaxpr names them
    plain = re.sub(r"<[^>]+>", "", html)
    assert "f:f32[] = dot_general[" in plain and "h:f32[] = reduce_sum[" in plain


def test_ir_text_plain_and_filters(ir_view):
    b = ir_view._repr_mimebundle_(include=["text/plain"])
    assert b == {"text/plain": str(cellax.make_jaxpr(outer)(X, Y))}
    b = ir_view._repr_mimebundle_(exclude=["text/html"])
    assert set(b) == {"application/vnd.cellax.ir+json", "text/plain"}


def test_ir_jaxpr_only():
    cj = cellax.make_jaxpr(outer)(X, Y)
    v = IRView(cj)
    b = _bundle_ok(v, "application/vnd.cellax.ir+json")
    p = b["application/vnd.cellax.ir+json"]
    assert p["stablehlo"] is None and p["optimized_hlo"] is None and p["cost"] is None
    assert "StableHLO" not in b["text/html"].split("cx-panes")[0].split("cx-tabs")[-1]
    assert b["text/plain"] == str(cj)


def test_ir_collapses_big_nested_jaxprs():
    def many(x):
        for _ in range(50):
            x = cellax.jit(inner)(x)
        return x
    html = IRView(cellax.make_jaxpr(many)(X)).to_html()
    assert '<details class="cx-nest"><summary' in html  # closed by default when big


def test_parse_stablehlo_resolves_aliases_and_regions():
    text = "\n".join([
        '#loc1 = loc("/w/f.py":4:0)',
        'module @m {',
        '  func.func public @main(%arg0: tensor<3xf32> loc("-":1:2)) -> tensor<f32> {',
        '    %0 = stablehlo.sine %arg0 : tensor<3xf32> loc(#loc2)',
        '    %1 = stablehlo.reduce(%0 init: %c) across dimensions = [0] : (tensor<3xf32>, '
        'tensor<f32>) -> tensor<f32>',
        '     reducer(%a: tensor<f32>, %b: tensor<f32>)  {',
        '      %2 = stablehlo.add %a, %b : tensor<f32> loc(#loc3)',
        '      stablehlo.return %2 : tensor<f32> loc(#loc3)',
        '    } loc(#loc3)',
        '    return %1 : tensor<f32> loc("return")',
        '  } loc(#loc)',
        '} loc(#loc)',
        '#loc = loc("-":1:1)',
        '#loc2 = loc("sin"(#loc1))',
        '#loc3 = loc("reduce_sum"("/w/f.py":5:0))',
    ])
    clean, ops = parse_stablehlo(text)
    assert "loc" not in clean and "#loc" not in clean
    by_op = {(o["op"], o["line"]): o for o in ops}
    sine = next(o for o in ops if o["op"] == "stablehlo.sine")
    assert sine["loc"] == {"name": "sin", "file": "/w/f.py", "line": 4}
    assert clean.split("\n")[sine["line"]].strip().startswith("%0 = stablehlo.sine")
    add = next(o for o in ops if o["op"] == "stablehlo.add")
    assert add["loc"] == {"name": "reduce_sum", "file": "/w/f.py", "line": 5}
    ret = next(o for o in ops if o["op"] == "return")
    assert ret["loc"]["name"] == "return" and ret["loc"]["file"] is None
    assert len(by_op) == len(ops)


def test_parse_hlo_metadata_frames_and_source_fields():
    text = "\n".join([
        "HloModule jit_f", "", "FileNames", '1 "/w/f.py"', "", "FunctionNames", '1 "sin"',
        "", "FileLocations",
        "1 {file_name_id=1 function_name_id=1 line=4 end_line=4 column=0 end_column=0}", "",
        "StackFrames", "1 {file_location_id=1 parent_frame_id=1}", "",
        "ENTRY %main (p: f32[3]) -> f32[3] {",
        "  %p = f32[3]{0} parameter(0)",
        '  %sin.1 = f32[3]{0} sine(%p), metadata={op_name="jit/sin" stack_frame_id=1}',
        '  ROOT %cos.2 = f32[3]{0} cosine(%sin.1), metadata={op_name="jit(f)/cos" '
        'source_file="/w/g.py" source_line=9}',
        "}"])
    ins = {i["name"]: i for i in parse_hlo(text)}
    assert ins["sin.1"]["opcode"] == "sine"
    assert ins["sin.1"]["loc"] == {"name": "sin", "file": "/w/f.py", "line": 4}
    assert ins["cos.2"]["loc"] == {"name": "cos", "file": "/w/g.py", "line": 9}
    assert ins["p"]["loc"] is None


# ---------------------------------------------------------------------------------------
# Graph view


def _graph_checks(v: GraphView, renderer: str) -> dict:
    b = _bundle_ok(v, "application/vnd.cellax.graph+json")
    p = b["application/vnd.cellax.graph+json"]
    assert p["renderer"] == renderer
    html = b["text/html"]
    assert "<svg" in html and "cx-canvas" in html
    for label in ("fit", "1:1"):
        assert f">{label}</button>" in html
    return p


@pytest.mark.skipif(not HAVE_DOT, reason="graphviz (dot) not installed")
def test_graph_with_dot_draws_nodes_and_clusters():
    cj = cellax.make_jaxpr(outer)(X, Y)
    p = _graph_checks(GraphView(cj, title="outer"), "dot")
    labels = [n["label"] for n in p["nodes"]]
    for prim in ("sin", "mul", "add", "dot_general", "tanh", "reduce_sum"):
        assert prim in labels
    kinds = {n["kind"] for n in p["nodes"]}
    assert {"input", "eqn", "literal", "output"} <= kinds
    assert p["default"] == "expanded"
    assert p["clusters"][0]["label"].startswith("jit inner")
    assert 'class="cluster cx-cl' in p["svg"]["expanded"]       # the jit as a cluster
    assert "cx-k-call" in p["svg"]["collapsed"]                # ... or as one node
    assert "2.0" in p["svg"]["expanded"]                        # the literal
    html = GraphView(cj).to_html()
    assert "expand nested</label>" in html and 'class="cx-expcb"' in html
    assert "laid out by graphviz" in html


def test_graph_without_dot_uses_builtin_layout(no_dot):
    cj = cellax.make_jaxpr(outer)(X, Y)
    p = _graph_checks(GraphView(cj), "layered")
    assert any("graphviz (dot) not found" in n for n in p["notes"])
    svg = p["svg"]["collapsed"]
    assert "expanded" not in p["svg"]
    for prim in ("jit inner", "add", "dot_general", "tanh", "reduce_sum"):
        assert f">{prim}</text>" in svg
    # nested jaxprs: drawn on their own, in collapsible sections
    assert p["nested_svgs"] and ">sin</text>" in p["nested_svgs"][0]["svg"]
    html = GraphView(cj).to_html()
    assert "<details><summary>nested jaxpr: jit inner · jaxpr</summary>" in html
    assert "built-in layout" in html


@pytest.mark.parametrize("dot", [True, False], ids=["dot", "nodot"])
def test_graph_derivative_styles(grad_jaxpr, dot, request):
    if dot and not HAVE_DOT:
        pytest.skip("graphviz (dot) not installed")
    if not dot:
        request.getfixturevalue("no_dot")
    v = GraphView(grad_jaxpr, derivative=True, title="grad(loss)")
    p = _graph_checks(v, "dot" if dot else "layered")
    c = p["classification"]
    assert c["rule"] in ("name_stack", "after-primal") and c["forward_eqns"] > 0 and c["backward_eqns"] > 0
    by_label = {}
    for n in p["nodes"]:
        by_label.setdefault(n["label"], set()).add(n["part"])
    assert by_label["tanh"] == {"forward"} and by_label["dot_general"] == {"forward",
                                                                          "backward"}
    assert by_label["add_any"] == {"backward"} and by_label["transpose"] == {"backward"}
    assert by_label["reduce_sum"] == {"forward"}                    # the dropped primal
    assert any(n["part"] == "seed" and n["label"] == "1.0" for n in p["nodes"])
    assert any(e["part"] == "residual" for e in p["edges"])
    html = v.to_html()
    svg = p["svg"][p["default"]]
    assert "cx-fwd" in svg and "cx-bwd" in svg and "cx-e-res" in svg and "cx-seed" in svg
    assert "backward (cotangent)" in html and "forward (primal)" in html
    assert "GraphView: grad(loss)" in v.to_text() and "backward equations" in v.to_text()


def _parts(cj, **kw):
    parts, rule, seeds = graph_mod.classify_all(cj, **kw)
    out = []

    def walk(j, inherited):
        for e in j.eqns:
            p = parts.get(id(e), inherited)
            out.append((e.primitive.name, p))
            for _, sub in views._jaxpr.sub_jaxprs(e.params):
                walk(sub, p)
    walk(cj.jaxpr, None)
    return out, rule, seeds


def test_derivative_rule_on_common_shapes():
    # grad: the primal value is dropped, the seed is the literal 1.0
    parts, rule, _ = _parts(cellax.make_jaxpr(cellax.grad(jnp.sin))(1.0))
    assert parts == [("sin", "forward"), ("cos", "forward"), ("mul", "backward")]
    # vjp with the cotangent as an argument: cos (a late residual) stays forward
    cj = cellax.make_jaxpr(lambda x, ct: cellax.vjp(jnp.sin, x)[1](ct))(X, X)
    parts, rule, seeds = _parts(cj)
    assert parts == [("sin", "forward"), ("cos", "forward"), ("mul", "backward")]
    assert seeds == {cj.jaxpr.invars[1]}
    # explicit cotangent inputs
    parts, rule, _ = _parts(cj, cotangent_invars=[1])
    assert rule == "cotangent_invars" and parts[-1] == ("mul", "backward")
    # value_and_grad: nothing is dead, the primal value is the first output
    parts, rule, _ = _parts(cellax.make_jaxpr(cellax.value_and_grad(
        lambda x: jnp.sum(jnp.tanh(x))))(X))
    assert rule in ("name_stack", "after-primal")
    assert [p for n, p in parts if n == "tanh"] == ["forward"]
    assert [p for n, p in parts if n == "reduce_sum"] == ["forward"]
    assert parts[-1][1] == "backward"
    # jit(grad(f)): the rule applies inside the call
    parts, rule, _ = _parts(cellax.make_jaxpr(cellax.jit(cellax.grad(
        lambda x: jnp.sum(jnp.sin(x) * x))))(X))
    assert parts[0] == ("jit", None) and rule in ("name_stack", "after-primal")
    assert {p for _, p in parts[1:]} == {"forward", "backward"}
    # a function that is not a derivative: nothing is called backward
    parts, rule, _ = _parts(cellax.make_jaxpr(outer)(X, Y))
    assert {p for _, p in parts} == {None} and rule == ""


def test_graph_large_is_capped(no_dot):
    def chain(x):
        for _ in range(120):
            x = jnp.sin(x) + 1.0
        return x
    cj = cellax.make_jaxpr(chain)(X)
    p = GraphView(cj, max_nodes=60).payload()
    assert p["stats"]["truncated"] and p["stats"]["drawn_eqns"] < 240
    assert any("large graph" in n for n in p["notes"])
    assert "more equations" in p["svg"]["collapsed"]
    assert not any(n["kind"] == "literal" for n in p["nodes"])  # literals inlined
    assert any(n["label"] == "add ·1.0" for n in p["nodes"])


# ---------------------------------------------------------------------------------------
# Profile view

TIMINGS = {"trace": [0.012], "lower": [0.004], "compile": [0.070],
           "execute": [1e-5, 1.2e-5, 1.1e-5, 1.3e-5, 1.0e-5, 1.1e-5, 1.2e-5, 1.1e-5, 5e-3]}
COST = {"flops": 1.0e6, "bytes accessed": 4.0e5, "transcendentals": 10.0}


def test_profile_payload():
    v = ProfileView(TIMINGS, cost=COST, device="cpu:0", title="f")
    p = _bundle_ok(v, "application/vnd.cellax.profile+json")[
        "application/vnd.cellax.profile+json"]
    assert p["stages"] == ["trace", "lower", "compile", "execute"]
    assert p["timings"] == TIMINGS
    ex = p["stats"]["execute"]
    assert ex["n"] == 9 and ex["median"] == pytest.approx(1.1e-5)
    assert ex["min"] == 1e-5 and ex["max"] == 5e-3
    assert p["stats"]["compile"]["median"] == 0.070
    h = p["histogram"]
    assert sum(h["counts"]) + h["outliers_above"] + h["outliers_below"] == 9
    assert h["outliers_above"] == 1                       # the 5 ms run
    assert p["estimates"] == {"flops": 1e6, "bytes_accessed": 4e5, "transcendentals": 10}
    assert p["achieved"]["flops_per_s"] == pytest.approx(1e6 / 1.1e-5)
    assert p["achieved"]["bytes_per_s"] == pytest.approx(4e5 / 1.1e-5)


def test_profile_html_and_text():
    v = ProfileView(TIMINGS, cost=COST, device="cpu:0", title="f")
    html = v.to_html()
    for text in ("trace", "lower", "compile", "execute", "11 µs", "70 ms", "cpu:0",
                 "estimates", "FLOPs (est.)", "achieved FLOP/s", "1 outlier not drawn",
                 "log scale"):
        assert text in html, text
    text = v.to_text()
    assert "execute" in text and "11 µs" in text and "1 MFLOP" in text
    assert "achieved" in text and "FLOP/s" in text
    # no cost, a single sample per stage: still fine
    v = ProfileView({"execute": [0.5]})
    assert "500 ms" in v.to_html() and v.payload()["achieved"] is None


# ---------------------------------------------------------------------------------------
# Rich display of library objects


def test_closed_jaxpr_displays_the_ir_view():
    cj = cellax.make_jaxpr(outer)(X, Y)
    b = cj._repr_mimebundle_()
    assert b["text/plain"] == str(cj) == repr(cj)
    p = b["application/vnd.cellax.ir+json"]
    assert p["stablehlo"] is None and p["jaxpr"]["text"] == str(cj)
    assert "dot_general" in b["text/html"]


def test_display_without_the_notebook_layer(monkeypatch):
    monkeypatch.setitem(sys.modules, "cellax_notebook.views", None)  # import fails
    cj = cellax.make_jaxpr(outer)(X, Y)
    assert cj._repr_mimebundle_() == {"text/plain": str(cj)}
    lowered = cellax.jit(outer).lower(X, Y)
    assert lowered._repr_mimebundle_() == {"text/plain": lowered.as_text()}
    assert set(X._repr_mimebundle_()) == {"text/plain"}


def test_lowered_and_compiled_display():
    lowered = cellax.jit(outer).lower(X, Y)
    b = lowered._repr_mimebundle_()
    assert b["text/plain"] == lowered.as_text()
    p = b["application/vnd.cellax.ir+json"]
    assert any(o["op"] == "stablehlo.sine" for o in p["stablehlo"]["ops"])
    assert p["optimized_hlo"] is None
    compiled = lowered.compile()
    b = compiled._repr_mimebundle_()
    assert b["text/plain"] == compiled.as_text()
    p = b["application/vnd.cellax.ir+json"]
    assert p["optimized_hlo"] and p["cost"]["flops"] > 0 and p["stablehlo"]
    assert_offline(b["text/html"])


def test_small_arrays_display_as_a_table():
    a = jnp.arange(6.0).reshape(2, 3)
    b = a._repr_mimebundle_()
    assert b["text/plain"] == repr(a)
    html = b["text/html"]
    assert "Array f32[2,3]" in html and "<td>5.</td>" in html and "<th>2</th>" in html
    assert_offline(html)
    assert set(jnp.ones(1000)._repr_mimebundle_()) == {"text/plain"}
    assert set(jnp.ones(())._repr_mimebundle_()) == {"text/plain"}
    assert "True" in jnp.array([True, False])._repr_mimebundle_()["text/html"]
    assert jnp.ones(3)._repr_mimebundle_(include=["text/plain"]) == {
        "text/plain": repr(jnp.ones(3))}


def _fake_cond():
    """An equation with two branch jaxprs (the shape lax.cond will give), built by hand:
    the views handle any jaxpr-valued params, called or not."""
    import numpy as np
    from cellax.core import ClosedJaxpr, Jaxpr, JaxprEqn, Primitive, ShapedArray, Var
    b0 = cellax.make_jaxpr(lambda a: a * 3.0)(X)
    b1 = cellax.make_jaxpr(lambda a: jnp.sin(a) - 1.0)(X)
    idx = Var(ShapedArray((), np.dtype("int32")))
    x = Var(ShapedArray((3,), np.dtype("float32")))
    out = Var(ShapedArray((3,), np.dtype("float32")))
    eqn = JaxprEqn([idx, x], [out], Primitive("cond"), {"branches": (b0, b1)}, None)
    return ClosedJaxpr(Jaxpr([], [idx, x], [out], [eqn]), [])


def test_views_handle_non_call_nested_jaxprs(no_dot):
    cj = _fake_cond()
    p = IRView(cj).payload()
    subs = p["jaxpr"]["root"]["eqns"][0]["subjaxprs"]
    assert [s["label"] for s in subs] == ["branches[0]", "branches[1]"]
    assert [e["primitive"] for e in subs[1]["jaxpr"]["eqns"]] == ["sin", "sub"]
    html = IRView(cj).to_html()
    assert html.count('<details class="cx-nest"') == 1
    assert "branches[1]={ lambda" in re.sub(r"<[^>]+>", "", html)
    g = GraphView(cj).payload()
    assert g["renderer"] == "layered"
    assert [n["label"] for n in g["nested_svgs"]] == ["cond · branches[0]",
                                                      "cond · branches[1]"]


@pytest.mark.skipif(not HAVE_DOT, reason="graphviz (dot) not installed")
def test_graph_clusters_for_non_call_nested_jaxprs():
    p = GraphView(_fake_cond()).payload()
    assert p["default"] == "expanded"
    assert [c["label"] for c in p["clusters"]] == ["cond branches[0]", "cond branches[1]"]
    assert any(e["kind"] == "nest" for e in p["edges"])
    assert p["svg"]["expanded"].count('class="cluster') == 2


def cond_fn(x):
    return cellax.lax.cond(x.sum() > 0, lambda a: jnp.sin(a) * 3.0, lambda a: a - 1.0,
                           x).sum()


@pytest.mark.skipif(not hasattr(cellax.lax, "cond"), reason="lax.cond not available yet")
def test_views_on_lax_cond():
    p = IRView.from_function(cond_fn, X).payload()
    sin = next(e for e in _iter(p["jaxpr"]["root"]) if e["primitive"] == "sin")
    lines = p["stablehlo"]["text"].split("\n")
    assert [lines[i].split("=")[1].split()[0] for i in p["links"][sin["link"]]["stablehlo"]] \
        == ["stablehlo.sine"]
    cond = next(e for e in _iter(p["jaxpr"]["root"]) if e["primitive"] == "cond")
    assert any('"stablehlo.case"' in lines[i] for i in p["links"][cond["link"]]["stablehlo"])
    g = GraphView(cellax.make_jaxpr(cellax.grad(cond_fn))(X), derivative=True).payload()
    assert g["classification"]["rule"] in ("name_stack", "after-primal")
    conds = [n["part"] for n in g["nodes"] if n["label"] == "cond"]
    assert conds == ["forward", "backward"]
