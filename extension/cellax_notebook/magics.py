"""cellax's IPython magics: stage, differentiate, inspect and profile cells and calls.

`%%jit` stages a whole cell as one XLA program, `%%grad` / `%grad` differentiate a cell
or a call, `%jaxpr`, `%hlo`, `%devices` and `%profile` inspect, `%cellax_summary`
reports per-cell compilations. Every magic reports failures as a short message that
names the cell line (a `UsageError` for bad arguments); none lets an exception escape
as a traceback, and none can take the kernel down.

Views (IR, graph, profile) come from `cellax_notebook.views`, imported lazily; without
them the magics fall back to plain text.
"""
from __future__ import annotations

import ast
import html
import math
import re
import statistics
import symtable
import sys
import time
import traceback
from collections import OrderedDict
from typing import Callable

import numpy as np
from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, line_magic, magics_class, cell_magic
from IPython.core.magic_arguments import argument, magic_arguments

import cellax
from cellax import core, dispatch
from cellax.tree_util import tree_flatten, tree_leaves, tree_unflatten

_ENV = "__cellax_env__"     # parameter of a staged cell holding the values it closes over
_LAST = "__cellax_last__"   # the cell's last expression
_MAX_PROGRAMS = 128         # staged cells kept (least recently used dropped)

# Time spent executing compiled programs measured by the magics in this session
# (`%cellax_summary` reports it per cell; eager op-by-op execution is not measured).
_measured_device_time = [0.0]


# ---------------------------------------------------------------------------------------
# Errors


class CellaxMagicError(Exception):
    """A magic failed; shown as its message alone (no traceback)."""

    def __init__(self, message: str, *, original: BaseException | None = None,
                 line: int | None = None):
        super().__init__(message)
        self.message = message
        self.original = original
        self.line = line  # the cell line the error points at (1 = the magic's line)

    def _render_traceback_(self):  # IPython and ipykernel show this instead of a traceback
        return self.message.splitlines()


def _guard(what: str):
    """Wrap a magic so that any failure becomes a clean UsageError / CellaxMagicError."""
    def deco(fun):
        def wrapper(self, *args, **kwargs):
            try:
                return fun(self, *args, **kwargs)
            except (UsageError, CellaxMagicError, KeyboardInterrupt):
                raise
            except BaseException as e:  # noqa: BLE001 - no magic may take the kernel down
                raise CellaxMagicError(f"{what} failed: {_exc_text(e)}", original=e) from e
        wrapper.__name__, wrapper.__qualname__ = fun.__name__, fun.__qualname__
        wrapper.__doc__ = fun.__doc__
        return wrapper
    return deco


def _exc_text(e: BaseException) -> str:
    msg = str(e)
    return f"{type(e).__name__}: {msg}" if msg else type(e).__name__


_PKG_DIRS: tuple[str, ...] | None = None


def _internal_file(filename: str) -> bool:
    global _PKG_DIRS
    if _PKG_DIRS is None:
        import os
        _PKG_DIRS = (os.path.dirname(os.path.abspath(cellax.__file__)) + os.sep,
                     os.path.dirname(os.path.abspath(__file__)) + os.sep)
    return (filename.startswith(_PKG_DIRS) or filename.startswith("<frozen")
            or "site-packages" in filename or "/lib/python3" in filename)


def _where(shell, filename: str, lineno: int) -> str:
    """How IPython names a place: `Cell In[3], line 2` or `file.py:12`."""
    n = getattr(shell.compile, "_filename_map", {}).get(filename) if shell else None
    if n is not None:
        return f"Cell In[{n}], line {lineno}"
    return f"{filename}:{lineno}"


def _cell_error(e: BaseException, magic: str, cell: "_Cell", shell, dyn_names=(),
                staged: bool = True, default_line: int | None = None) -> CellaxMagicError:
    """An error raised while running a cell, pointed at the cell line that raised it
    (lines counted from the magic's own line, as the notebook shows them)."""
    frames = traceback.extract_tb(e.__traceback__)
    mine = [f for f in frames if f.filename == cell.filename]
    line = mine[-1].lineno if mine else default_line
    inner = next((f for f in reversed(frames)
                  if not _internal_file(f.filename) and f.filename != cell.filename), None)
    if inner is not None and mine and frames.index(inner) < frames.index(mine[-1]):
        inner = None  # the cell's own frame is the innermost user frame
    kind = type(e).__name__
    head = f"{magic} cell" + (f", line {line}:" if line else ":")
    out = [head]
    if line:
        out.append(f"    {cell.line_text(line).strip()}")
    if inner is not None:
        out.append(f"  in {inner.name} ({_where(shell, inner.filename, inner.lineno)}): "
                   f"{(inner.line or '').strip()}")
    errors = cellax.errors
    if staged and isinstance(e, (errors.ConcretizationTypeError,
                                 errors.TracerIntegerConversionError,
                                 errors.TracerArrayConversionError)):
        names = _involved_inputs(e, cell.line_text(line) if line else "", dyn_names)
        static = (" ".join(f"--static {n}" for n in names) if names else "--static NAME")
        which = ", ".join(f"`{n}`" for n in names) if names else "a cell input"
        if isinstance(e, errors.TracerBoolConversionError):
            out.append(f"{kind}: Python control flow (`if`, `while`, `and`, `or`, `not`) "
                       f"depends on {which}, whose value is only known when the compiled "
                       "program runs.")
            out.append(f"Fix: `%%jit {static}` (a compile-time constant; each new value "
                       "recompiles), or choose with `lax.cond` / `jnp.where` (loops: "
                       "`lax.fori_loop` / `lax.while_loop`).")
        elif isinstance(e, errors.TracerIntegerConversionError):
            out.append(f"{kind}: A traced value ({which}) is used as a Python int (a "
                       "`range` bound, an index, a size).")
            out.append(f"Fix: `%%jit {static}`, or use `lax.fori_loop` / "
                       "`lax.dynamic_slice`.")
        elif isinstance(e, errors.TracerArrayConversionError):
            out.append(f"{kind}: A NumPy function got a traced value. Fix: use the `cellax.numpy` "
                       "function instead (`jnp.sin`, not `np.sin`).")
        else:
            out.append(f"{kind}: A concrete value is needed here, but {which} is traced.")
            out.append(f"Fix: `%%jit {static}`, or use `lax.cond` / `jnp.where`.")
    else:
        msg = str(e).strip()
        # cellax's own messages can be long: keep the first lines and the fix.
        lines = msg.splitlines()
        if len(lines) > 6:
            lines = lines[:4] + ["..."] + [ln for ln in lines[4:] if ln.startswith("Fix")][:1]
        out.append(f"{kind}: " + "\n".join(lines) if lines else kind)
    err = CellaxMagicError("\n".join(out), original=e, line=line)
    return err


def _involved_inputs(e, line_text: str, dyn_names) -> list[str]:
    dyn = list(dyn_names)
    words = set(re.findall(r"[A-Za-z_]\w*", line_text))
    names = [n for n in dyn if n in words]
    if not names:
        msg = str(e)
        m = re.search(r"argument[s]?\s+(.*)", msg)
        if m:
            names = [n for n in dyn if re.search(rf"\b{re.escape(n)}\b", m.group(1))]
    return names


# ---------------------------------------------------------------------------------------
# Argument parsing


def _split_line(line: str) -> list[str]:
    """Split a magic's line at top-level whitespace: brackets and strings stay whole, so
    `f(x, y) --graph` gives ['f(x, y)', '--graph']."""
    out, cur, depth, quote = [], [], 0, None
    i, n = 0, len(line)
    while i < n:
        c = line[i]
        if quote:
            cur.append(c)
            if c == "\\" and i + 1 < n:
                cur.append(line[i + 1])
                i += 1
            elif c == quote:
                quote = None
        elif c in "'\"":
            quote = c
            cur.append(c)
        elif c in "([{":
            depth += 1
            cur.append(c)
        elif c in ")]}":
            depth = max(0, depth - 1)
            cur.append(c)
        elif c.isspace() and depth == 0:
            if cur:
                out.append("".join(cur))
                cur = []
        else:
            cur.append(c)
        i += 1
    if cur:
        out.append("".join(cur))
    return out


def _parse(magic_fn, line: str):
    return magic_fn.parser.parse_args(_split_line(line))


def _unquote(s: str) -> str:
    if len(s) >= 2 and s[0] == s[-1] and s[0] in "'\"":
        return s[1:-1]
    return s


def _names(values, what: str) -> list[str]:
    """`--static a,b --static c` -> ['a', 'b', 'c'] (identifiers only)."""
    out = []
    for v in values or ():
        for n in _unquote(v).replace(",", " ").split():
            if not n.isidentifier():
                raise UsageError(f"{what}: {n!r} is not a variable name")
            if n not in out:
                out.append(n)
    return out


def _resolve_device(spec: str | None):
    if spec is None:
        return None
    spec = _unquote(spec).strip()
    devs = cellax.devices()
    listing = ", ".join(str(d) for d in devs)
    if spec.isdigit():
        i = int(spec)
        if i < len(devs):
            return devs[i]
        raise UsageError(f"--device {spec}: there are {len(devs)} devices ({listing})")
    name, _, idx = spec.partition(":")
    name = {"cuda": "gpu", "rocm": "gpu"}.get(name.lower(), name.lower())
    for d in devs:
        if str(d) == spec:
            return d
    try:
        cands = cellax.devices(name)
    except Exception:  # noqa: BLE001 - an unknown backend name
        cands = [d for d in devs if d.platform == name]
    if idx:
        cands = [d for d in cands if str(d.id) == idx]
    if not cands:
        raise UsageError(f"--device {spec}: no such device; devices: {listing}")
    return cands[0]


def _call_parts(expr: str, ns: dict):
    """Evaluate a call expression's callee and arguments in `ns`:
    (fun, args, kwargs, name of each positional argument that is a plain variable)."""
    expr = expr.strip()
    if not expr:
        raise UsageError("expected a call expression, like `f(x, y)`")
    try:
        node = ast.parse(expr, mode="eval").body
    except SyntaxError as e:
        raise UsageError(f"cannot parse {expr!r}: {e.msg}") from None
    if not isinstance(node, ast.Call):
        raise UsageError(f"expected a call expression, like `f(x, y)`; got {expr!r}")

    def ev(n):
        code = compile(ast.Expression(n), "<cellax magic>", "eval")
        try:
            return eval(code, ns)  # noqa: S307 - the user's own expression
        except Exception as e:  # noqa: BLE001
            raise CellaxMagicError(f"evaluating `{ast.unparse(n)}` failed: {_exc_text(e)}",
                                   original=e) from e

    fun = ev(node.func)
    if not callable(fun):
        raise UsageError(f"`{ast.unparse(node.func)}` is not callable "
                         f"({type(fun).__name__})")
    args, names, kwargs = [], [], {}
    for a in node.args:
        if isinstance(a, ast.Starred):
            vals = list(ev(a.value))
            args.extend(vals)
            names.extend([None] * len(vals))
        else:
            args.append(ev(a))
            names.append(a.id if isinstance(a, ast.Name) else None)
    for k in node.keywords:
        if k.arg is None:
            kwargs.update(ev(k.value))
        else:
            kwargs[k.arg] = ev(k.value)
    return fun, tuple(args), kwargs, names


# ---------------------------------------------------------------------------------------
# Cells: parsing, name analysis and the function a cell becomes


class _Cell:
    """A cell body parsed for staging. Line numbers count the magic's own line as 1."""

    def __init__(self, shell, header: str, body: str, magic: str):
        self.magic = magic
        # Plain Python, not IPython's transforms: they drop leading blank lines, which
        # would shift the line numbers errors point at.
        self.body = body
        self.text = header + "\n" + body
        self.lines = self.text.splitlines()
        number = getattr(shell, "execution_count", 0) if shell is not None else 0
        if shell is not None:
            self.filename = shell.compile.cache(self.text, number)
        else:
            self.filename = f"<{magic} cell>"
        try:
            tree = ast.parse(body, self.filename)
        except SyntaxError as e:
            line = (e.lineno or 0) + 1
            raise CellaxMagicError(f"SyntaxError in {magic} cell, line {line}:\n    "
                                   f"{self.line_text(line).strip()}\n{e.msg}", line=line) from None
        ast.increment_lineno(tree, 1)
        self.stmts = tree.body
        if not self.stmts:
            raise UsageError(f"{magic}: the cell is empty")
        for node in _walk_top_scope(self.stmts):
            if isinstance(node, (ast.Return, ast.Yield, ast.YieldFrom, ast.Await,
                                 ast.Global, ast.Nonlocal)):
                what = type(node).__name__.lower().replace("yieldfrom", "yield from")
                raise CellaxMagicError(
                    f"{magic} cell, line {node.lineno}: `{what}` at the top level of the "
                    f"cell is not supported\n    {self.line_text(node.lineno).strip()}",
                    line=node.lineno)
        last = self.stmts[-1]
        self.last_expr = last.value if isinstance(last, ast.Expr) else None
        self.last_line = last.lineno
        self.end_line = last.end_lineno or last.lineno
        self.hoisted = [s for s in self.stmts if _defines_function(s)]
        self.hoisted_names = set()
        for s in self.hoisted:
            self.hoisted_names |= _bound_by(s)
        self.reads, self.bound = self._analyze(body)

    def line_text(self, line: int) -> str:
        return self.lines[line - 1] if 1 <= line <= len(self.lines) else ""

    def _analyze(self, body: str):
        """(names the cell may read from the namespace before binding them, in order of
        first appearance; names the cell binds at its top level)."""
        top = symtable.symtable(body, self.filename, "exec")
        sym_reads = {s.get_name() for s in top.get_symbols() if s.is_referenced()}
        bound = {s.get_name() for s in top.get_symbols()
                 if s.is_assigned() or s.is_imported()}
        stack = list(top.get_children())
        while stack:
            t = stack.pop()
            stack.extend(t.get_children())
            sym_reads |= {s.get_name() for s in t.get_symbols()
                          if s.is_referenced() and s.is_global()}
        # `params['w'] = v` / `obj.a = v` at the top level rebind (mutate) `params`.
        for node in _walk_top_scope(self.stmts):
            if isinstance(node, (ast.Subscript, ast.Attribute)) and isinstance(
                    node.ctx, ast.Store):
                base = node.value
                while isinstance(base, (ast.Subscript, ast.Attribute)):
                    base = base.value
                if isinstance(base, ast.Name):
                    bound.add(base.id)
        # Names bound by a plain statement before any statement mentions them are not
        # read from the namespace (`y = 2*x` after `x = ...` in the cell).
        assigned, reads = set(), []
        for stmt in self.stmts:
            for node in ast.walk(stmt):
                if isinstance(node, ast.Name) and (
                        isinstance(node.ctx, ast.Load) or isinstance(stmt, ast.AugAssign)):
                    n = node.id
                    if n in sym_reads and n not in assigned and n not in reads:
                        reads.append(n)
            if isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.Import, ast.ImportFrom,
                                 ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                assigned |= _bound_by(stmt)
        return reads, bound

    def make_function(self, params: list[str], env_names: list[str], name: str,
                      user_ns: dict) -> Callable:
        """`def name(__cellax_env__, *params)`: the cell's body, reading `env_names` from
        the env mapping first, returning (locals(), value of the last expression)."""
        import copy
        prologue = []
        for n in env_names:
            prologue.append(ast.Assign(
                targets=[ast.Name(n, ast.Store())],
                value=ast.Subscript(ast.Name(_ENV, ast.Load()), ast.Constant(n), ast.Load()),
                lineno=1, end_lineno=1, col_offset=0, end_col_offset=0))
        body = [copy.deepcopy(s) for s in self.stmts]
        if self.last_expr is not None:
            last = body[-1]
            body[-1] = ast.Assign(targets=[ast.Name(_LAST, ast.Store())], value=last.value,
                                  lineno=last.lineno, end_lineno=last.end_lineno,
                                  col_offset=last.col_offset,
                                  end_col_offset=last.end_col_offset)
        else:
            body.append(ast.Assign(targets=[ast.Name(_LAST, ast.Store())],
                                   value=ast.Constant(None), lineno=self.end_line,
                                   end_lineno=self.end_line, col_offset=0, end_col_offset=0))
        body.append(ast.Return(ast.Tuple([
            ast.Call(ast.Name("locals", ast.Load()), [], []),
            ast.Name(_LAST, ast.Load())], ast.Load()), lineno=self.end_line,
            end_lineno=self.end_line, col_offset=0, end_col_offset=0))
        fn = ast.FunctionDef(
            name=name,
            args=ast.arguments(posonlyargs=[], args=[ast.arg(_ENV)] + [ast.arg(p)
                                                                       for p in params],
                               kwonlyargs=[], kw_defaults=[], defaults=[]),
            body=prologue + body, decorator_list=[], returns=None,
            lineno=1, end_lineno=self.end_line, col_offset=0, end_col_offset=0)
        module = ast.Module([fn], type_ignores=[])
        ast.fix_missing_locations(module)
        code = compile(module, self.filename, "exec")
        scope: dict = {}
        exec(code, user_ns, scope)  # noqa: S102 - the user's own cell
        return scope[name]

    def define_functions(self, user_ns: dict) -> None:
        """Run the cell's def / class / import / `f = lambda` statements as plain Python in
        the namespace, so that what they define stays usable (unstaged) afterwards."""
        if not self.hoisted:
            return
        module = ast.Module(self.hoisted, type_ignores=[])
        exec(compile(module, self.filename, "exec"), user_ns)  # noqa: S102

    def outputs(self, loc: dict) -> dict:
        return {n: loc[n] for n in sorted(self.bound)
                if n in loc and n not in self.hoisted_names}


def _walk_top_scope(stmts):
    """Nodes of `stmts` outside nested function / class / lambda bodies."""
    stack = list(stmts)
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda,
                             ast.ClassDef)):
            continue
        stack.extend(ast.iter_child_nodes(node))


def _defines_function(stmt) -> bool:
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import,
                         ast.ImportFrom)):
        return True
    return (isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Lambda)
            and all(isinstance(t, ast.Name) for t in stmt.targets))


def _bound_by(stmt) -> set:
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {stmt.name}
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        return {(a.asname or a.name).split(".")[0] for a in stmt.names}
    targets = stmt.targets if isinstance(stmt, ast.Assign) else [getattr(stmt, "target",
                                                                         None)]
    out = set()
    for t in targets:
        if t is None or (isinstance(stmt, ast.AnnAssign) and stmt.value is None):
            continue
        for node in ast.walk(t):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                out.add(node.id)
    return out


# ---------------------------------------------------------------------------------------
# Values: which are arrays (inputs of a staged cell), fingerprints of the others


def _is_array_leaf(v) -> bool:
    if isinstance(v, bool):
        return False
    if isinstance(v, (int, float, complex)):
        return True
    if isinstance(v, cellax.Array) and not isinstance(v, core.Tracer):
        return True
    if isinstance(v, (np.ndarray, np.generic)):
        return np.dtype(v.dtype).kind in "biufc" or v.dtype.name == "bfloat16"
    return False


def _is_array_value(v) -> bool:
    """Arrays, Python numbers (not bools), and lists / tuples / dicts of them."""
    if _is_array_leaf(v):
        return True
    if isinstance(v, (list, tuple, dict)):
        try:
            leaves = tree_leaves(v)
        except Exception:  # noqa: BLE001
            return False
        return bool(leaves) and all(_is_array_leaf(x) for x in leaves)
    return False


_VALUE_TYPES = (bool, int, float, complex, str, bytes, type(None))


def _fingerprint(v):
    """What a static value is compared by: plain values by value, arrays by contents,
    anything else by identity (the bundle keeps it alive, so ids are not reused)."""
    if isinstance(v, _VALUE_TYPES):
        return ("v", type(v).__name__, v)
    if isinstance(v, (np.ndarray, np.generic)) or (
            isinstance(v, cellax.Array) and not isinstance(v, core.Tracer)):
        a = np.asarray(v)
        return ("a", a.shape, str(a.dtype), a.tobytes())
    if isinstance(v, tuple):
        return ("t",) + tuple(_fingerprint(x) for x in v)
    return ("id", id(v))


class _Statics:
    """The values a staged cell closes over: jit's static argument (hashed by
    fingerprint), read by the cell's prologue."""

    __slots__ = ("values", "key", "_hash")

    def __init__(self, values: dict):
        self.values = values
        self.key = tuple((n, _fingerprint(v)) for n, v in sorted(values.items()))
        self._hash = hash(self.key)

    def __getitem__(self, name):
        return self.values[name]

    def __hash__(self):
        return self._hash

    def __eq__(self, other):
        return isinstance(other, _Statics) and self.key == other.key

    def __repr__(self):
        return f"<statics {sorted(self.values)}>"


def _aval_key(values) -> tuple:
    flat, tree = tree_flatten(values)
    return tree, tuple(core.get_aval(x) for x in flat)


def _short(x) -> str:
    try:
        return core.get_aval(x).str_short()
    except Exception:  # noqa: BLE001
        return type(x).__name__


def _concrete(x):
    """A leaf of `has_aux` output as a concrete value (unwrapping a tracer that a
    transformation returned by mistake)."""
    for _ in range(8):
        if not isinstance(x, core.Tracer):
            return x
        try:
            x = x.to_concrete_value()
        except Exception:  # noqa: BLE001
            return None
    return x


def _fmt_s(s: float | None) -> str:
    if s is None or (isinstance(s, float) and math.isnan(s)):
        return "-"
    if s >= 1:
        return f"{s:.2f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.1f} ms" if s >= 1e-2 else f"{s * 1e3:.2f} ms"
    return f"{s * 1e6:.1f} µs"


def _device_name(d) -> str:
    kind = getattr(d, "device_kind", "")
    return f"{d} ({kind})" if kind and kind.lower() != getattr(d, "platform", "") else str(d)


def _default_device():
    from cellax import backend
    return backend.default_device()


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
