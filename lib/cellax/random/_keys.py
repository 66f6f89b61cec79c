"""`cellax.random` keys: the key dtype, typed key arrays, seeding, split, fold_in, bits.

Keys are Threefry-2x32 keys (two uint32 words). `key(seed)` returns a typed key
array (dtype `key<fry>`); `PRNGKey(seed)` returns the raw `uint32[2]` data. Every
function accepts both and returns what it was given (a raw key in, raw keys out).

A typed key array is a pytree node whose only leaf is its `uint32[..., 2]` data, so
keys pass through `jit` and any other transformation as that array and are rebuilt
on the other side. The generators follow JAX's default configuration
(`jax_threefry_partitionable=True`): element `i` of a draw is the Threefry hash of
the 64-bit counter `i`, and the samplers turn bits into floats exactly as JAX does,
so the same key gives the same numbers.
"""
from __future__ import annotations

import math
import operator
from collections.abc import Sequence

import numpy as np

from cellax import core, dtypes, lax
from cellax import numpy as jnp
from cellax.api import jit
from cellax.array import Array
from cellax.backend import ArrayImpl
from cellax.core import Tracer
from cellax.primitives.random_bits import iota_2x32_shape, threefry2x32
from cellax.tree_util import register_pytree_node


_IMPL_NAME = "threefry2x32"
_KEY_SHAPE = (2,)


# ---------------------------------------------------------------------------------------
# The key dtype and the key array type


class KeyDType:
    """The element type of typed key arrays (`key<fry>` for Threefry-2x32)."""

    __slots__ = ()
    name = "key<fry>"
    itemsize = 8  # two uint32 words
    kind = "V"

    def __repr__(self):
        return self.name

    __str__ = __repr__

    def __eq__(self, other):
        return type(other) is KeyDType

    def __hash__(self):
        return hash(KeyDType)


key_fry = KeyDType()


class KeyArray:
    """An array of PRNG keys: `shape` is the batch of keys, the data has a trailing (2,)."""

    __slots__ = ("_base_array",)
    __array_priority__ = 100
    __hash__ = None  # type: ignore[assignment]

    def __init__(self, base_array):
        self._base_array = base_array

    # -- array-like metadata ------------------------------------------------------------
    dtype = property(lambda self: key_fry)
    shape = property(lambda self: tuple(self._base_array.shape[:-1]))
    ndim = property(lambda self: len(self._base_array.shape) - 1)
    size = property(lambda self: math.prod(self.shape))
    itemsize = property(lambda self: key_fry.itemsize)
    nbytes = property(lambda self: self.size * key_fry.itemsize)
    sharding = property(lambda self: self._base_array.sharding)
    device = property(lambda self: self._base_array.device)
    committed = property(lambda self: self._base_array.committed)

    def devices(self):
        return self._base_array.devices()

    def block_until_ready(self):
        self._base_array.block_until_ready()
        return self

    def is_deleted(self) -> bool:
        return self._base_array.is_deleted()

    def delete(self) -> None:
        self._base_array.delete()

    def copy(self):
        return KeyArray(self._base_array.copy())

    __copy__ = copy

    def __deepcopy__(self, memo):
        return self.copy()

    # -- printing and conversions -------------------------------------------------------

    def __repr__(self):
        return f"Array({self.shape}, dtype={key_fry.name}) overlaying:\n{self._base_array}"

    __str__ = __repr__

    def __array__(self, dtype=None, copy=None):
        raise TypeError("JAX array with PRNGKey dtype cannot be converted to a NumPy array. "
                        "Use jax.random.key_data(arr) if you wish to extract the underlying "
                        "integer array.")

    def __bool__(self):
        raise TypeError("key array cannot be converted to boolean.")

    # -- sequences and indexing ---------------------------------------------------------

    def __len__(self):
        if not self.shape:
            raise TypeError("len() of unsized object")
        return self.shape[0]

    def __iter__(self):
        if not self.shape:
            raise TypeError("iteration over a 0-d key array")
        return (KeyArray(k) for k in iter(self._base_array))

    def __getitem__(self, idx):
        if not isinstance(idx, tuple):
            idx = (idx,)
        # The trailing slice keeps the key words whole, whatever `idx` indexes.
        return KeyArray(self._base_array[(*idx, slice(None))])

    def reshape(self, *shape, order="C"):
        if len(shape) == 1 and not isinstance(shape[0], (int, np.integer)):
            shape = shape[0]
        shape = core.canonicalize_shape(shape)
        if -1 in shape:
            known = math.prod(d for d in shape if d != -1)
            shape = tuple(self.size // known if d == -1 else d for d in shape)
        return KeyArray(jnp.reshape(self._base_array, (*shape, *_KEY_SHAPE), order))

    def ravel(self, order="C"):
        return self.reshape((self.size,), order=order)

    flatten = ravel

    def transpose(self, *axes):
        if not axes or (len(axes) == 1 and axes[0] is None):
            axes = tuple(reversed(range(self.ndim)))
        elif len(axes) == 1 and not isinstance(axes[0], (int, np.integer)):
            axes = tuple(axes[0])
        axes = tuple(int(a) % self.ndim for a in axes)
        return KeyArray(jnp.transpose(self._base_array, (*axes, self.ndim)))

    T = property(lambda self: self.transpose())

    def squeeze(self, axis=None):
        if axis is None:
            axis = tuple(i for i, d in enumerate(self.shape) if d == 1)
        elif isinstance(axis, (int, np.integer)):
            axis = (axis,)
        axis = tuple(int(a) % self.ndim for a in axis)
        return KeyArray(jnp.squeeze(self._base_array, axis))

    # -- comparisons --------------------------------------------------------------------

    def __eq__(self, other):
        if not isinstance(other, KeyArray):
            return NotImplemented
        return jnp.all(self._base_array == other._base_array, axis=-1)

    def __ne__(self, other):
        if not isinstance(other, KeyArray):
            return NotImplemented
        return jnp.any(self._base_array != other._base_array, axis=-1)


Array.register(KeyArray)
register_pytree_node(KeyArray, lambda k: ((k._base_array,), None),
                     lambda _, children: KeyArray(children[0]))


def _is_key(x) -> bool:
    return type(x) is KeyArray


# ---------------------------------------------------------------------------------------
# Key validation


def _check_key_data(data) -> None:
    if not all(hasattr(data, a) for a in ("ndim", "shape", "dtype")):
        raise TypeError("JAX encountered invalid PRNG key data: expected key_data to have "
                        f"ndim, shape, and dtype attributes. Got {data}")
    if data.ndim < 1:
        raise TypeError("JAX encountered invalid PRNG key data: expected key_data.ndim >= 1; "
                        f"got ndim={data.ndim}")
    if tuple(data.shape[-1:]) != _KEY_SHAPE:
        raise TypeError("JAX encountered invalid PRNG key data: expected key_data.shape to end "
                        f"with {_KEY_SHAPE}; got shape={tuple(data.shape)} for "
                        f"impl={_IMPL_NAME}")
    if data.dtype != dtypes.uint32:
        raise TypeError("JAX encountered invalid PRNG key data: expected key_data.dtype = "
                        f"uint32; got dtype={data.dtype}")


def _as_device_data(data):
    return data if isinstance(data, (ArrayImpl, Tracer)) else jnp.asarray(data)


def _wrap(data) -> KeyArray:
    _check_key_data(data)
    return KeyArray(_as_device_data(data))


def _is_arraylike(x) -> bool:
    return (isinstance(x, (ArrayImpl, Tracer, np.ndarray)) or np.isscalar(x)
            or hasattr(x, "__jax_array__"))


def _check_key(name: str, key, *, allow_batched: bool = False) -> tuple[KeyArray, bool]:
    """(typed key, whether `key` was raw data that callers must hand back unwrapped)."""
    if _is_key(key):
        typed, wrapped = key, False
    elif _is_arraylike(key):
        typed, wrapped = _wrap(key), True
    else:
        raise TypeError(f"unexpected PRNG key type {type(key)}")
    if not allow_batched and typed.ndim:
        shape = tuple(np.shape(key)) if wrapped else typed.shape
        raise ValueError(f"{name} accepts a single key, but was given a key array of shape "
                         f"{shape} != (). Use jax.vmap for batching.")
    return typed, wrapped


def _output(wrapped: bool, keys: KeyArray):
    return keys._base_array if wrapped else keys


# ---------------------------------------------------------------------------------------
# Seeding


def _seed_host(seed) -> np.ndarray:
    """Key data for a concrete seed, computed on the host."""
    if isinstance(seed, int):  # bools included
        value = np.asarray(np.int64(seed))  # beyond int64: OverflowError, as in JAX
    else:
        value = np.asarray(seed)
    value = value.astype(dtypes.canonicalize_dtype(value.dtype))  # x64 off: wraps to 32 bits
    if value.dtype.kind not in "iu":
        raise TypeError(f"PRNG key seed must be an integer; got {seed!r}")
    if value.dtype.itemsize == 8:
        word = value.astype(np.uint64)
        hi, lo = (word >> np.uint64(32)).astype(np.uint32), word.astype(np.uint32)
    else:
        hi, lo = np.uint32(0), value.astype(np.uint32)  # signed seeds sign-extend
    return np.array([hi, lo], dtype=np.uint32)


def _seed_traced(seed):
    dt = seed.dtype
    if dt.kind not in "iu":
        raise TypeError(f"PRNG key seed must be an integer; got {seed!r}")
    if dt.itemsize == 8:
        hi = lax.convert_element_type(lax.shift_right_logical(seed, np.array(32, dt)[()]),
                                      dtypes.uint32)
        lo = lax.convert_element_type(lax.bitwise_and(seed, np.array(0xFFFFFFFF, dt)[()]),
                                      dtypes.uint32)
    else:
        hi = lax.full((), 0, dtypes.uint32)
        lo = lax.convert_element_type(seed, dtypes.uint32)
    return lax.concatenate([lax.broadcast(hi, (1,)), lax.broadcast(lo, (1,))], 0)


def _seed(ctor_name: str, seed, impl) -> KeyArray:
    if impl is not None and impl not in (_IMPL_NAME, key_fry) and str(impl) != _IMPL_NAME:
        raise ValueError(f'unrecognized PRNG implementation "{impl}". Did you mean one of: '
                         f'"{_IMPL_NAME}"?')
    if _is_key(seed):
        raise TypeError(f"{ctor_name} accepts a scalar seed, but was given a PRNG key.")
    if np.ndim(seed):
        raise TypeError(f"{ctor_name} accepts a scalar seed, but was given an array of shape "
                        f"{np.shape(seed)} != (). Use jax.vmap for batching")
    if isinstance(seed, Tracer):
        return KeyArray(_seed_traced(seed))
    return KeyArray(jnp.asarray(_seed_host(seed)))


def key(seed, *, impl=None, dtype=None) -> KeyArray:
    """A typed PRNG key (dtype `key<fry>`, shape ()) from an integer seed."""
    if dtype is not None:
        if impl is not None:
            raise ValueError("Cannot specify both `impl` and `dtype` arguments to "
                             "jax.random.key")
        impl = dtype
    return _seed("key", seed, impl)


def PRNGKey(seed, *, impl=None):  # noqa: N802 - JAX's name
    """A raw PRNG key: the `uint32[2]` data of `key(seed)`."""
    return _seed("PRNGKey", seed, impl)._base_array


# ---------------------------------------------------------------------------------------
# Key operations (on key data: uint32[2])


def _words(data):
    return (lax.index_in_dim(data, 0, keepdims=False),
            lax.index_in_dim(data, 1, keepdims=False))


def _stack_words(w1, w2):
    nd = len(w1.shape)
    return lax.concatenate([lax.broadcast_in_dim(w, (*w.shape, 1), tuple(range(nd)))
                            for w in (w1, w2)], nd)


def _split_data(data, shape):
    k1, k2 = _words(data)
    return _stack_words(*threefry2x32(k1, k2, *iota_2x32_shape(shape)))


_split_jit = jit(_split_data, static_argnums=(1,))


def _fold_in_data(data, msg):
    k1, k2 = _words(data)
    return _stack_words(*threefry2x32(k1, k2, np.uint32(0), msg))


_fold_in_jit = jit(_fold_in_data)


def _bits_data(data, bit_width: int, shape):
    k1, k2 = _words(data)
    b1, b2 = threefry2x32(k1, k2, *iota_2x32_shape(shape))
    if bit_width == 64:
        u64 = dtypes.uint64
        hi = lax.convert_element_type(b1, u64)
        return lax.bitwise_or(lax.shift_left(hi, np.uint64(32)),
                              lax.convert_element_type(b2, u64))
    mixed = lax.bitwise_xor(b1, b2)
    if bit_width == 32:
        return mixed
    return lax.convert_element_type(mixed, np.dtype(f"uint{bit_width}"))


_bits_jit = jit(_bits_data, static_argnums=(1, 2))


def _split_shape(num) -> tuple[int, ...]:
    shape = tuple(num) if isinstance(num, Sequence) else (num,)
    shape = tuple(operator.index(core.concrete_or_error(d, "split num")) for d in shape)
    if any(d < 0 for d in shape):
        raise ValueError(f"split: the number of keys must be non-negative, got {num}.")
    return shape


def split(key, num: int | tuple[int, ...] = 2):
    """Split a key into `num` new keys (or an array of keys of shape `num`)."""
    typed, wrapped = _check_key("split", key)
    return _output(wrapped, KeyArray(_split_jit(typed._base_array, _split_shape(num))))


def _fold_in_msg(data):
    if isinstance(data, (ArrayImpl, Tracer)):
        return lax.convert_element_type(data, dtypes.uint32)
    return np.asarray(data, dtype=np.uint32)  # out-of-range Python ints raise, as in JAX


def fold_in(key, data):
    """A new key derived from `key` and the 32-bit integer `data`."""
    typed, wrapped = _check_key("fold_in", key)
    if np.ndim(data):
        raise TypeError("fold_in accepts a scalar, but was given an array of"
                        f"shape {np.shape(data)} != (). Use jax.vmap for batching.")
    return _output(wrapped, KeyArray(_fold_in_jit(typed._base_array, _fold_in_msg(data))))


def clone(key):
    """The same key (key-reuse checking is not implemented, so this is the identity)."""
    return key


def key_data(keys):
    """The `uint32[..., 2]` data underlying a (typed or raw) key array."""
    typed, _ = _check_key("key_data", keys, allow_batched=True)
    return typed._base_array


def wrap_key_data(key_bits_array, *, impl=None, dtype=None) -> KeyArray:
    """A typed key array whose data is the `uint32[..., 2]` array `key_bits_array`."""
    if dtype is not None:
        if impl is not None:
            raise ValueError("Cannot specify both `impl` and `dtype` arguments to "
                             "jax.random.wrap_key_data")
        impl = dtype
    if impl is not None and impl != key_fry and str(impl) != _IMPL_NAME:
        raise ValueError(f'unrecognized PRNG implementation "{impl}". Did you mean one of: '
                         f'"{_IMPL_NAME}"?')
    return _wrap(key_bits_array)


def key_impl(keys) -> str:
    _check_key("key_impl", keys, allow_batched=True)
    return _IMPL_NAME


def key_dtype(impl=None) -> KeyDType:
    return key_fry


def default_prng_impl() -> str:
    return _IMPL_NAME


