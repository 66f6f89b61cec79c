"""cellax's IPython magics: stage, differentiate, inspect and profile cells and calls.

`%%jit` stages a whole cell as one XLA program, `%%grad` / `%grad` differentiate a cell
or a call, `%jaxpr`, `%hlo`, `%devices` and `%profile` inspect, `%cellax_summary`
reports per-cell compilations. Every magic reports failures as a short message that
names the cell line (a `UsageError` for bad arguments); none lets an exception escape
as a traceback, and none can take the kernel down.

Views (IR, graph, profile) come from `cellax_notebook.views`, imported lazily; without
them the magics fall back to plain text. This module holds the magics themselves; how
they read cells and arguments is in `_cells`, how they show results in `_results`.
"""
from __future__ import annotations

import statistics
import sys
import time
from collections import OrderedDict

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, line_magic, magics_class, cell_magic
from IPython.core.magic_arguments import argument, magic_arguments

import cellax
from cellax import core, dispatch
from cellax.tree_util import tree_flatten, tree_unflatten

from cellax_notebook._cells import (  # noqa: F401 - _split_line: kept importable here
    CellaxMagicError, _Cell, _Statics, _aval_key, _call_parts, _cell_error, _concrete,
    _default_device, _device_name, _exc_text, _fmt_s, _guard, _is_array_value, _names,
    _parse, _resolve_device, _short, _split_line, _unquote)
from cellax_notebook._results import (
    DeviceTable, ProfileResult, TextView, _STAGES, _display, _show_view, _view_class)

_MAX_PROGRAMS = 128         # staged cells kept (least recently used dropped)

# Time spent executing compiled programs measured by the magics in this session
# (`%cellax_summary` reports it per cell; eager op-by-op execution is not measured).
_measured_device_time = [0.0]


# ---------------------------------------------------------------------------------------
# %%jit: staged cells


class _CellProgram:
    """One staged cell (per source, options and namespace): its jit-wrapped function and,
    per input signature, what the trace found out (static outputs, the Traced stage)."""

    def __init__(self, cell: _Cell, dyn: list[str], statics: list[str], donate: list[str],
                 device, user_ns: dict):
        self.cell = cell
        self.dyn = dyn
        self.statics = statics
        self.fn = cell.make_function(dyn, statics, "cell", user_ns)
        self.trace_count = 0
        self.pending = None          # static outputs found by the latest trace
        self.records: dict = {}      # signature -> _Record
        prog, outputs = self, cell.outputs

        def body(env, *args):
            prog.trace_count += 1
            loc, last = prog.fn(env, *args)
            leaves, tree = tree_flatten((outputs(loc), last))
            mask = [isinstance(x, core.Tracer) for x in leaves]
            prog.pending = (tree, mask, [None if m else x for x, m in zip(leaves, mask)])
            return [x for x, m in zip(leaves, mask) if m]

        body.__name__ = body.__qualname__ = "cell"  # names the jaxpr / HLO module
        body.__wrapped__ = self.fn  # jit reads the parameter names (error messages)
        donate_nums = [1 + dyn.index(n) for n in donate]
        self.jitted = cellax.jit(body, static_argnums=0, donate_argnums=donate_nums or None,
                                 device=device)
        self.device = device


class _Record:
    __slots__ = ("stash", "traced")

    def __init__(self, stash, traced):
        self.stash = stash
        self.traced = traced


_programs: OrderedDict = OrderedDict()


def _rebuild(stash, outs):
    tree, mask, static = stash
    it = iter(outs)
    leaves = [next(it) if m else s for m, s in zip(mask, static)]
    return tree_unflatten(tree, leaves)


_SHOW = {"jaxpr": "jaxpr", "stablehlo": "stablehlo", "hlo": "hlo", "optimized": "hlo",
         "timing": "timing", "timings": "timing", "profile": "timing"}


def _parse_show(values) -> set:
    out = set()
    for v in values or ():
        for s in _unquote(v).replace(",", " ").split():
            if s == "all":
                out |= {"jaxpr", "stablehlo", "hlo", "timing"}
            elif s in _SHOW:
                out.add(_SHOW[s])
            else:
                raise UsageError(f"--show {s!r}: choose from jaxpr, stablehlo, hlo, timing "
                                 "(comma-separated), or all")
    return out


# ---------------------------------------------------------------------------------------
# The magics


@magics_class
class CellaxMagics(Magics):
    """cellax's magics (`%load_ext cellax`)."""

    def __init__(self, shell=None):
        super().__init__(shell)
        self.summary_on = False
        self._snapshot = None

    # -- helpers ------------------------------------------------------------------------

    @property
    def _ns(self) -> dict:
        return self.shell.user_ns

    def _show_result(self, value, cell: _Cell) -> None:
        """Display the cell's value as its result (Out[n], `_`), before the status line
        printed under it."""
        if value is None or cell.body.rstrip().endswith(";"):
            return
        sys.stdout.flush()
        self.shell.displayhook(value)

    def _cell(self, line: str, body: str, magic: str) -> _Cell:
        return _Cell(self.shell, f"{magic} {line}".rstrip(), body, magic)

    # -- %%jit --------------------------------------------------------------------------

    @magic_arguments()
    @argument("--static", action="append", metavar="NAMES",
              help="names read by the cell to treat as compile-time constants "
                   "(comma-separated; each new value recompiles)")
    @argument("--donate", action="append", metavar="NAMES",
              help="array inputs whose buffers the program may reuse for its outputs")
    @argument("--device", metavar="D", help="device to run on: an index into "
              "cellax.devices(), a platform (cpu, gpu) or a name like cpu:0")
    @argument("--show", action="append", metavar="WHAT",
              help="views to show: jaxpr, stablehlo, hlo, timing (comma-separated) or all")
    @cell_magic
    def jit(self, line, cell):
        """Stage the whole cell as one XLA program.

        Inputs are the arrays (and Python numbers, and lists/tuples/dicts of them) the
        cell reads from the namespace; other values it reads are closed over as
        constants. Outputs are the names it binds and its last expression, written back
        to the namespace. The program is cached per cell source and constant values:
        re-running with inputs of the same shapes and dtypes reuses it (cache hit).
        Functions the cell defines stay usable afterwards, as plain Python functions.
        """
        return self._jit(line, cell)

    @_guard("%%jit")
    def _jit(self, line, body):
        args = _parse(CellaxMagics.jit, line)
        static = _names(args.static, "--static")
        donate = _names(args.donate, "--donate")
        show = _parse_show(args.show)
        device = _resolve_device(args.device)
        cell = self._cell(line, body, "%%jit")
        ns = self._ns
        for n in static:
            if n not in ns:
                raise UsageError(f"--static {n}: `{n}` is not defined")
            if n not in cell.reads:
                raise UsageError(f"--static {n}: the cell does not read `{n}` from the "
                                 "namespace")
        inputs = [n for n in cell.reads if n in ns]
        dyn = [n for n in inputs if n not in static and _is_array_value(ns[n])]
        env = [n for n in inputs if n not in dyn]
        for n in donate:
            if n not in dyn:
                raise UsageError(f"--donate {n}: `{n}` is not an array input of the cell "
                                 f"(inputs: {', '.join(dyn) or 'none'})")

        key = (cell.body, tuple(dyn), tuple(env), tuple(donate),
               None if device is None else str(device), id(ns))
        prog = _programs.get(key)
        if prog is None:
            prog = _CellProgram(cell, dyn, env, donate, device, ns)
            _programs[key] = prog
            while len(_programs) > _MAX_PROGRAMS:
                _programs.popitem(last=False)
        else:
            _programs.move_to_end(key)
            cell = prog.cell  # same source: same line numbers and file name
        bundle = _Statics({n: ns[n] for n in env})
        dyn_vals = [ns[n] for n in dyn]
        for n, v in zip(dyn, dyn_vals):
            try:
                _aval_key(v)
            except Exception as e:  # noqa: BLE001 - e.g. an int too large for int32
                raise CellaxMagicError(f"%%jit: input `{n}` cannot be an array: "
                                       f"{_exc_text(e)}\nFix: `%%jit --static {n}`.",
                                       original=e) from None
        sig = (bundle.key, _aval_key(dyn_vals), cellax.config.jax_enable_x64)
        dev = device if device is not None else _default_device()

        stats = dispatch.compile_stats
        traces0, compiles0 = prog.trace_count, stats.count
        lower0, comp0 = stats.lower_time, stats.compile_time
        timings = {k: [] for k in _STAGES}
        compile_wall = None
        record = prog.records.get(sig)
        try:
            if record is None:
                t0 = time.perf_counter()
                traced = prog.jitted.trace(bundle, *dyn_vals)
                if prog.trace_count == traces0:  # jit had it cached: trace again for the
                    prog.jitted.clear_cache()    # static outputs
                    traced = prog.jitted.trace(bundle, *dyn_vals)
                t1 = time.perf_counter()
                traced.lower().compile()
                t2 = time.perf_counter()
                record = prog.records[sig] = _Record(prog.pending, traced)
                timings["trace"].append(t1 - t0)
                if stats.count > compiles0:
                    timings["lower"].append(stats.lower_time - lower0)
                    timings["compile"].append(stats.compile_time - comp0)
                compile_wall = t2 - t0
            traces1 = prog.trace_count
            t3 = time.perf_counter()
            outs = prog.jitted(bundle, *dyn_vals)
            cellax.block_until_ready(outs)
            t4 = time.perf_counter()
        except (UsageError, CellaxMagicError):
            raise
        except Exception as e:  # noqa: BLE001
            raise _cell_error(e, "%%jit", cell, self.shell, dyn) from None
        if prog.trace_count > traces1:  # jit's own cache was cleared: it traced again
            record.stash = prog.pending
        run = t4 - t3
        timings["execute"].append(run)
        _measured_device_time[0] += run

        loc, last = _rebuild(record.stash, outs)
        ns.update(loc)
        try:
            cell.define_functions(ns)
        except Exception as e:  # noqa: BLE001
            raise _cell_error(e, "%%jit", cell, self.shell, staged=False) from None

        traced_now = prog.trace_count > traces0
        compiled_now = stats.count > compiles0
        if not traced_now and not compiled_now:
            what = "cache hit"
        elif not compiled_now:
            what = f"traced in {_fmt_s(sum(timings['trace']))} (compile cache hit)"
        else:
            parts = [f"trace {_fmt_s(sum(timings['trace']))}"]
            if timings["lower"]:
                parts.append(f"lower {_fmt_s(timings['lower'][0])}")
                parts.append(f"compile {_fmt_s(timings['compile'][0])}")
            what = (f"compiled in {_fmt_s(compile_wall)} ({', '.join(parts)})"
                    if compile_wall is not None else "compiled again (caches were cleared)")
        self._show_result(last, cell)
        print(f"[%%jit] {what} · ran in {_fmt_s(run)} · {_device_name(dev)}")
        if show:
            sys.stdout.flush()
            self._jit_views(show, record.traced, timings, dev)
        return None

    def _jit_views(self, show: set, traced, timings, dev) -> None:
        lowered = traced.lower()
        closed = traced.jaxpr
        stablehlo = lowered.as_text() if "stablehlo" in show else None
        hlo = cost = None
        if "hlo" in show or "timing" in show:
            compiled = lowered.compile()
            hlo = compiled.as_text() if "hlo" in show else None
            try:
                cost = compiled.cost_analysis()
            except Exception:  # noqa: BLE001 - some backends have no estimates
                cost = None
        if show & {"jaxpr", "stablehlo", "hlo"}:
            text = "\n\n".join(t for t in (str(closed), stablehlo, hlo) if t)
            _show_view("IRView", text, closed, lowered_text=stablehlo, optimized_hlo=hlo,
                       cost=cost, title="%%jit cell")
        if "timing" in show:
            res = ProfileResult({**timings, "cost": cost or {}, "device": str(dev),
                                 "number": 1, "repeat": 1, "title": "%%jit cell"})
            _display(res, res.summary())

    # -- %%grad / %grad -----------------------------------------------------------------

    @magic_arguments()
    @argument("target", nargs="*", help="cell: the variables to differentiate with respect "
              "to; line: a call `f(x, y)`")
    @argument("--argnums", nargs="+", metavar="N", help="line form: which arguments "
              "(default 0), e.g. `--argnums 0,1`")
    @argument("--graph", action="store_true", help="show the derivative's data-flow graph")
    @argument("--out", metavar="NAME", help="also bind the value to NAME")
    @line_cell_magic
    def grad(self, line, cell=None):
        """Differentiate a cell or a call.

        `%%grad x [y ...]`: the cell's last expression is a scalar; its value is the cell's
        result, and the gradients with respect to `x`, `y` are bound as `d_x`, `d_y`
        (names the cell binds are written back too). `%grad f(x, y) [--argnums 0,1]`:
        the gradient of one call (with respect to argument 0 by default), bound as `d_x`
        for arguments that are variables. `--graph` shows the derivative's graph.
        """
        if cell is None:
            return self._grad_line(line)
        return self._grad_cell(line, cell)

    @_guard("%%grad")
    def _grad_cell(self, line, body):
        args = _parse(CellaxMagics.grad, line)
        if args.argnums:
            raise UsageError("%%grad takes variable names, not --argnums (that is for the "
                             "line form `%grad f(x) --argnums 0`)")
        wrt = _names(args.target, "%%grad")
        if not wrt:
            raise UsageError("%%grad: name the variables to differentiate with respect to, "
                             "e.g. `%%grad w b`")
        if args.out is not None and not args.out.isidentifier():
            raise UsageError(f"--out {args.out!r} is not a variable name")
        ns = self._ns
        for n in wrt:
            if n not in ns:
                raise UsageError(f"%%grad {n}: `{n}` is not defined")
        cell = self._cell(line, body, "%%grad")
        if cell.last_expr is None:
            raise CellaxMagicError(
                f"%%grad cell, line {cell.last_line}: the last line must be an expression "
                "(the scalar to differentiate)", line=cell.last_line)
        env = [n for n in cell.reads if n in ns and n not in wrt]
        fn = cell.make_function(wrt, env, "grad_cell", ns)
        env_vals = {n: ns[n] for n in env}
        vals = [ns[n] for n in wrt]
        static_out = {}
        entered = []

        def objective(*xs):
            entered.append(True)
            loc, last = fn(env_vals, *xs)
            outs = cell.outputs(loc)
            aux = {n: v for n, v in outs.items() if isinstance(v, core.Tracer)
                   or _is_array_value(v)}
            static_out.update({n: v for n, v in outs.items() if n not in aux})
            return last, aux

        argnums = tuple(range(len(wrt)))
        try:
            (value, aux), grads = cellax.value_and_grad(objective, argnums=argnums,
                                                        has_aux=True)(*vals)
        except Exception as e:  # noqa: BLE001
            # Errors past the cell's own frames (a non-scalar value) are about its last line.
            raise _cell_error(e, "%%grad", cell, self.shell, staged=False,
                              default_line=cell.last_line if entered else None) from None
        aux = {n: tree_unflatten(t, [_concrete(x) for x in leaves])
               for n, (leaves, t) in ((n, tree_flatten(v)) for n, v in aux.items())}
        value = _concrete(value)
        ns.update(static_out)
        ns.update(aux)
        bound = []
        for n, g in zip(wrt, grads):
            ns[f"d_{n}"] = g
            shape = type(g).__name__ if isinstance(g, (dict, list, tuple)) else _short(g)
            bound.append(f"d_{n}: {shape}")
        if args.out:
            ns[args.out] = value
        cell.define_functions(ns)
        self._show_result(value, cell)
        print(f"[%%grad] bound {', '.join(bound)}"
              + (f" and {args.out}" if args.out else ""))
        if args.graph:
            sys.stdout.flush()
            self._grad_graph(lambda *xs: objective(*xs)[0], argnums, vals, "%%grad cell")
        return None

    @_guard("%grad")
    def _grad_line(self, line):
        args = _parse(CellaxMagics.grad, line)
        if args.out is not None and not args.out.isidentifier():
            raise UsageError(f"--out {args.out!r} is not a variable name")
        expr = " ".join(args.target)
        fun, a, kw, names = _call_parts(expr, self._ns)
        if args.argnums:
            try:
                nums = [int(s) for v in args.argnums for s in v.replace(",", " ").split()]
            except ValueError:
                raise UsageError(f"--argnums: expected integers, got "
                                 f"{' '.join(args.argnums)!r}") from None
            single = len(nums) == 1 and "," not in " ".join(args.argnums)
            argnums = nums[0] if single else tuple(nums)
        else:
            nums, argnums = [0], 0
        for i in nums:
            if not -len(a) <= i < len(a):
                raise UsageError(f"--argnums {i}: the call has {len(a)} positional "
                                 "arguments")
        try:
            value, grads = cellax.value_and_grad(fun, argnums=argnums)(*a, **kw)
        except Exception as e:  # noqa: BLE001
            raise CellaxMagicError(f"%grad {expr}: {_exc_text(e)}", original=e) from None
        ns = self._ns
        gs = (grads,) if isinstance(argnums, int) else grads
        bound = []
        for i, g in zip(nums, gs):
            n = names[i]
            if n is not None:
                ns[f"d_{n}"] = g
                bound.append(f"d_{n}")
        if args.out:
            ns[args.out] = value
            bound.append(args.out)
        print(f"[%grad] {expr} = {value}" + (f" · bound {', '.join(bound)}" if bound else ""))
        if args.graph:
            self._grad_graph(lambda *xs: fun(*xs, **kw), argnums, a, f"grad of {expr}")
        return grads

    def _grad_graph(self, f, argnums, vals, title):
        closed = cellax.make_jaxpr(cellax.grad(f, argnums=argnums))(*vals)
        _show_view("GraphView", str(closed), closed, title=title, derivative=True)

    # -- inspection ---------------------------------------------------------------------

    @magic_arguments()
    @argument("expr", nargs="*", help="a call, like `f(x)`")
    @line_magic
    def jaxpr(self, line):
        """Show the jaxpr of a call: `%jaxpr f(x)` (the IR view in a notebook, text in a
        terminal)."""
        return self._jaxpr(line)

    @_guard("%jaxpr")
    def _jaxpr(self, line):
        args = _parse(CellaxMagics.jaxpr, line)
        expr = " ".join(args.expr)
        fun, a, kw, _ = _call_parts(expr, self._ns)
        try:
            closed = cellax.make_jaxpr(fun)(*a, **kw)
        except Exception as e:  # noqa: BLE001
            raise CellaxMagicError(f"%jaxpr {expr}: {_exc_text(e)}", original=e) from None
        view = _view_class("IRView")
        if view is None:
            return closed
        try:
            return view(closed, title=expr)
        except Exception:  # noqa: BLE001 - a broken view: the jaxpr prints as text
            return closed

    @magic_arguments()
    @argument("expr", nargs="*", help="a call, like `f(x)`")
    @argument("--stage", choices=("stablehlo", "optimized"), default="stablehlo",
              help="the StableHLO module (default) or XLA's optimized HLO")
    @line_magic
    def hlo(self, line):
        """Show the StableHLO (or, with `--stage optimized`, the optimized HLO) that
        `jit(f)` compiles for a call: `%hlo f(x)`."""
        return self._hlo(line)

    @_guard("%hlo")
    def _hlo(self, line):
        args = _parse(CellaxMagics.hlo, line)
        expr = " ".join(args.expr)
        fun, a, kw, _ = _call_parts(expr, self._ns)
        jf = fun if isinstance(fun, cellax.api.JitWrapped) else cellax.jit(fun)
        try:
            lowered = jf.lower(*a, **kw)
            text = lowered.as_text() if args.stage == "stablehlo" else \
                lowered.compile().as_text()
        except Exception as e:  # noqa: BLE001
            raise CellaxMagicError(f"%hlo {expr}: {_exc_text(e)}", original=e) from None
        return TextView(text, f"{args.stage} of {expr}")

    @magic_arguments()
    @line_magic
    def devices(self, line):
        """List the devices cellax runs on (platform, kind; * marks the default)."""
        return self._devices(line)

    @_guard("%devices")
    def _devices(self, line):
        _parse(CellaxMagics.devices, line)
        return DeviceTable(cellax.devices(), _default_device())

    @magic_arguments()
    @argument("expr", nargs="*", help="a call, like `f(x)`")
    @argument("-n", type=int, default=None, metavar="N",
              help="calls per execute measurement (default: enough for ~50 ms)")
    @argument("-r", type=int, default=5, metavar="R",
              help="measurements per stage (default 5)")
    @line_magic
    def profile(self, line):
        """Time one call's stages separately under `jit`: trace, lower (to StableHLO),
        compile (XLA) and execute (after warm-up, waiting with block_until_ready), with
        median and spread, XLA's FLOP / byte estimates and the achieved rates."""
        return self._profile(line)

    @_guard("%profile")
    def _profile(self, line):
        args = _parse(CellaxMagics.profile, line)
        if args.r < 1 or (args.n is not None and args.n < 1):
            raise UsageError("-n and -r must be at least 1")
        expr = " ".join(args.expr)
        fun, a, kw, _ = _call_parts(expr, self._ns)
        try:
            return self._measure(fun, a, kw, args.n, args.r, expr)
        except (UsageError, CellaxMagicError):
            raise
        except Exception as e:  # noqa: BLE001
            raise CellaxMagicError(f"%profile {expr}: {_exc_text(e)}", original=e) from None

    def _measure(self, fun, a, kw, number, repeat, title) -> ProfileResult:
        stats = dispatch.compile_stats
        res = ProfileResult({k: [] for k in _STAGES})
        traced = jf = None
        for _ in range(repeat):
            jf = _fresh_jit(fun)  # a new jit: nothing cached, so it traces
            t0 = time.perf_counter()
            traced = jf.trace(*a, **kw)
            res["trace"].append(time.perf_counter() - t0)
        name = getattr(traced, "_name", "profile")
        device = getattr(traced, "_device", None) or _default_device()
        donated = getattr(traced, "_donated", None)
        n0 = stats.count
        compiled = traced.lower().compile()  # the program the calls below run
        if stats.count > n0:
            res["lower"].append(stats.last_lower_time)
            res["compile"].append(stats.last_compile_time)
        while len(res["compile"]) < repeat:  # again, past jit's compile cache
            dispatch.compile_closed_jaxpr(traced.jaxpr, name, device, donated)
            res["lower"].append(stats.last_lower_time)
            res["compile"].append(stats.last_compile_time)
        try:
            cost = dict(compiled.cost_analysis() or {})
        except Exception:  # noqa: BLE001
            cost = {}
        cellax.block_until_ready(jf(*a, **kw))  # warm-up
        if number is None:
            t0 = time.perf_counter()
            cellax.block_until_ready(jf(*a, **kw))
            once = max(time.perf_counter() - t0, 1e-7)
            number = int(min(1000, max(1, 0.05 // once)))
        for _ in range(repeat):
            t0 = time.perf_counter()
            for _ in range(number):
                cellax.block_until_ready(jf(*a, **kw))
            res["execute"].append((time.perf_counter() - t0) / number)
        _measured_device_time[0] += sum(res["execute"]) * number
        med = {k: statistics.median(v) for k, v in res.items() if v}
        res.update(
            cost=cost, device=str(device), number=number, repeat=repeat, title=title,
            median=med, spread={k: (min(v), max(v)) for k, v in res.items()
                                if k in _STAGES and v})
        ex = med.get("execute")
        res["flops_per_s"] = cost["flops"] / ex if ex and cost.get("flops") else None
        res["bytes_per_s"] = (cost["bytes accessed"] / ex if ex and cost.get("bytes accessed")
                              else None)
        return res

    # -- %cellax_summary ----------------------------------------------------------------

    @magic_arguments()
    @argument("state", nargs="?", choices=("on", "off"), help="on or off (default: show)")
    @line_magic
    def cellax_summary(self, line):
        """`%cellax_summary on|off`: after each cell, print how many XLA compilations it
        caused, the time spent compiling, and the execution time measured by %%jit."""
        return self._summary_magic(line)

    @_guard("%cellax_summary")
    def _summary_magic(self, line):
        args = _parse(CellaxMagics.cellax_summary, line)
        if args.state is not None:
            self.summary_on = args.state == "on"
        print(f"cellax per-cell summary is {'on' if self.summary_on else 'off'}")

    def pre_run_cell(self, info=None) -> None:
        try:
            s = dispatch.compile_stats
            self._snapshot = (self.summary_on, s.count, s.lower_time + s.compile_time,
                              _measured_device_time[0], time.perf_counter())
        except Exception:  # noqa: BLE001 - a hook must never fail
            self._snapshot = None

    def post_run_cell(self, result=None) -> None:
        snap, self._snapshot = self._snapshot, None
        if not (self.summary_on and snap and snap[0]):
            return
        try:
            s = dispatch.compile_stats
            n = s.count - snap[1]
            ct = s.lower_time + s.compile_time - snap[2]
            dev = _measured_device_time[0] - snap[3]
            wall = time.perf_counter() - snap[4]
            parts = [f"{n} compilation{'s' if n != 1 else ''}"]
            if n:
                parts.append(f"compile {_fmt_s(ct)}")
            if dev:
                parts.append(f"device {_fmt_s(dev)}")
            parts.append(f"wall {_fmt_s(wall)}")
            print("[cellax] " + " · ".join(parts))
        except Exception:  # noqa: BLE001
            pass


def _fresh_jit(fun):
    """A new jit of `fun` with empty caches (keeping a jit-wrapped function's static
    arguments and device; not its donation, since profiling calls it repeatedly)."""
    if isinstance(fun, cellax.api.JitWrapped):
        return cellax.jit(fun._fun, static_argnums=fun._static_argnums or None,
                          static_argnames=tuple(fun._static_argnames) or None,
                          device=fun._device)
    return cellax.jit(fun)
