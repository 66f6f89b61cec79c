"""Counter-based random bits: the Threefry-2x32 block cipher and a 64-bit counter iota.

`threefry2x32` maps a key (two uint32 words) and counters (two uint32 words per
element) to two uint32 words per element: 20 rounds of add / rotate / xor with a
key injection every 4 rounds (Salmon et al., "Parallel random numbers: as easy as
1, 2, 3", 2011). It lowers to plain StableHLO integer ops, so every backend gives
the same bits. `iota_2x32_shape` gives the row-major index of every element of a
shape as a 64-bit number split into (high word, low word).

`cellax.random` builds keys, splitting, folding and sampling on these two.
"""
from __future__ import annotations

import math

import numpy as np

from cellax import dtypes
from cellax.core import Primitive, ShapedArray
from cellax.interpreters.lowering import lower_fun, tensor_type
from cellax.primitives.elementwise import _standard, broadcast_shapes

# ---------------------------------------------------------------------------------------
# threefry2x32: (key_hi, key_lo, count_hi, count_lo) -> (bits_hi, bits_lo)

threefry2x32_p = Primitive("threefry2x32")
threefry2x32_p.multiple_results = True

# Rotation distances of the 2x32 variant; the two groups alternate every 4 rounds.
_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))
# Threefish's key-schedule parity constant.
_KS_PARITY = 0x1BD11BDA


def _threefry2x32_abstract_eval(k1, k2, x1, x2):
    avals = (k1, k2, x1, x2)
    if any(a.dtype != dtypes.uint32 for a in avals):
        raise TypeError("Arguments to threefry2x32 must have uint32 type, got "
                        f"{', '.join(a.str_short() for a in avals)}.")
    shape = broadcast_shapes("threefry2x32", *(a.shape for a in avals))
    out = ShapedArray(shape, dtypes.uint32)
    return [out, out]


def _threefry2x32_rolled(k1, k2, x1, x2):
    """The same cipher as a 5-iteration loop (4 rounds and a key injection each), with the
    key schedule and rotation groups rotated through the carry, as JAX lowers it on CPU.
    Besides compiling faster, this keeps the random bits an unfused intermediate, so XLA
    fuses what follows (e.g. a norm of normals) as it does for JAX, to the last bit."""
    from cellax import lax
    from cellax import numpy as jnp
    # Keys keep their own (usually scalar) shape: only the counters are full size.
    shape = broadcast_shapes("threefry2x32", *(jnp.shape(v) for v in (k1, k2, x1, x2)))
    x1, x2 = jnp.broadcast_to(x1, shape), jnp.broadcast_to(x2, shape)
    u32 = np.uint32
    rotations = [np.array(_ROTATIONS[0], u32), np.array(_ROTATIONS[1], u32)]
    ks = [k1, k2, k1 ^ k2 ^ u32(_KS_PARITY)]
    x = [x1 + ks[0], x2 + ks[1]]

    def rotl(v, r):
        return lax.shift_left(v, r) | lax.shift_right_logical(v, u32(32) - r)

    def step(i, state):
        x, ks, rots = state
        for j in range(4):
            r = rots[0][j]
            x0 = x[0] + x[1]
            x = [x0, x0 ^ rotl(x[1], r)]
        x = [x[0] + ks[0], x[1] + ks[1] + lax.convert_element_type(i + 1, u32)]
        return x, ks[1:] + ks[:1], rots[1:] + rots[:1]

    x, _, _ = lax.fori_loop(0, 5, step, (x, ks[1:] + ks[:1], rotations))
    return x


def _threefry2x32_lower(ctx, *args):
    return lower_fun(ctx, _threefry2x32_rolled, args)


_standard(threefry2x32_p, _threefry2x32_abstract_eval, _threefry2x32_lower)


def threefry2x32(k1, k2, x1, x2):
    """Apply Threefry-2x32 elementwise; operands are uint32 and broadcast like lax ops."""
    return threefry2x32_p.bind(k1, k2, x1, x2)


# ---------------------------------------------------------------------------------------
# iota_2x32_shape: the row-major index of each element as (high, low) uint32 words

iota_2x32_shape_p = Primitive("iota_2x32_shape")
iota_2x32_shape_p.multiple_results = True


def _iota_2x32_shape_abstract_eval(*, shape):
    out = ShapedArray(tuple(shape), dtypes.uint32)
    return [out, out]


def _iota_2x32_shape_lower(ctx, *, shape):
    shape = tuple(shape)
    u64 = ShapedArray(shape, dtypes.uint64)
    t64 = tensor_type(u64)
    if not shape:
        zero = ctx.constant(np.uint32(0))
        return [zero, zero]

    def const64(v: int) -> str:
        return ctx.broadcast(ctx.constant(np.uint64(v)), ShapedArray((), dtypes.uint64), shape,
                             dims=())

    # index = sum_d iota_d * stride_d, computed in uint64 whatever the x64 setting.
    index = None
    for d in range(len(shape)):
        stride = math.prod(shape[d + 1:])
        term = ctx.op("stablehlo.iota", [], [], [t64], {"iota_dimension": f"{d} : i64"})[0]
        if stride != 1:
            term = ctx.op("stablehlo.multiply", [term, const64(stride)], [t64, t64], [t64])[0]
        index = term if index is None else ctx.op("stablehlo.add", [index, term], [t64, t64],
                                                  [t64])[0]
    high = ctx.op("stablehlo.shift_right_logical", [index, const64(32)], [t64, t64], [t64])[0]
    t32 = tensor_type(shape, dtypes.uint32)
    return [ctx.op("stablehlo.convert", [high], [t64], [t32])[0],
            ctx.op("stablehlo.convert", [index], [t64], [t32])[0]]


_standard(iota_2x32_shape_p, _iota_2x32_shape_abstract_eval, _iota_2x32_shape_lower)


def iota_2x32_shape(shape):
    """(high, low) uint32 words of `arange(prod(shape)).reshape(shape)` as uint64."""
    return iota_2x32_shape_p.bind(shape=tuple(int(d) for d in shape))



# ---------------------------------------------------------------------------------------
# Differentiation: both produce integer bits, so their tangents are zero.

from cellax.interpreters.jvp import def_nondifferentiable  # noqa: E402

def_nondifferentiable(threefry2x32_p)
def_nondifferentiable(iota_2x32_shape_p)

# ---------------------------------------------------------------------------------------
# Batching: threefry2x32 is elementwise with lax broadcasting; iota_2x32_shape has no
# operands, so it is never batched.

from cellax import core  # noqa: E402
from cellax.interpreters import batching as _batching  # noqa: E402

core.batching_rules[threefry2x32_p] = _batching.broadcasting_rule(threefry2x32_p)
core.batching_rules[iota_2x32_shape_p] = lambda size, vals, dims, **params: (
    iota_2x32_shape_p.bind(**params), [None, None])
