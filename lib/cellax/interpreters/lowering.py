"""Lowering jaxprs to StableHLO, written as MLIR text with source locations.

Each primitive's lowering rule (registered in `core.lowering_rules`) receives a
`RuleContext` and the SSA values of its operands and returns the SSA values of
its results. Rules emit ops in MLIR's generic form through `ctx.op(...)`, which
keeps every op uniform. `backend.parse_module` turns the text into a module.
Nested `jit` calls become private functions and `func.call`s.
"""
from __future__ import annotations

import itertools
from typing import Any, Sequence

import numpy as np

from cellax import core, dtypes
from cellax.core import ClosedJaxpr, Jaxpr, Literal, ShapedArray

# ---------------------------------------------------------------------------------------
# Types and attributes

_ELEM = {
    dtypes.bool_: "i1", dtypes.int8: "i8", dtypes.int16: "i16", dtypes.int32: "i32",
    dtypes.int64: "i64", dtypes.uint8: "ui8", dtypes.uint16: "ui16", dtypes.uint32: "ui32",
    dtypes.uint64: "ui64", dtypes.float16: "f16", dtypes.bfloat16: "bf16",
    dtypes.float32: "f32", dtypes.float64: "f64", dtypes.complex64: "complex<f32>",
    dtypes.complex128: "complex<f64>",
    # The narrow types, spelled as JAX lowers them (int1/uint1 are 1-bit integers, like bool).
    dtypes.float8_e3m4: "f8E3M4", dtypes.float8_e4m3: "f8E4M3",
    dtypes.float8_e4m3b11fnuz: "f8E4M3B11FNUZ", dtypes.float8_e4m3fn: "f8E4M3FN",
    dtypes.float8_e4m3fnuz: "f8E4M3FNUZ", dtypes.float8_e5m2: "f8E5M2",
    dtypes.float8_e5m2fnuz: "f8E5M2FNUZ", dtypes.float8_e8m0fnu: "f8E8M0FNU",
    dtypes.float6_e2m3fn: "f6E2M3FN", dtypes.float6_e3m2fn: "f6E3M2FN",
    dtypes.float4_e2m1fn: "f4E2M1FN",
    dtypes.int1: "i1", dtypes.int2: "i2", dtypes.int4: "i4",
    dtypes.uint1: "ui1", dtypes.uint2: "ui2", dtypes.uint4: "ui4",
}


def elem_type(dtype: np.dtype) -> str:
    dtype = np.dtype(dtype)
    if dtype == dtypes.uint1:
        # JAX spells it ui1 too, and fails the same way: StableHLO ops take i1 (bool) and
        # 2-bit-and-wider integers, but no unsigned 1-bit type.
        raise ValueError("Cannot lower a computation on uint1 arrays: StableHLO has no "
                         "unsigned 1-bit element type. uint1 arrays can be created and "
                         "transferred; cast them on the host (np.asarray(x).astype(...)) "
                         "or use bool / uint2 instead.")
    return _ELEM[dtype]


def tensor_type(aval_or_shape, dtype=None) -> str:
    if dtype is None:
        shape, dtype = aval_or_shape.shape, aval_or_shape.dtype
    else:
        shape = aval_or_shape
    dims = "".join(f"{d}x" for d in shape)
    return f"tensor<{dims}{elem_type(dtype)}>"


def i64_array(values: Sequence[int]) -> str:
    """A DenseI64ArrayAttr: `array<i64: 0, 1>`."""
    values = list(values)
    return f"array<i64: {', '.join(map(str, values))}>" if values else "array<i64>"


def bool_array(values: Sequence[bool]) -> str:
    values = list(values)
    return (f"array<i1: {', '.join('true' if v else 'false' for v in values)}>"
            if values else "array<i1>")


def dense_attr(value: np.ndarray, aval: ShapedArray | None = None) -> str:
    """A DenseElementsAttr for a constant of `aval`'s type holding `value`."""
    value = np.asarray(value)
    ttype = tensor_type(value.shape, value.dtype)
    if value.dtype == np.bool_:
        flat = value.ravel()
        if flat.size and (flat == flat[0]).all():
            return f"dense<{'true' if flat[0] else 'false'}> : {ttype}"
        return f"dense<[{', '.join('true' if v else 'false' for v in flat)}]> : {ttype}"
    if value.dtype in _SUB_BYTE_INTS:
        return _sub_byte_int_attr(value, ttype)
    flat = np.ascontiguousarray(value).ravel()
    if flat.size and flat.size > 1 and (flat.view(np.uint8).reshape(flat.size, -1)
                                        == flat.view(np.uint8).reshape(flat.size, -1)[0]).all():
        flat = flat[:1]  # a splat: one element's bytes
    if flat.size == 0:
        return f"dense<> : {ttype}" if value.size == 0 else f"dense<0> : {ttype}"
    data = flat.astype(flat.dtype.newbyteorder("<"), copy=False).tobytes().hex().upper()
    return f'dense<"0x{data}"> : {ttype}'


_SUB_BYTE_INTS = {dtypes.int1, dtypes.int2, dtypes.int4, dtypes.uint1, dtypes.uint2,
                  dtypes.uint4}


def _sub_byte_int_attr(value: np.ndarray, ttype: str) -> str:
    # Written as integers (the hex form's packing of sub-byte elements is MLIR's choice,
    # not ml_dtypes' one-per-byte layout); 1-bit ones as true/false, like bool.
    ints = value.astype(np.int8).ravel()
    if value.dtype in (dtypes.int1, dtypes.uint1):
        words = ["true" if v else "false" for v in ints]
    else:
        words = [str(int(v)) for v in ints]
    if not words:
        return f"dense<> : {ttype}"
    if all(w == words[0] for w in words):
        return f"dense<{words[0]}> : {ttype}"
    return f"dense<[{', '.join(words)}]> : {ttype}"


def loc_attr(source_info, name: str) -> str:
    stack = getattr(source_info, "name_stack", "") if source_info is not None else ""
    if stack:
        name = f"{stack}/{name}"
    if source_info is None or source_info.file is None:
        return f'loc("{name}")'
    fname = source_info.file.replace("\\", "\\\\").replace('"', '\\"')
    return f'loc("{name}"("{fname}":{source_info.line}:0))'


# ---------------------------------------------------------------------------------------
# Emission


class ModuleBuilder:
    """Collects the functions of one module; nested jaxprs become private functions."""

    def __init__(self, name: str):
        self.name = name
        self.functions: list[str] = []
        self._func_names: dict[int, str] = {}
        self._used_names: set[str] = set()

    def fresh_func_name(self, base: str) -> str:
        base = "".join(c if c.isalnum() or c == "_" else "_" for c in base) or "fn"
        name, k = base, 1
        while name in self._used_names:
            name = f"{base}_{k}"
            k += 1
        self._used_names.add(name)
        return name

    def text(self) -> str:
        body = "\n".join(self.functions)
        mod_name = "".join(c if c.isalnum() or c == "_" else "_" for c in self.name) or "m"
        return (f"module @{mod_name} attributes {{mhlo.num_partitions = 1 : i32, "
                f"mhlo.num_replicas = 1 : i32}} {{\n{body}\n}}\n")

    def callee_for(self, closed: ClosedJaxpr, name: str) -> str:
        key = id(closed.jaxpr)
        fn = self._func_names.get(key)
        if fn is None:
            fn = self.fresh_func_name(name)
            self._func_names[key] = fn
            lower_function(self, fn, closed, public=False)
        return fn


class FunctionBuilder:
    def __init__(self, module: ModuleBuilder):
        self.module = module
        self.lines: list[str] = []
        self._ids = itertools.count()
        self.indent = "    "

    def fresh(self) -> str:
        return f"%{next(self._ids)}"


class RuleContext:
    """What a lowering rule sees: the function being built, the avals and the location."""

    __slots__ = ("fn", "avals_in", "avals_out", "loc", "prim_name")

    def __init__(self, fn: FunctionBuilder, avals_in, avals_out, loc: str, prim_name: str):
        self.fn, self.avals_in, self.avals_out, self.loc = fn, avals_in, avals_out, loc
        self.prim_name = prim_name

    @property
    def module(self) -> ModuleBuilder:
        return self.fn.module

    def op(self, name: str, operands: Sequence[str], operand_types: Sequence[str],
           result_types: Sequence[str], attrs: str | dict | None = None,
           regions: Sequence[str] = ()) -> list[str]:
        """Emit `name` in generic form; returns the SSA names of its results."""
        if isinstance(attrs, dict):
            attrs = ", ".join(f"{k} = {v}" for k, v in attrs.items())
        n = len(result_types)
        if n == 0:
            lhs, results = "", []
        elif n == 1:
            r = self.fn.fresh()
            lhs, results = f"{r} = ", [r]
        else:
            r = self.fn.fresh()
            lhs, results = f"{r}:{n} = ", [f"{r}#{i}" for i in range(n)]
        region_txt = ""
        if regions:
            region_txt = " (" + ", ".join(regions) + ")"
        attr_txt = f" {{{attrs}}}" if attrs else ""
        rtypes = result_types[0] if n == 1 else f"({', '.join(result_types)})"
        self.fn.lines.append(
            f"{self.fn.indent}{lhs}\"{name}\"({', '.join(operands)}){region_txt}{attr_txt} : "
            f"({', '.join(operand_types)}) -> {rtypes} {self.loc}")
        return results

    def simple(self, name: str, operands: Sequence[str], attrs=None,
               avals_in=None, avals_out=None) -> str:
        """An op whose operand/result types are those of the equation's avals."""
        avals_in = self.avals_in if avals_in is None else avals_in
        avals_out = self.avals_out if avals_out is None else avals_out
        return self.op(name, operands, [tensor_type(a) for a in avals_in],
                       [tensor_type(a) for a in avals_out], attrs)[0]

    def constant(self, value, dtype=None) -> str:
        value = np.asarray(value, dtype=dtype)
        return self.op("stablehlo.constant", [], [], [tensor_type(value.shape, value.dtype)],
                       {"value": dense_attr(value)})[0]

    def broadcast(self, x: str, aval_in: ShapedArray, shape, dims=None) -> str:
        """broadcast_in_dim of `x` to `shape` (trailing-aligned unless `dims` is given)."""
        shape = tuple(shape)
        if aval_in.shape == shape:
            return x
        if dims is None:
            dims = range(len(shape) - aval_in.ndim, len(shape))
        return self.op("stablehlo.broadcast_in_dim", [x], [tensor_type(aval_in)],
                       [tensor_type(shape, aval_in.dtype)],
                       {"broadcast_dimensions": i64_array(dims)})[0]

    def convert(self, x: str, aval_in: ShapedArray, dtype) -> str:
        if aval_in.dtype == dtype:
            return x
        return self.op("stablehlo.convert", [x], [tensor_type(aval_in)],
                       [tensor_type(aval_in.shape, dtype)])[0]

    def region(self, arg_types: Sequence[str], body) -> str:
        """A region with block arguments; `body(ctx, args)` returns the values to return."""
        fn = self.fn
        saved_lines, saved_indent = fn.lines, fn.indent
        args = [fn.fresh().replace("%", "%blk") for _ in arg_types]
        fn.lines, fn.indent = [], saved_indent + "  "
        try:
            results, result_types = body(self, args)
            self.op("stablehlo.return", results, result_types, [])
            inner = fn.lines
        finally:
            fn.lines, fn.indent = saved_lines, saved_indent
        head = ", ".join(f"{a}: {t}" for a, t in zip(args, arg_types))
        return "{\n" + f"{saved_indent} ^bb0({head}):\n" + "\n".join(inner) + \
            f"\n{saved_indent}}}"


def lower_eqns(fn: FunctionBuilder, jaxpr: Jaxpr, consts: Sequence[Any],
               args: Sequence[str]) -> list[str]:
    env: dict = {}

    def read(v) -> str:
        if type(v) is Literal:
            ctx = RuleContext(fn, [], [v.aval], 'loc("literal")', "literal")
            return ctx.constant(np.asarray(v.val, dtype=v.aval.dtype))
        return env[v]

    for v, c in zip(jaxpr.constvars, consts):
        ctx = RuleContext(fn, [], [v.aval], 'loc("constant")', "constant")
        env[v] = ctx.constant(np.asarray(c, dtype=v.aval.dtype))
    for v, a in zip(jaxpr.invars, args):
        env[v] = a
    for eqn in jaxpr.eqns:
        rule = core.lowering_rules.get(eqn.primitive)
        if rule is None:
            raise NotImplementedError(f"No lowering rule for primitive '{eqn.primitive}'")
        ctx = RuleContext(fn, [v.aval for v in eqn.invars], [v.aval for v in eqn.outvars],
                          loc_attr(eqn.source_info, eqn.primitive.name), eqn.primitive.name)
        outs = rule(ctx, *[read(v) for v in eqn.invars], **eqn.params)
        if not eqn.primitive.multiple_results:
            outs = [outs]
        for v, o in zip(eqn.outvars, outs):
            env[v] = o
    return [read(v) for v in jaxpr.outvars]


def lower_function(module: ModuleBuilder, name: str, closed: ClosedJaxpr, public: bool,
                   arg_attrs: Sequence[str] | None = None) -> None:
    jaxpr = closed.jaxpr
    fn = FunctionBuilder(module)
    args = [f"%arg{i}" for i in range(len(jaxpr.invars))]
    in_types = [tensor_type(v.aval) for v in jaxpr.invars]
    outs = lower_eqns(fn, jaxpr, closed.consts, args)
    out_types = [tensor_type(v.aval) for v in jaxpr.outvars]
    ctx = RuleContext(fn, [], [], 'loc("return")', "return")
    ctx.op("func.return", outs, out_types, [])
    attrs = arg_attrs or [""] * len(args)
    sig = ", ".join(f"{a}: {t}{(' ' + at) if at else ''}" for a, t, at in
                    zip(args, in_types, attrs))
    vis = "public" if public else "private"
    module.functions.append(
        f"  func.func {vis} @{name}({sig}) -> ({', '.join(out_types)}) {{\n"
        + "\n".join(fn.lines) + "\n  }")


def lower_jaxpr_to_module(closed: ClosedJaxpr, name: str = "main",
                          donated: Sequence[bool] | None = None) -> str:
    """StableHLO text of a module whose `main` computes `closed`."""
    # Dead code (e.g. a primal output nobody reads after differentiation) is not lowered;
    # XLA would drop it too, but only after paying to parse and compile it.
    from cellax.interpreters.partial_eval import dce_jaxpr
    jaxpr, _ = dce_jaxpr(closed.jaxpr)
    if len(jaxpr.eqns) != len(closed.jaxpr.eqns):
        closed = ClosedJaxpr(jaxpr, closed.consts)
    module = ModuleBuilder(f"jit_{name}")
    module._used_names.add("main")
    arg_attrs = None
    if donated is not None and any(donated):
        arg_attrs = [("{jax.buffer_donor = true}" if d else "") for d in donated]
    lower_function(module, "main", closed, public=True, arg_attrs=arg_attrs)
    return module.text()


def lower_fun(ctx, fun, args: Sequence[str], avals_in=None) -> list[str]:
    """Lower `fun` (cellax ops on tracers; returns an array or a list/tuple of arrays) in
    place on the SSA values `args`, by tracing it to a jaxpr and lowering its equations
    (JAX's `mlir.lower_fun`). `avals_in` defaults to the equation's input avals."""
    from cellax.interpreters.staging import trace_to_jaxpr

    def flat(*xs):
        out = fun(*xs)
        return list(out) if isinstance(out, (list, tuple)) else [out]

    avals = list(ctx.avals_in if avals_in is None else avals_in)
    jaxpr, consts, _ = trace_to_jaxpr(flat, avals)
    return lower_eqns(ctx.fn, jaxpr, consts, list(args))
