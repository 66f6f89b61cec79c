"""The notebook views: IR, graph and profile. One JSON payload each, rendered everywhere.

    IRView(closed_jaxpr, *, lowered_text=None, optimized_hlo=None, cost=None, title="",
           memory=None)                     IRView.from_function(fun, *args, **kwargs)
    GraphView(closed_jaxpr, *, title="", derivative=False, cotangent_invars=None)
    ProfileView(timings, *, cost=None, device="", title="")

Every view has `payload()` (a JSON-able dict), `to_html()` (a self-contained fragment:
inline CSS, SVG and a small script, no network, colours from JupyterLab's `--jp-*`
variables with fallbacks), `to_text()`, and `_repr_mimebundle_(include, exclude)` giving

    application/vnd.cellax.<view>+json   the payload (view: "ir", "graph", "profile")
    text/html                            the fragment (works in nbconvert, VS Code, and
                                         in JupyterLab without the extension; tabs and
                                         collapsing work even where scripts do not run)
    text/plain                           the jaxpr text / a summary table

A renderer for the vendor mime type may draw from the payload, or simply show the
fragment `to_html()` made (the payloads carry what the HTML shows, so a front end can
rebuild it). All payloads have "version": 1 and "view"; fields below. Times are in
seconds; line numbers in "line" fields are 0-based line indices into the "text" they
sit next to, while source locations ("source", "loc") use 1-based file lines.

IR payload (`application/vnd.cellax.ir+json`)
--------------------------------------------
    {"version": 1, "view": "ir", "title": str,
     "jaxpr": {"text": str,                    # exactly str(closed_jaxpr)
               "root": JaxprNode},
     "stablehlo": {"text": str,                # the module, locations stripped
                   "ops": [{"line": int, "op": "stablehlo.sine",
                            "loc": {"name": "sin", "file": str, "line": int} | null,
                            "link": "k3" | null}]} | null,
     "optimized_hlo": {"text": str,            # as XLA printed it
                       "instructions": [{"line": int, "name": "sin.2", "opcode": "sine",
                                         "op_name": "jit/sin", "loc": {...} | null,
                                         "link": "k3" | null}]} | null,
     "cost": {"flops": float, "bytes accessed": float, ...} | null,  # XLA estimates
     "memory": {"argument_size_in_bytes": int, ...} | null,
     "links": {"k3": {"primitive": "sin", "file": str, "line": int, "function": str,
                      "source": "s1", "eqns": ["e1"], "stablehlo": [line, ...],
                      "hlo": [line, ...]}},
     "sources": {"s1": {"file": str, "short": "f.py", "line": int, "function": str,
                        "text": "return jnp.sin(x) * 2.0"}}}
    JaxprNode = {"id": "j0", "constvars": ["a:f32[3]"], "invars": [binder],
                 "eqns": [EqnNode], "outvars": ["c", "2.0:f32[]"]}
    EqnNode   = {"id": "e1", "primitive": "sin", "text": "d:f32[3] = sin a",
                 "outvars": [binder], "invars": [atom], "params": {name: str},
                 "source": {"file", "line", "function"} | null, "name_stack": str,
                 "link": "k3" | null, "src": "s1" | null,
                 "subjaxprs": [{"label": "jaxpr" | "branches[0]" | ...,
                                "shared": str | null, "jaxpr": JaxprNode}]}
  A link key stands for (primitive, file, line): the equations, StableHLO ops and HLO
  instructions sharing it are cross-linked; ops whose location is "literal",
  "constant" or "return" have no link.

Graph payload (`application/vnd.cellax.graph+json`)
--------------------------------------------------
    {"version": 1, "view": "graph", "title": str, "derivative": bool,
     "renderer": "dot" | "layered", "default": "expanded" | "collapsed",
     "nodes": [{"id": "n4", "kind": "input"|"const"|"eqn"|"call"|"literal"|"output"|"more",
                "label": "sin", "sublabel": "d: f32[3]", "cluster": "c0" | null,
                "part": "forward" | "backward" | "seed" | null, "title": str,
                "eqn": "e1" | null, "primitive": str | null, "source": {...} | null}],
     "edges": [{"source": "n1", "target": "n4", "var": "a", "kind": "data" | "nest",
                "part": "forward" | "backward" | "residual" | null, "lhead": str|null}],
     "clusters": [{"id": "c0", "label": "jit g · 2 eqns", "parent": "c1" | null,
                   "part": ..., "eqn": "e0"}],
     "stats": {"eqns", "top_level_eqns", "inputs", "outputs", "nodes", "edges",
               "drawn_eqns", "truncated"},
     "classification": {"rule": "name_stack"|"cotangent_invars"|"after-primal"|"",
                        "forward_eqns": int, "backward_eqns": int} | null,
     "notes": [str],                                  # e.g. "graphviz (dot) not found"
     "svg": {"collapsed": "<svg ...>", "expanded": "<svg ...>"},   # ready to inline
     "nested_svgs": [{"eqn": "e0", "depth": int, "label": str, "svg": str}],
     "jaxpr_text": str}
  nodes/edges/clusters describe the drawing chosen by "default". The SVGs use classes
  (cx-k-<kind>, cx-fwd, cx-bwd, cx-seed, cx-e-res ...) that the HTML's CSS colours; the
  rule telling backward from forward is in `graph.py`'s docstring.

Profile payload (`application/vnd.cellax.profile+json`)
------------------------------------------------------
    {"version": 1, "view": "profile", "title": str, "device": str, "units": "seconds",
     "timings": {"trace": [s, ...], "lower": [...], "compile": [...], "execute": [...]},
     "stages": ["trace", "lower", "compile", "execute"],       # those with samples
     "stats": {stage: {"n", "median", "mean", "std", "min", "max", "p25", "p75", "iqr",
                       "rel_iqr", "total"}},
     "histogram": {"edges": [s, ...], "counts": [int, ...], "outliers_below": int,
                   "outliers_above": int} | null,              # of the execute samples
     "cost": {...} | null,                                     # XLA's cost_analysis()
     "estimates": {"flops", "bytes_accessed", "transcendentals"} | null,
     "achieved": {"flops_per_s", "bytes_per_s", "based_on"} | null}

`array_html(...)` is the small-array table `cellax.Array` shows in notebooks.
"""
from cellax_notebook.views._array import array_html
from cellax_notebook.views._base import MIME_PREFIX, PAYLOAD_VERSION, View
from cellax_notebook.views.graph import GraphView
from cellax_notebook.views.ir import IRView
from cellax_notebook.views.profile import ProfileView

__all__ = ["GraphView", "IRView", "ProfileView", "View", "array_html", "MIME_PREFIX",
           "PAYLOAD_VERSION"]
