"""What the magics read: cells (parsing, name analysis, the function a `%%jit` cell becomes),
magic arguments, the values a cell uses, and errors that point at a cell line. Split out
of `magics`, which imports these back."""
from __future__ import annotations

import ast
import math
import re
import symtable
import traceback
from typing import Callable

import numpy as np
from IPython.core.error import UsageError

import cellax
from cellax import core
from cellax.tree_util import tree_flatten, tree_leaves

_ENV = "__cellax_env__"     # parameter of a staged cell holding the values it closes over
_LAST = "__cellax_last__"   # the cell's last expression


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
