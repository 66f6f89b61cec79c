"""User-facing transformations: `jit`, `make_jaxpr`, `eval_shape`, device transfers.

Wrappers here deal with pytrees, static and donated arguments, and error
messages; the interpreters do the work on flat lists of arrays.
"""
from __future__ import annotations

import contextlib
import functools
import inspect
from typing import Any, Callable, Sequence

import numpy as np

from cellax import backend, core, dispatch, dtypes, tree_util
from cellax.config import config
from cellax.core import ClosedJaxpr, ShapedArray, ShapeDtypeStruct, Tracer
from cellax.interpreters import staging
from cellax.interpreters.batching import _axis_env
from cellax.interpreters.staging import DebugInfo
from cellax.primitives.call import jit_p
from cellax.tree_util import keystr, tree_flatten, tree_flatten_with_path, tree_unflatten

ArrayImpl = backend.ArrayImpl


# ---------------------------------------------------------------------------------------
# Argument handling shared by the transformations


def _arg_names(fun: Callable, args, kwargs) -> list[str]:
    """Names of the flattened leaves of (args, kwargs) as JAX writes them: `x`,
    `params[0]['w']`, `args[1]` for the second value of `*args`, `kwargs['k']`."""
    try:
        sig = inspect.signature(fun)
        sig.bind_partial(*args, **kwargs)  # partial: static arguments may be left out
        params = list(sig.parameters.values())
    except (TypeError, ValueError):
        params = None
    if params is None:
        pos, var, var_kw, named = [], "args", "kwargs", set()
    else:
        pos = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        var = next((p.name for p in params if p.kind == p.VAR_POSITIONAL), "args")
        var_kw = next((p.name for p in params if p.kind == p.VAR_KEYWORD), "kwargs")
        named = {p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    out = []
    for i, a in enumerate(args):
        base = pos[i] if i < len(pos) else f"{var}[{i - len(pos)}]"
        out.extend(base + keystr(path) for path, _ in tree_flatten_with_path(a)[0])
    for k in sorted(kwargs):  # dicts flatten in sorted key order
        base = k if k in named else f"{var_kw}[{k!r}]"
        out.extend(base + keystr(path) for path, _ in tree_flatten_with_path(kwargs[k])[0])
    return out


def _abstractify(x, fun_name: str, path_fn) -> ShapedArray:
    aval = getattr(x, "aval", None)
    if aval is not None and type(aval) is ShapedArray:
        return aval
    try:
        return core.get_aval(x)
    except TypeError:
        if isinstance(x, ShapeDtypeStruct):  # AOT: jit(f).lower(ShapeDtypeStruct(...))
            return ShapedArray(x.shape, dtypes.check_user_dtype(x.dtype), x.weak_type)
        if isinstance(x, ShapedArray):
            return x
        raise TypeError(
            f"Error interpreting argument to {fun_name} as an abstract array. The problematic "
            f"value is of type {type(x)} and was passed to the function at path {path_fn()}.\n"
            "This typically means that a jit-wrapped function was called with a non-array "
            "argument, and this argument was not marked as static using the static_argnums "
            "or static_argnames parameters of jax.jit.") from None


def _normalize_argnums(argnums, n_params: int | None, what: str) -> tuple[int, ...]:
    if argnums is None:
        return ()
    if isinstance(argnums, int):
        argnums = (argnums,)
    out = []
    for a in argnums:
        if not isinstance(a, int):
            raise TypeError(f"{what} must be an int or a sequence of ints, got {argnums!r}")
        if n_params is not None and not -n_params <= a < n_params:
            raise ValueError(f"Jitted function has {what}={tuple(argnums)}, but only accepts "
                             f"{n_params} positional arguments.")
        out.append(a % n_params if (n_params and a < 0) else a)
    return tuple(sorted(set(out)))


def _positional_param_names(fun) -> list[str] | None:
    try:
        sig = inspect.signature(fun)
    except (TypeError, ValueError):
        return None
    names = []
    for p in sig.parameters.values():
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            names.append(p.name)
        elif p.kind == p.VAR_POSITIONAL:
            return names + [None]  # unbounded
    return names


# ---------------------------------------------------------------------------------------
# jit


class _CacheEntry:
    __slots__ = ("closed", "out_tree", "program", "consts_n", "name", "donated")

    def __init__(self, closed, out_tree, name, donated):
        self.closed = closed
        self.out_tree = out_tree
        self.program = None
        self.name = name
        self.donated = donated


class JitWrapped:
    """The callable returned by `jit`. Caches one jaxpr per (pytree structure, avals,
    static arguments) and one compiled program per jaxpr."""

    def __init__(self, fun: Callable, static_argnums=None, static_argnames=None,
                 donate_argnums=None, donate_argnames=None, device=None, backend_name=None,
                 keep_unused=False, inline=False):
        if not callable(fun):
            raise TypeError(f"Expected a callable value, got {fun!r}")
        self._fun = fun
        functools.update_wrapper(self, fun, updated=())
        params = _positional_param_names(fun)
        n_params = None if params is None or (params and params[-1] is None) else len(params)
        if isinstance(static_argnames, str):
            static_argnames = (static_argnames,)
        static_argnames = tuple(static_argnames or ())
        static_argnums = _normalize_argnums(static_argnums, n_params, "static_argnums")
        # Like JAX: names given by number are also static by name, and vice versa.
        if params is not None:
            for i in static_argnums:
                if i < len(params) and params[i] is not None and params[i] not in static_argnames:
                    static_argnames += (params[i],)
            for n in static_argnames:
                if n in params:
                    i = params.index(n)
                    if i not in static_argnums:
                        static_argnums = tuple(sorted(static_argnums + (i,)))
        self._static_argnums = static_argnums
        self._static_argnames = frozenset(static_argnames)
        if isinstance(donate_argnames, str):
            donate_argnames = (donate_argnames,)
        donate_argnums = _normalize_argnums(donate_argnums, n_params, "donate_argnums")
        if params is not None:
            for n in donate_argnames or ():
                if n in params:
                    donate_argnums = tuple(sorted(set(donate_argnums) | {params.index(n)}))
        self._donate_argnums = tuple(i for i in donate_argnums if i not in static_argnums)
        self._device = device
        if backend_name is not None and device is None:
            self._device = backend.devices(backend_name)[0]
        self._keep_unused = keep_unused
        self._inline = inline
        self._cache: dict = {}
        self._simple = not static_argnums and not static_argnames and not self._donate_argnums
        self._name = staging.fun_name(fun)
        # Calls from outside any transformation go through jaxlib's C++ dispatch, which
        # runs a cached executable without entering Python; misses come to _cache_miss.
        self._cpp = backend.make_cpp_jit(
            self._name, fun, self._cache_miss, static_argnums, tuple(self._static_argnames),
            tree_util.default_registry, dispatch.shard_arg_fallback, self._donate_argnums,
            self._device)

    def __repr__(self):
        return f"<cellax.jit {self._name}>"

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        return functools.partial(self, obj)

    # -- argument processing -----------------------------------------------------------

    def _split_static(self, args, kwargs):
        static = []
        if self._static_argnums:
            dyn = []
            nums = self._static_argnums
            if nums[0] < 0:  # only for functions taking *args: relative to this call
                nums = {i + len(args) if i < 0 else i for i in nums}
            for i, a in enumerate(args):
                if i in nums:
                    static.append((i, _hashable_static(a, self._name, f"argument {i}")))
                else:
                    dyn.append(a)
            args = tuple(dyn)
        if self._static_argnames and kwargs:
            dyn_kw = {}
            for k, v in kwargs.items():
                if k in self._static_argnames:
                    static.append((k, _hashable_static(v, self._name, f"argument {k!r}")))
                else:
                    dyn_kw[k] = v
            kwargs = dyn_kw
        return args, kwargs, tuple(static)

    def _lookup(self, args, kwargs):
        """(entry, flat dynamic args) for a call; traces on a cache miss."""
        if self._simple:
            static = ()
        else:
            args, kwargs, static = self._split_static(args, kwargs)
        flat, in_tree = tree_flatten((args, kwargs))
        avals = tuple([x.aval if type(x) is ArrayImpl else _abstractify(
            x, self._name, lambda i=i: self._path_of(i, args, kwargs))
            for i, x in enumerate(flat)])
        frames = _axis_env.frames
        key = (in_tree, avals, static, dtypes._x64, tuple(frames) if frames else ())
        entry = self._cache.get(key)
        if entry is None:
            entry, consts = self._trace(args, kwargs, static, in_tree, avals)
            if any(isinstance(c, Tracer) for c in consts):
                return entry, flat, consts  # closes over tracers: valid only for this call
            self._cache[key] = entry
        return entry, flat, ()

    def _path_of(self, i, args, kwargs) -> str:
        """The name of dynamic leaf `i` (`args`, `kwargs`: the call without its statics)."""
        nums = [n for n in self._static_argnums if n >= 0]
        names = _arg_names_dynamic(self._fun, args, kwargs, nums)
        return names[i] if i < len(names) else f"flat argument {i}"

    def _trace(self, args, kwargs, static, in_tree, avals):
        static_args = dict(static)
        n_total = len(args) + sum(1 for k in static_args if isinstance(k, int))
        fun = self._fun

        def flat_fun(*flat_args):
            dyn_args, dyn_kwargs = tree_unflatten(in_tree, flat_args)
            full_args, it = [], iter(dyn_args)
            for i in range(n_total):
                full_args.append(static_args[i].value if i in static_args else next(it))
            kw = dict(dyn_kwargs)
            for k, v in static_args.items():
                if isinstance(k, str):
                    kw[k] = v.value
            out = fun(*full_args, **kw)
            out_flat, out_tree = tree_flatten(out)
            flat_fun.out_tree = out_tree
            return out_flat

        dbg = DebugInfo("jit", self._name, staging.fun_source(fun),
                        (lambda: _arg_names(fun, args, kwargs)) if not static else
                        (lambda: _arg_names_dynamic(
                            fun, args, kwargs, [k for k in static_args if isinstance(k, int)])))
        jaxpr, consts, _ = staging.trace_to_jaxpr(flat_fun, avals, dbg)
        closed, lifted = staging.closed_jaxpr_with_const_inputs(jaxpr, consts)
        donated = None
        if self._donate_argnums:
            donated = _donated_flags(self._donate_argnums, args, kwargs, len(lifted))
        entry = _CacheEntry(closed, flat_fun.out_tree, self._name, donated)
        entry.consts_n = len(lifted)
        return entry, lifted

    # -- calling -----------------------------------------------------------------------

    def __call__(self, *args, **kwargs):
        if core._ctx.trace is core.eval_trace:
            return self._cpp(*args, **kwargs)
        if self._inline:
            return self._fun(*args, **kwargs)
        return self._call_python(args, kwargs)

    def _cache_miss(self, *args, **kwargs):
        if core._ctx.trace is not core.eval_trace:
            # Reached from the C++ dispatch under a transformation (tracer arguments, or
            # the tracing key set): trace, and cache nothing in C++.
            if self._inline:
                return self._fun(*args, **kwargs), None, False
            return self._call_python(args, kwargs), None, False
        entry, flat, lifted = self._lookup(args, kwargs)
        program = self._program(entry)
        outs = program(flat)
        fastpath = None
        if not lifted and not _has_non_array_leaves(entry.out_tree, outs):
            fastpath = backend.fastpath_data(
                program.executable, entry.out_tree, program.device, len(flat),
                program.out_avals, program.consts)
        return tree_unflatten(entry.out_tree, outs), fastpath, False

    def _program(self, entry):
        program = entry.program
        if program is None:
            program = entry.program = dispatch.compiled_jaxpr(
                entry.closed, entry.name, self._device, entry.donated)
        return program

    def _call_python(self, args, kwargs):
        if config.jax_disable_jit:
            return self._fun(*args, **kwargs)
        entry, flat, lifted = self._lookup(args, kwargs)
        trace = core._ctx.trace
        if trace is core.eval_trace:
            outs = self._program(entry)(flat)
        else:
            outs = jit_p.bind(*lifted, *flat, jaxpr=entry.closed, name=entry.name,
                              donated_invars=entry.donated or (False,) * (
                                  len(lifted) + len(flat)),
                              keep_unused=self._keep_unused, inline=self._inline,
                              device=self._device)
        return tree_unflatten(entry.out_tree, outs)

    # -- AOT stages --------------------------------------------------------------------

    def trace(self, *args, **kwargs):
        from cellax.stages import Traced
        entry, flat, lifted = self._lookup(args, kwargs)
        return Traced(entry.closed, entry.out_tree, entry.name, self._device, entry.donated,
                      lifted, flat)

    def lower(self, *args, **kwargs):
        return self.trace(*args, **kwargs).lower()

    def eval_shape(self, *args, **kwargs):
        entry, _, _ = self._lookup(args, kwargs)
        return tree_unflatten(entry.out_tree,
                              [ShapeDtypeStruct(a.shape, a.dtype, weak_type=a.weak_type)
                               for a in entry.closed.out_avals])

    def clear_cache(self):
        self._cache.clear()
        self._cpp._clear_cache()


def _has_non_array_leaves(out_tree, outs) -> bool:
    return any(type(o) is not ArrayImpl for o in outs)


def _arg_names_dynamic(fun, args, kwargs, static_positions=()) -> list[str]:
    """Names of the dynamic leaves of a call whose static positional arguments (at
    `static_positions`) were taken out: each goes back as None, which has no leaves, so
    the names are those of the full call (`x`, not `args[0]`)."""
    full = list(args)
    for i in sorted(static_positions):
        if i <= len(full):
            full.insert(i, None)
    return _arg_names(fun, tuple(full), kwargs)


def _donated_flags(donate_argnums, args, kwargs, n_lifted):
    flags = [False] * n_lifted
    for i, a in enumerate(args):
        n = len(tree_flatten(a)[0])
        flags.extend([i in donate_argnums] * n)
    flags.extend([False] * len(tree_flatten(kwargs)[0]))
    return tuple(flags)


class _Static:
    __slots__ = ("value", "_hash")

    def __init__(self, value):
        self.value = value
        self._hash = hash(value)

    def __hash__(self):
        return self._hash

    def __eq__(self, other):
        return isinstance(other, _Static) and type(self.value) is type(other.value) and bool(
            self.value == other.value)


def _hashable_static(value, fun_name, which):
    if isinstance(value, (ArrayImpl, np.ndarray, Tracer)):
        raise ValueError(
            f"Non-hashable static arguments are not supported. An error occurred while trying "
            f"to hash an object of type {type(value)}, {value}. The error was:\nTypeError: "
            f"unhashable type: '{type(value).__name__}'\n(static {which} of {fun_name}; "
            "pass arrays as regular, non-static arguments)")
    try:
        return _Static(value)
    except TypeError as e:
        raise ValueError(
            f"Non-hashable static arguments are not supported. An error occurred while trying "
            f"to hash an object of type {type(value)}, {value}. The error was:\nTypeError: {e}\n"
            f"(static {which} of {fun_name}; make it hashable, e.g. a tuple instead of a list)"
        ) from None


def jit(fun: Callable | None = None, *, static_argnums=None, static_argnames=None,
        donate_argnums=None, donate_argnames=None, device=None, backend=None,
        keep_unused: bool = False, inline: bool = False, **unsupported):
    """Compile `fun` with XLA: trace once per input signature, then run the cached program."""
    if unsupported:
        raise TypeError(f"jit() got unsupported keyword arguments: {sorted(unsupported)}")
    if fun is None:
        return lambda f: jit(f, static_argnums=static_argnums, static_argnames=static_argnames,
                             donate_argnums=donate_argnums, donate_argnames=donate_argnames,
                             device=device, backend=backend, keep_unused=keep_unused,
                             inline=inline)
    return JitWrapped(fun, static_argnums, static_argnames, donate_argnums, donate_argnames,
                      device, backend, keep_unused, inline)


# ---------------------------------------------------------------------------------------
# make_jaxpr, eval_shape


def make_jaxpr(fun: Callable, static_argnums=(), axis_env=None, return_shape: bool = False,
               abstracted_axes=None):
    """A function that returns the ClosedJaxpr of `fun` for example arguments."""
    static_argnums = _normalize_argnums(static_argnums, None, "static_argnums")

    @functools.wraps(fun)
    def make_jaxpr_f(*args, **kwargs):
        static = {i: args[i] for i in static_argnums if i < len(args)}
        dyn = [a for i, a in enumerate(args) if i not in static]
        flat, in_tree = tree_flatten((tuple(dyn), kwargs))
        name = staging.fun_name(fun)
        avals = [_abstractify(x, name, lambda i=i: _leaf_name(fun, dyn, kwargs, i))
                 for i, x in enumerate(flat)]

        def flat_fun(*flat_args):
            d_args, d_kwargs = tree_unflatten(in_tree, flat_args)
            it = iter(d_args)
            full = [static[i] if i in static else next(it) for i in range(len(args))]
            out = fun(*full, **d_kwargs)
            out_flat, flat_fun.out_tree = tree_flatten(out)
            return out_flat

        dbg = DebugInfo("make_jaxpr", name, staging.fun_source(fun),
                        (lambda: _arg_names(fun, dyn, kwargs)) if not static else None)
        jaxpr, consts, outs = staging.trace_to_jaxpr(flat_fun, avals, dbg)
        closed = ClosedJaxpr(jaxpr, consts)
        if return_shape:
            shapes = [ShapeDtypeStruct(v.aval.shape, v.aval.dtype, weak_type=v.aval.weak_type)
                      for v in jaxpr.outvars]
            return closed, tree_unflatten(flat_fun.out_tree, shapes)
        return closed

    return make_jaxpr_f


def _leaf_name(fun, args, kwargs, i) -> str:
    names = _arg_names(fun, args, kwargs)
    return names[i] if i < len(names) else f"flat argument {i}"


def eval_shape(fun: Callable, *args, **kwargs):
    """Output shapes and dtypes of `fun` (as ShapeDtypeStructs) without running it."""
    flat, in_tree = tree_flatten((args, kwargs))
    name = staging.fun_name(fun)
    avals = [_abstractify(x, name, lambda i=i: _leaf_name(fun, args, kwargs, i))
             for i, x in enumerate(flat)]

    def flat_fun(*flat_args):
        a, k = tree_unflatten(in_tree, flat_args)
        out_flat, flat_fun.out_tree = tree_flatten(fun(*a, **k))
        return out_flat

    jaxpr, _, _ = staging.trace_to_jaxpr(flat_fun, avals,
                                         DebugInfo("eval_shape", name, None, None))
    return tree_unflatten(flat_fun.out_tree,
                          [ShapeDtypeStruct(v.aval.shape, v.aval.dtype,
                                            weak_type=v.aval.weak_type)
                           for v in jaxpr.outvars])


# ---------------------------------------------------------------------------------------
# Devices and transfers


def devices(backend_name: str | None = None) -> list:
    return backend.devices(backend_name)


def local_devices(process_index=None, backend_name: str | None = None) -> list:
    return backend.devices(backend_name)


def device_count(backend_name: str | None = None) -> int:
    return len(backend.devices(backend_name))


local_device_count = device_count


def default_backend() -> str:
    return backend.default_backend()


def process_index() -> int:
    return 0


def process_count() -> int:
    return 1


def device_put(x, device=None, *, src=None, donate=False, may_alias=None):
    """Place every leaf of `x` on `device` (the default device if None)."""
    leaves, tree = tree_flatten(x)
    out = []
    for leaf in leaves:
        if isinstance(leaf, Tracer):
            out.append(leaf)
            continue
        if type(leaf) is ArrayImpl:
            if device is None or (leaf._sharding._device == device and leaf._committed):
                out.append(leaf)
                continue
            if leaf._sharding._device == device:  # already there: commit it, without a copy
                out.append(backend.make_array(leaf.aval, device, leaf._arrays))
                continue
            value, aval = np.asarray(leaf), leaf.aval
        else:
            aval = core.get_aval(leaf)
            value = np.asarray(leaf, dtype=aval.dtype)
        target = device if device is not None else backend.default_device()
        out.append(backend.device_put(value, aval, target, committed=device is not None))
    return tree_unflatten(tree, out)


def device_get(x):
    """Fetch every array leaf of `x` to the host as NumPy arrays."""
    leaves, tree = tree_flatten(x)
    if any(type(leaf) is ArrayImpl for leaf in leaves):
        backend.block_until_ready_many([leaf for leaf in leaves if type(leaf) is ArrayImpl])
    return tree_unflatten(tree, [np.asarray(leaf) if type(leaf) is ArrayImpl else leaf
                                 for leaf in leaves])


def block_until_ready(x):
    """Wait until every array in the pytree `x` is computed; returns `x`."""
    leaves = [leaf for leaf in tree_flatten(x)[0] if type(leaf) is ArrayImpl]
    if leaves:
        backend.block_until_ready_many(leaves)
    return x


config.on_change("jax_disable_jit", backend.set_disable_jit_state)


@contextlib.contextmanager
def disable_jit(disable: bool = True):
    """Within this context, jitted functions run their Python code op by op (for debugging
    with print and pdb)."""
    prev = config.jax_disable_jit
    config.update("jax_disable_jit", bool(disable))
    try:
        yield
    finally:
        config.update("jax_disable_jit", prev)


def clear_caches() -> None:
    """Drop every compiled program and traced jaxpr cache."""
    dispatch.clear_caches()
    backend.clear_cpp_jit_caches()
    # The control-flow primitives' traces and the rule results derived from them.
    from cellax.lax import control_flow as lax_cf, loops
    from cellax.primitives import control_flow as prim_cf, scan
    lax_cf._weak_trace_cache.clear()
    lax_cf._strong_trace_cache.clear()
    loops._trace_cache.clear()
    prim_cf.clear_caches()
    scan.clear_caches()
    from cellax.interpreters import partial_eval
    from cellax.primitives import call
    partial_eval.clear_caches()
    call.clear_autodiff_caches()
    import gc
    for obj in gc.get_objects():
        if type(obj) is JitWrapped:
            obj._cache.clear()


_unused = (Any, Sequence)
