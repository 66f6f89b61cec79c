"""Running things on devices: the eager-op cache and the compiled-jaxpr cache.

Eager mode applies each primitive through a one-equation XLA program compiled
once per (primitive, params, avals, device) and cached; `jit` runs whole jaxprs
compiled once per jaxpr. Both share `lowering` and `backend`, so eager and jit
agree numerically. These are hot paths: keep them lean.
"""
from __future__ import annotations

import time
from typing import Any, Sequence

import numpy as np

from cellax import backend, core
from cellax.core import ClosedJaxpr, Jaxpr, JaxprEqn, ShapedArray, Var
from cellax.interpreters import lowering

ArrayImpl = backend.ArrayImpl


class CompiledProgram:
    """A loaded XLA executable plus what is needed to call it on flat arrays."""

    __slots__ = ("executable", "device", "in_avals", "out_avals", "handlers", "module_text",
                 "compile_time", "name", "consts")

    def __init__(self, executable, device, in_avals, out_avals, module_text: str,
                 compile_time: float, name: str, consts=()):
        self.executable = executable
        self.device = device
        self.in_avals = list(in_avals)
        self.out_avals = list(out_avals)
        self.handlers = [backend.result_handler(a, device) for a in out_avals]
        self.module_text = module_text
        self.compile_time = compile_time
        self.name = name
        # Closed-over arrays are passed as leading arguments rather than baked into the
        # program text: big constants would bloat compilation.
        self.consts = [put(c, a, device) if type(c) is not ArrayImpl else c
                       for c, a in zip(consts, self.in_avals)]

    def __call__(self, args: Sequence[Any]) -> list:
        bufs = [*self.consts, *args] if self.consts else list(args)
        device = self.device
        for i, (a, aval) in enumerate(zip(bufs, self.in_avals)):
            if type(a) is not ArrayImpl:
                bufs[i] = put(a, aval, device)
            elif a._committed and a._sharding._device != device:
                bufs[i] = copy_to_device(a, device)
        return backend.execute(self.executable, bufs, self.handlers)


def put(x, aval: ShapedArray, device) -> ArrayImpl:
    """Host value -> device array of `aval` (dtype already canonical)."""
    if isinstance(x, core.Tracer):
        # A tracer reaching a device outside of its transformation has escaped it.
        raise core.escaped_tracer_error(x)
    value = np.asarray(x, dtype=aval.dtype)
    return backend.device_put(value, aval, device)


def copy_to_device(a: ArrayImpl, device) -> ArrayImpl:
    return backend.device_put(np.asarray(a), a.aval, device)


def compile_closed_jaxpr(closed: ClosedJaxpr, name: str, device=None,
                         donated: Sequence[bool] | None = None) -> CompiledProgram:
    device = device if device is not None else backend.default_device()
    t0 = time.perf_counter()
    consts = closed.consts
    if consts:
        j = closed.jaxpr
        closed = ClosedJaxpr(Jaxpr([], [*j.constvars, *j.invars], j.outvars, j.eqns,
                                   j.debug_info), [])
        if donated is not None:
            donated = (False,) * len(consts) + tuple(donated)
    text = lowering.lower_jaxpr_to_module(closed, name, donated)
    module = backend.parse_module(text)
    t1 = time.perf_counter()
    exe = backend.compile_module(module, device)
    t2 = time.perf_counter()
    compile_stats.record(t1 - t0, t2 - t1)
    return CompiledProgram(exe, device, closed.in_avals, closed.out_avals, text,
                           t2 - t0, name, consts)


class CompileStats:
    """Running totals of XLA compilations (eager ops and jit), read by the notebook
    layer (`%cellax_summary`, `%profile`, `%%jit`): compare two snapshots."""

    __slots__ = ("count", "lower_time", "compile_time", "last_lower_time",
                 "last_compile_time")

    def __init__(self):
        self.count = 0
        self.lower_time = self.compile_time = 0.0  # seconds, summed
        self.last_lower_time = self.last_compile_time = 0.0

    def record(self, lower_s: float, compile_s: float) -> None:
        self.count += 1
        self.lower_time += lower_s
        self.compile_time += compile_s
        self.last_lower_time, self.last_compile_time = lower_s, compile_s


compile_stats = CompileStats()


# ---------------------------------------------------------------------------------------
# Eager primitives. Each (primitive, params) gets a C++ dispatch function; it keeps one
# compiled program per argument signature and calls back into Python only on a miss.

_eager_cache: dict = {}
_prim_fns: dict = {}


def shard_arg_fallback(x, sharding, layout):
    """Called by the C++ fast path for arguments that are not device arrays."""
    return put(x, core.get_aval(x), sharding._device)


def apply_primitive(prim, *args, **params):
    """Run one primitive eagerly (the `impl` of most primitives)."""
    try:
        key = (prim, tuple(params.items()))
        fn = _prim_fns.get(key)
    except TypeError:  # unhashable params: no caching
        return _apply_uncached(prim, params, args)
    if fn is None:
        fn = _prim_fns[key] = _make_primitive_fn(prim, params)
    return fn(*args)


def _out_tree(n: int | None):
    from cellax import tree_util
    return tree_util.tree_structure(0 if n is None else [0] * n)


def _make_primitive_fn(prim, params):
    pkey = tuple(params.items())
    out_tree = _out_tree(None)

    def run(args):
        avals = tuple(core.get_aval(x) for x in args)
        device = _device_of(args)
        key = (prim, pkey, avals, device)
        program = _eager_cache.get(key)
        if program is None:
            program = _eager_cache[key] = _compile_primitive(prim, avals, params, device)
        return program, program(args)

    def cache_miss(*args):
        program, outs = run(args)
        if prim.multiple_results:
            tree = _out_tree(len(outs))
            return list(outs), backend.fastpath_data(program.executable, tree, program.device,
                                                     len(args), program.out_avals), False
        return outs[0], backend.fastpath_data(program.executable, out_tree, program.device,
                                              len(args), program.out_avals), False

    def fun(*args):
        outs = run(args)[1]
        return outs if prim.multiple_results else outs[0]

    from cellax import tree_util
    return backend.make_cpp_jit(prim.name, fun, cache_miss, (), (),
                                tree_util.default_registry, shard_arg_fallback)


def _apply_uncached(prim, params, args):
    avals = tuple(core.get_aval(x) for x in args)
    program = _compile_primitive(prim, avals, params, _device_of(args))
    outs = program(args)
    return outs if prim.multiple_results else outs[0]


def _device_of(args):
    for a in args:
        if type(a) is ArrayImpl and a._committed:
            return a._sharding._device
    return backend.default_device()


def _compile_primitive(prim, avals, params, device) -> CompiledProgram:
    invars = [Var(a) for a in avals]
    out = prim.abstract_eval(*avals, **params)
    outvars = [Var(a) for a in (out if prim.multiple_results else [out])]
    jaxpr = Jaxpr([], invars, outvars, [JaxprEqn(invars, outvars, prim, params, None)])
    return compile_closed_jaxpr(ClosedJaxpr(jaxpr, []), prim.name, device)


# ---------------------------------------------------------------------------------------
# Compiled jaxprs (jit's call primitive)

_jaxpr_cache: dict = {}


def compiled_jaxpr(closed: ClosedJaxpr, name: str, device=None,
                   donated: tuple[bool, ...] | None = None) -> CompiledProgram:
    device = device if device is not None else backend.default_device()
    key = (closed, device, donated)
    program = _jaxpr_cache.get(key)
    if program is None:
        program = compile_closed_jaxpr(closed, name, device, donated)
        _jaxpr_cache[key] = program
    return program


def clear_caches() -> None:
    _eager_cache.clear()
    _jaxpr_cache.clear()
    _prim_fns.clear()
