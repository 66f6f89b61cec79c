"""The only module that imports jaxlib.

Owns the PJRT clients and devices, the MLIR context used to parse lowered
StableHLO text, compilation, execution and host<->device transfer, and the
jaxlib pytree module (re-exported for `tree_util`). jaxlib's Python API is
internal and changes every release, so the surface used here is kept narrow and
the version is checked at import.
"""
from __future__ import annotations

import os
import sys
import threading
from typing import NamedTuple

# jaxlib prints INFO lines when a client is created unless this is set first.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")

import numpy as np  # noqa: E402

PINNED_JAXLIB_VERSION = "0.10.2"

try:
    import jaxlib.version as _jaxlib_version  # noqa: E402
except ImportError as e:  # pragma: no cover - depends on the environment
    raise ImportError(
        f"cellax needs jaxlib=={PINNED_JAXLIB_VERSION}, but jaxlib is not installed. "
        f"Install it with: pip install jaxlib=={PINNED_JAXLIB_VERSION}") from e

jaxlib_version = _jaxlib_version.__version__
if jaxlib_version != PINNED_JAXLIB_VERSION:  # pragma: no cover - depends on the environment
    raise ImportError(
        f"cellax is built against jaxlib=={PINNED_JAXLIB_VERSION}, but jaxlib {jaxlib_version} "
        f"is installed. jaxlib's internal API changes between releases; install the pinned "
        f"version with: pip install jaxlib=={PINNED_JAXLIB_VERSION}")

from jaxlib import _jax, xla_client  # noqa: E402

pytree = _jax.pytree
ArrayImpl = _jax.ArrayImpl
Device = _jax.Device
JaxRuntimeError = _jax.JaxRuntimeError
LoadedExecutable = _jax.LoadedExecutable

# jaxlib's C++ dispatch code reads an x64 flag that `jax` normally installs.
_x64_state = _jax.config.Config("cellax_x64", False)
_jax.jax_jit.set_enable_x64_state(_x64_state)


def set_x64_state(enabled: bool) -> None:
    _x64_state.set_global(bool(enabled))


# jaxlib's C++ jit dispatch (the "fast path") reads these flags too.
_disable_jit_state = _jax.config.Config("cellax_disable_jit", False)
_jax.jax_jit.set_disable_jit_state(_disable_jit_state)
_post_hook_state = _jax.config.Config("cellax_post_hook", None)
_jax.jax_jit.set_post_hook_state(_post_hook_state)


_tracing_state = _jax.config.Config("cellax_tracing", None, include_in_jit_key=True)


def set_tracing_state(tracing: bool) -> None:
    _tracing_state.set_local(True if tracing else _jax.config.unset)


def set_tracer_class(cls) -> None:
    """Tell the C++ dispatch which objects are tracers (it then defers to Python)."""
    _jax.set_tracer_class(cls)


def set_disable_jit_state(disabled: bool) -> None:
    _disable_jit_state.set_global(bool(disabled))


# batched_device_put asks the sharding for its HLO sharding; give the one class we use one.
_REPLICATED = xla_client.HloSharding.replicate()
xla_client.SingleDeviceSharding._to_xla_hlo_sharding = lambda self, ndim: _REPLICATED
SingleDeviceSharding = xla_client.SingleDeviceSharding


# ---------------------------------------------------------------------------------------
# Clients and devices

_clients: dict[str, object] = {}
_client_lock = threading.Lock()
_PLATFORM_ALIASES = {"gpu": "cuda"}


def _make_cuda_client():
    """A CUDA client from the jax-cuda12/13 PJRT plugin, when installed; else None."""
    for mod_name in ("jax_cuda13_plugin", "jax_cuda12_plugin"):
        try:
            mod = __import__(mod_name)
        except ImportError:
            continue
        path = getattr(mod, "_get_library_path", lambda: None)()
        if not path:
            continue
        try:
            if not _jax.pjrt_plugin_loaded("cuda"):
                _jax.load_pjrt_plugin("cuda", path, None)
            if not _jax.pjrt_plugin_initialized("cuda"):
                _jax.initialize_pjrt_plugin("cuda")
            return xla_client.make_c_api_client("cuda", {}, None)
        except Exception:  # noqa: BLE001 - a plugin without a GPU: fall back to CPU
            return None
    return None


def get_client(platform: str | None = None):
    platform = _PLATFORM_ALIASES.get(platform, platform)
    with _client_lock:
        if platform is None:
            if "default" not in _clients:
                gpu = None
                if os.environ.get("CELLAX_PLATFORMS", "").lower() not in ("cpu",):
                    gpu = _make_cuda_client()
                if gpu is not None:
                    _clients["cuda"] = gpu
                    _clients["default"] = gpu
                else:
                    _clients["default"] = _clients.get("cpu") or _make_cpu_client()
                    _clients["cpu"] = _clients["default"]
            return _clients["default"]
        if platform not in _clients:
            if platform == "cpu":
                _clients["cpu"] = _make_cpu_client()
            elif platform == "cuda":
                client = _make_cuda_client()
                if client is None:
                    raise RuntimeError(
                        "Unknown backend 'gpu': no CUDA PJRT plugin is installed or no GPU is "
                        "visible. Install jax-cuda12-plugin on a machine with an NVIDIA GPU, "
                        "or use backend='cpu'.")
                _clients["cuda"] = client
            else:
                raise RuntimeError(f"Unknown backend {platform!r}; available: 'cpu', 'gpu'.")
        return _clients[platform]


def _make_cpu_client():
    n = int(os.environ.get("CELLAX_NUM_CPU_DEVICES", "1"))
    return xla_client.make_cpu_client(num_devices=n) if n > 1 else xla_client.make_cpu_client()


def devices(backend: str | None = None) -> list:
    return list(get_client(backend).devices())


def default_backend() -> str:
    platform = get_client().platform
    return "gpu" if platform in ("cuda", "rocm", "gpu") else platform


_default_device = None


def default_device():
    global _default_device
    if _default_device is None:
        _default_device = get_client().devices()[0]
    return _default_device


# ---------------------------------------------------------------------------------------
# MLIR (imported lazily: parsing is only needed when compiling)

_mlir = None
_mlir_tls = threading.local()


def _mlir_modules():
    global _mlir
    if _mlir is None:
        from jaxlib.mlir import ir
        from jaxlib.mlir._mlir_libs import _jax_mlir_ext
        from jaxlib.mlir.dialects import chlo, stablehlo
        _mlir = (ir, _jax_mlir_ext, stablehlo, chlo)
    return _mlir


def mlir_context():
    ctx = getattr(_mlir_tls, "ctx", None)
    if ctx is None:
        ir, ext, stablehlo, chlo = _mlir_modules()
        registry = ir.DialectRegistry()
        ext.register_dialects(registry)
        ctx = ir.Context()
        ctx.append_dialect_registry(registry)
        ctx.load_all_available_dialects()
        stablehlo.register_dialect(ctx)
        chlo.register_dialect(ctx)
        _mlir_tls.ctx = ctx
    return ctx


def parse_module(text: str):
    """Parse (and verify) a StableHLO module written as MLIR text."""
    ir = _mlir_modules()[0]
    ctx = mlir_context()
    with ctx:
        try:
            module = ir.Module.parse(text)
        except Exception as e:  # MLIRError: surface the text that failed to parse
            raise RuntimeError(f"cellax produced invalid StableHLO (a cellax bug):\n{e}\n"
                               f"--- module ---\n{text}") from e
    return module


def module_to_text(module, debug_info: bool = False) -> str:
    with mlir_context():
        return module.operation.get_asm(enable_debug_info=debug_info, large_elements_limit=32)


def compile_module(module, device=None, num_replicas: int = 1):
    """Compile a parsed MLIR module for one device; returns a LoadedExecutable."""
    device = device if device is not None else default_device()
    client = device.client
    options = xla_client.CompileOptions()
    build = options.executable_build_options
    build.num_replicas = num_replicas
    build.num_partitions = 1
    with mlir_context():
        return client.compile_and_load(
            module, executable_devices=xla_client.DeviceList((device,)),
            compile_options=options)


def optimized_hlo_text(executable) -> str:
    return "\n\n".join(m.to_string() for m in executable.hlo_modules())


def cost_analysis(executable) -> dict:
    return dict(executable.cost_analysis())


def memory_analysis(executable):
    return executable.get_compiled_memory_stats()


# ---------------------------------------------------------------------------------------
# Transfers and execution

def device_put(value: np.ndarray, aval, device=None, committed: bool = False):
    """Copy a host numpy array to `device`; returns a jaxlib ArrayImpl carrying `aval`."""
    device = device if device is not None else default_device()
    return xla_client.batched_device_put(aval, SingleDeviceSharding(device), [value], [device],
                                         committed, True)


def result_handler(aval, device, committed: bool = False):
    return _jax.array_result_handler(aval, SingleDeviceSharding(device), committed, True)


def execute(executable, args, handlers):
    """Run a compiled executable on device buffers; wrap outputs with `handlers`."""
    return executable.execute_sharded(args).consume_with_handlers(handlers)


class _NoJaxImport:
    """jaxlib's device-to-host copy tries `import jax` (for optional sharding helpers) and
    works without it. cellax never depends on jax, so block that import while copying."""

    def find_spec(self, name, path=None, target=None):
        if name == "jax" or name.startswith("jax."):
            raise ImportError(f"{name} is not used by cellax")
        return None


_no_jax_import = _NoJaxImport()


def to_numpy(arr) -> np.ndarray:
    """Copy a device array to a (read-only) NumPy array."""
    if "jax" in sys.modules:
        return arr._single_device_array_to_np_array_did_copy()[0]
    sys.meta_path.insert(0, _no_jax_import)
    try:
        return arr._single_device_array_to_np_array_did_copy()[0]
    finally:
        sys.meta_path.remove(_no_jax_import)


# ---------------------------------------------------------------------------------------
# The C++ dispatch fast path. A "cpp jit" function computes a signature from its
# arguments (avals, shardings, static arguments) and runs the executable it cached for
# that signature without entering Python; on a miss it calls `cache_miss`, which returns
# (outputs, FastpathData or None, False).


class FastpathData(NamedTuple):
    xla_executable: object
    out_pytree_def: object
    in_shardings: list
    out_shardings: list
    out_avals: list
    out_committed: list
    kept_var_bitvec: list
    in_device_local_layouts: list
    const_args: list


_cpp_cache = _jax.PjitFunctionCache(capacity=8192)


class _CppJitKey:
    """Global part of the C++ cache key: what differs between jit objects of one function."""

    __slots__ = ("donate_argnums", "device")

    def __init__(self, donate_argnums=(), device=None):
        self.donate_argnums = tuple(donate_argnums)
        self.device = device

    def __hash__(self):
        return hash((self.donate_argnums, self.device))

    def __eq__(self, other):
        return (type(other) is _CppJitKey and self.donate_argnums == other.donate_argnums
                and self.device == other.device)


def make_cpp_jit(name: str, fun, cache_miss, static_argnums, static_argnames, registry,
                 shard_arg_fallback, donate_argnums=(), device=None):
    return _jax.pjit(name, fun, cache_miss, list(static_argnums), list(static_argnames),
                     _CppJitKey(donate_argnums, device), registry, shard_arg_fallback,
                     _cpp_cache)


def clear_cpp_jit_caches() -> None:
    """Drop every executable cached by the C++ jit fast path (`cellax.clear_caches`)."""
    _jax.PjitFunctionCache.clear_all()


def fastpath_data(executable, out_tree, device, n_in: int, out_avals, const_args=()):
    sharding = SingleDeviceSharding(device)
    n_all = n_in + len(const_args)
    return FastpathData(executable, out_tree, [sharding] * n_all, [sharding] * len(out_avals),
                        list(out_avals), [False] * len(out_avals), [True] * n_all,
                        [None] * n_all, list(const_args))


def make_array(aval, device, single_device_arrays):
    return ArrayImpl(aval, SingleDeviceSharding(device), single_device_arrays, True, True)


def block_until_ready_many(arrays) -> None:
    _jax.batched_block_until_ready(arrays)


# ---------------------------------------------------------------------------------------
# LAPACK kernels (linear algebra on CPU). jaxlib ships them as typed-FFI custom-call
# targets; they are registered with XLA's CPU target table once, on first use, before a
# module calling them is compiled. Owned by the linear-algebra primitives.

_lapack_lock = threading.Lock()
_lapack_ready = False


def ensure_lapack_registered() -> None:
    """Make the `lapack_*_ffi` custom-call targets known to the CPU compiler."""
    global _lapack_ready
    if _lapack_ready:
        return
    with _lapack_lock:
        if _lapack_ready:
            return
        from jaxlib.cpu import _lapack
        _lapack.initialize()
        for name, capsule in _lapack.registrations().items():
            if name.endswith("_ffi"):
                xla_client.register_custom_call_target(name, capsule, "cpu", api_version=1)
        _lapack_ready = True


def lapack_target(fn_base: str, dtype) -> str:
    """The custom-call target name of LAPACK routine `fn_base` for `dtype`, e.g.
    ('potrf', float32) -> 'lapack_spotrf_ffi'."""
    prefix = {"float32": "s", "float64": "d", "complex64": "c", "complex128": "z"}.get(
        np.dtype(dtype).name)
    if prefix is None:
        raise NotImplementedError(f"LAPACK {fn_base} does not support dtype {np.dtype(dtype)}")
    ensure_lapack_registered()
    return f"lapack_{prefix}{fn_base}_ffi"
# --- end of LAPACK section --------------------------------------------------------------
