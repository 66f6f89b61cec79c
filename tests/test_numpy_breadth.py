"""The breadth of `cellax.numpy` against the reference `jax.numpy`.

One table of cases `(name, function source, arguments source)`. Each function is run by
the reference JAX (once, in one oracle subprocess shared by the xdist workers) and here,
by cellax, eagerly and under `cellax.jit`. Values (allclose, NaNs equal), dtypes, weak
types and shapes must agree. A second table lists bad inputs whose exception types must
agree, and a third compares `grad` through a handful of the functions.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os

import numpy as np
import pytest

import cellax as jax
import cellax.numpy as jnp

# Inputs: built by the same code in both processes (NumPy only, fixed seed).
SETUP = r"""
import numpy as np
_rng = np.random.RandomState(0)
F = _rng.randn(3, 4).astype(np.float32)
G = _rng.randn(3, 4).astype(np.float32)
V = _rng.randn(5).astype(np.float32)
W = np.abs(_rng.randn(5)).astype(np.float32) + 0.1
M = _rng.randn(4, 4).astype(np.float32)
T3 = _rng.randn(2, 3, 4).astype(np.float32)
P = (np.abs(F) + 0.5).astype(np.float32)
I = np.array([[5, -5, 7, 0], [3, -8, 2, 9], [-1, 4, 6, -3]], np.int32)
J = np.array([[2, 2, -3, 0], [-2, 3, 5, 4], [1, -3, 0, 2]], np.int32)
K = np.array([12, 18, -21, 0, 7, 0], np.int32)
L = np.array([8, -27, 14, 5, 0, 0], np.int32)
U = np.array([3, 7, 0, 250], np.uint8)
I8 = np.array([100, -100, 3, 0], np.int8)
B = F > 0
C = (F + 1j * G).astype(np.complex64)
N = np.array([1., np.nan, -np.inf, np.inf, 0., -0., -2.5, 2.5, 0.5, -1.5], np.float32)
NM = np.array([[1., np.nan, 3.], [np.nan, np.nan, np.nan], [2., -1., np.nan]], np.float32)
H = F.astype(np.float16)
Z = np.array([0., 0., 1., 2., 0., 3., 0.], np.float32)
SRT = np.array([-1., 0., 0.5, 2., 2., 7.], np.float32)
IDX = np.array([[0, 2, 1, 3], [3, 3, 0, 1], [1, 0, 2, 2]], np.int32)
"""

CASES: list[tuple[str, str, str]] = [
    # --- division and remainders -------------------------------------------------------
    ("fmod_int", "lambda x, y: jnp.fmod(x, y)", "(I, J)"),
    ("fmod_float", "lambda x, y: jnp.fmod(x, y)", "(F * 3, G)"),
    ("fmod_weak", "lambda x: jnp.fmod(x, 2.5)", "(F * 3,)"),
    ("fmod_zero", "lambda x: jnp.fmod(x, 0.0)", "(F,)"),
    ("floor_divide_int", "lambda x, y: jnp.floor_divide(x, y)", "(I, J)"),
    ("floor_divide_float", "lambda x, y: jnp.floor_divide(x, y)", "(F * 3, G)"),
    ("floor_divide_edge", "lambda x, y: jnp.asarray(x) // y", "(N, N[::-1])"),
    ("floor_divide_uint", "lambda x: jnp.floor_divide(x, np.uint8(4))", "(U,)"),
    ("floor_divide_bool", "lambda x, y: jnp.floor_divide(x, y)", "(B, B[::-1])"),
    ("remainder_int", "lambda x, y: jnp.remainder(x, y)", "(I, J)"),
    ("remainder_float", "lambda x, y: jnp.mod(x, y)", "(F * 3, G)"),
    ("remainder_edge", "lambda x, y: jnp.asarray(x) % y", "(N, N[::-1])"),
    ("remainder_weak", "lambda x: (jnp.asarray(x) % 3, 7 % jnp.asarray(x))", "(I,)"),
    ("divmod_int", "lambda x, y: jnp.divmod(x, y)", "(I, J)"),
    ("divmod_float", "lambda x, y: jnp.divmod(x, y)", "(F * 3, G)"),
    ("true_divide", "lambda x, y: jnp.true_divide(x, y)", "(I, J)"),
    ("float_power", "lambda x, y: jnp.float_power(x, y)", "(P, G)"),
    ("float_power_int", "lambda x: jnp.float_power(x, 2)", "(I,)"),
    # --- elementwise math --------------------------------------------------------------
    ("hypot", "lambda x, y: jnp.hypot(x, y)", "(F, G)"),
    ("hypot_edge", "lambda x: jnp.hypot(x, 0.0)", "(N,)"),
    ("copysign", "lambda x, y: jnp.copysign(x, y)", "(F, G)"),
    ("copysign_int", "lambda x, y: jnp.copysign(x, y)", "(I, J)"),
    ("logaddexp", "lambda x, y: jnp.logaddexp(x, y)", "(F, G)"),
    ("logaddexp_inf", "lambda x: jnp.logaddexp(x, x[::-1])", "(N,)"),
    ("logaddexp2", "lambda x, y: jnp.logaddexp2(x, y)", "(F, G)"),
    ("logaddexp_complex", "lambda x, y: jnp.logaddexp(x, y)", "(C, C[::-1])"),
    ("log2", "lambda x: jnp.log2(x)", "(P,)"),
    ("log2_int", "lambda x: jnp.log2(x)", "(np.array([1, 2, 8, 1024], np.int32),)"),
    ("log10", "lambda x: jnp.log10(x)", "(P,)"),
    ("log10_complex", "lambda x: jnp.log10(x)", "(C,)"),
    ("log2_scalar", "lambda: jnp.log2(8.0)", "()"),
    ("deg2rad", "lambda x: jnp.deg2rad(x)", "(F * 90,)"),
    ("rad2deg", "lambda x: jnp.rad2deg(x)", "(F,)"),
    ("degrees_radians", "lambda x: (jnp.degrees(x), jnp.radians(x))", "(I,)"),
    ("deg2rad_weak", "lambda x: jnp.deg2rad(x)", "(3.0,)"),
    ("sinc", "lambda x: jnp.sinc(x)", "(np.concatenate([F.ravel(), [0., 1., -2.]]),)"),
    ("heaviside", "lambda x, y: jnp.heaviside(x, y)", "(N, 0.5)"),
    ("fabs", "lambda x: jnp.fabs(x)", "(I,)"),
    ("signbit", "lambda x: jnp.signbit(x)", "(N,)"),
    ("signbit_int", "lambda x: jnp.signbit(x)", "(I,)"),
    ("signbit_f16", "lambda x: jnp.signbit(x)", "(H,)"),
    ("trunc", "lambda x: jnp.trunc(x)", "(N,)"),
    ("trunc_int", "lambda x: jnp.trunc(x)", "(I,)"),
    ("rint", "lambda x: jnp.rint(x)", "(N,)"),
    ("rint_int", "lambda x: jnp.rint(x)", "(I,)"),
    ("modf", "lambda x: jnp.modf(x)", "(N,)"),
    ("nan_to_num", "lambda x: jnp.nan_to_num(x)", "(N,)"),
    ("nan_to_num_args", "lambda x: jnp.nan_to_num(x, nan=7.0, posinf=1e3, neginf=-1e3)",
     "(N,)"),
    ("nan_to_num_int", "lambda x: jnp.nan_to_num(x)", "(I,)"),
    ("isclose", "lambda x, y: jnp.isclose(x, y)", "(N, N)"),
    ("isclose_nan", "lambda x, y: jnp.isclose(x, y, equal_nan=True)", "(N, N)"),
    ("isclose_tol", "lambda x, y: jnp.isclose(x, x + y * 1e-3, rtol=1e-2)", "(F, G)"),
    ("isclose_int", "lambda x, y: jnp.isclose(x, y)", "(I, J)"),
    ("allclose", "lambda x, y: jnp.allclose(x, y)", "(F, F + 1e-7)"),
    ("allclose_false", "lambda x, y: jnp.allclose(x, y)", "(F, G)"),
    ("array_equal", "lambda x, y: (jnp.array_equal(x, y), jnp.array_equal(x, x))", "(F, G)"),
    ("array_equal_shape", "lambda x: jnp.array_equal(x, x[0])", "(F,)"),
    ("array_equal_nan", "lambda x: jnp.array_equal(x, x, equal_nan=True)", "(N,)"),
    ("array_equiv", "lambda x: (jnp.array_equiv(x, x[0]), jnp.array_equiv(x[0], x[0]))",
     "(np.ones((3, 4)),)"),
    ("isreal_iscomplex", "lambda x: (jnp.isreal(x), jnp.iscomplex(x))", "(C,)"),
    ("isreal_float", "lambda x: (jnp.isreal(x), jnp.iscomplex(x))", "(F,)"),
    ("isposinf_isneginf", "lambda x: (jnp.isposinf(x), jnp.isneginf(x))", "(N,)"),
    ("isposinf_int", "lambda x: jnp.isposinf(x)", "(I,)"),
    ("gcd", "lambda x, y: jnp.gcd(x, y)", "(K, L)"),
    ("lcm", "lambda x, y: jnp.lcm(x, y)", "(K, L)"),
    ("gcd_bcast", "lambda x: jnp.gcd(x, 6)", "(K,)"),
    ("gcd_int8", "lambda x: jnp.gcd(x, np.int8(12))", "(I8,)"),
    ("frexp", "lambda x: jnp.frexp(x)", "(np.concatenate([N, F.ravel() * 1e-40]),)"),
    ("ldexp", "lambda x, e: jnp.ldexp(x, e)", "(F, J)"),
    ("ldexp_edge", "lambda x: jnp.ldexp(x, 3)", "(N,)"),
    ("positive", "lambda x: jnp.positive(x)", "(I,)"),
    ("fmax_fmin", "lambda x, y: (jnp.fmax(x, y), jnp.fmin(x, y))", "(N, N[::-1])"),
    ("angle", "lambda x: (jnp.angle(x), jnp.angle(x, deg=True))", "(C,)"),
    ("angle_real", "lambda x: jnp.angle(x)", "(I,)"),
    ("nextafter", "lambda x, y: jnp.nextafter(x, y)", "(F, G)"),
    ("spacing", "lambda x: jnp.spacing(x)", "(F,)"),
    ("bitwise_count", "lambda x: jnp.bitwise_count(x)", "(I,)"),
    ("aliases", "lambda x: (jnp.acos(x / 3), jnp.atan2(x, 1.0), jnp.asinh(x))", "(F,)"),
    ("bitwise_aliases", "lambda x: (jnp.bitwise_invert(x), jnp.bitwise_left_shift(x, 2))",
     "(I,)"),
    # --- differences and polynomials ---------------------------------------------------
    ("diff", "lambda x: jnp.diff(x)", "(F,)"),
    ("diff_n_axis", "lambda x: jnp.diff(x, n=2, axis=0)", "(T3,)"),
    ("diff_pre_app", "lambda x: jnp.diff(x, prepend=0.0, append=x[:, :1])", "(F,)"),
    ("diff_bool", "lambda x: jnp.diff(x)", "(B,)"),
    ("ediff1d", "lambda x: (jnp.ediff1d(x, to_end=np.array([1, 2]), to_begin=-1), "
     "jnp.ediff1d(x))", "(F,)"),
    ("polyval", "lambda p, x: jnp.polyval(p, x)", "(V, F)"),
    ("polyval_int", "lambda p: jnp.polyval(p, 2)", "(np.array([1, -2, 3], np.int32),)"),
    ("polyadd_sub", "lambda a, b: (jnp.polyadd(a, b), jnp.polysub(b, a))", "(V, V[:3])"),
    ("polyder_polyint", "lambda p: (jnp.polyder(p, 2), jnp.polyint(p, 2, k=np.array([1., 2.])))",
     "(V,)"),
    ("polymul", "lambda a, b: jnp.polymul(a, b)", "(V, V[:3])"),
    ("vander", "lambda x: (jnp.vander(x), jnp.vander(x, 3, increasing=True))", "(V,)"),
    ("convolve", "lambda a, b: [jnp.convolve(a, b, m) for m in ('full', 'same', 'valid')]",
     "(V, W[:3])"),
    ("convolve_even", "lambda a, b: [jnp.convolve(b, a, m) for m in ('full', 'same', 'valid')]",
     "(V, W[:4])"),
    ("correlate", "lambda a, b: [jnp.correlate(a, b, m) for m in ('full', 'same', 'valid')]",
     "(V, W[:4])"),
    ("correlate_swap", "lambda a, b: jnp.correlate(b, a, 'full')", "(V, W[:3])"),
    ("trapezoid", "lambda y, x: (jnp.trapezoid(y), jnp.trapezoid(y, dx=0.5, axis=0), "
     "jnp.trapezoid(y, x))", "(F, np.array([0., 1., 3., 4.], np.float32))"),
    ("unwrap", "lambda p: jnp.unwrap(p)", "(np.cumsum(np.abs(V) * 3),)"),
    ("poly_polydiv", "lambda a, b: (jnp.poly(a), jnp.polydiv(a, b))", "(V, W[:3])"),
    ("gradient", "lambda a, h: (jnp.gradient(a), jnp.gradient(a, 2.0, axis=1), "
     "jnp.gradient(a[0], h))", "(F, np.array([0., 1., 3., 3.5], np.float32))"),
    ("interp", "lambda x, xp, fp: (jnp.interp(x, xp, fp), jnp.interp(x, xp, fp, left=-1.0, "
     "right='extrapolate'))", "(F * 3, SRT[::2], V[:3])"),
    ("interp_period", "lambda x, xp, fp: jnp.interp(x, xp, fp, period=2 * np.pi)",
     "(F * 5, V[[3, 0, 4, 1]], W[:4])"),
    ("i0", "lambda x: jnp.i0(x * 5)", "(F,)"),
    ("packbits", "lambda a: (jnp.packbits(a), jnp.packbits(a, axis=1, bitorder='little'), "
     "jnp.unpackbits(jnp.packbits(a, axis=0), axis=0, count=2))", "(B,)"),
    # --- reductions --------------------------------------------------------------------
    ("sum_where", "lambda x: jnp.sum(x, axis=1, where=x > 0)", "(F,)"),
    ("sum_initial", "lambda x: jnp.sum(x, initial=10.0)", "(F,)"),
    ("sum_where_initial", "lambda x: jnp.sum(x, 0, where=x > 0, initial=1.0, keepdims=True)",
     "(F,)"),
    ("sum_int_where", "lambda x: jnp.sum(x, where=x > 0)", "(I8,)"),
    ("sum_f16", "lambda x: jnp.sum(x, axis=0)", "(H,)"),
    ("sum_bool", "lambda x: (jnp.sum(x), jnp.sum(x, promote_integers=False))", "(B,)"),
    ("prod_where", "lambda x: jnp.prod(x, axis=0, where=x > 0, initial=2.0)", "(F,)"),
    ("max_initial", "lambda x: jnp.max(x, axis=0, initial=0.5)", "(F,)"),
    ("max_where", "lambda x: jnp.max(x, axis=1, where=x < 1, initial=-5.0)", "(F,)"),
    ("min_where_int", "lambda x: jnp.min(x, where=x > 0, initial=100)", "(I,)"),
    ("max_empty_initial", "lambda x: jnp.max(x, initial=3.0)", "(np.zeros((0,), np.float32),)"),
    ("all_any_where", "lambda x: (jnp.all(x, where=x > 0), jnp.any(x < -1, axis=0, "
     "where=x > 0))", "(F,)"),
    ("all_complex", "lambda x: (jnp.all(x), jnp.any(x))", "(np.array([1j, 0j]),)"),
    ("mean_where", "lambda x: jnp.mean(x, axis=0, where=x > 0)", "(F,)"),
    ("mean_f16", "lambda x: jnp.mean(x)", "(H,)"),
    ("mean_int", "lambda x: jnp.mean(x, axis=1, keepdims=True)", "(I,)"),
    ("var_where", "lambda x: jnp.var(x, axis=1, where=x > -0.5)", "(F,)"),
    ("var_ddof", "lambda x: (jnp.var(x, ddof=1), jnp.std(x, axis=0, ddof=1))", "(F,)"),
    ("var_complex", "lambda x: jnp.var(x, axis=0)", "(C,)"),
    ("var_int", "lambda x: jnp.var(x)", "(I,)"),
    ("std_where", "lambda x: jnp.std(x, where=x > 0, keepdims=True)", "(F,)"),
    ("var_nan_ddof", "lambda x: jnp.var(x, ddof=5)", "(V[:3],)"),
    ("average", "lambda x: (jnp.average(x), jnp.average(x, axis=1))", "(F,)"),
    ("average_weights", "lambda x, w: jnp.average(x, axis=1, weights=w, returned=True)",
     "(F, np.abs(G[0]))"),
    ("average_full_weights", "lambda x, w: jnp.average(x, weights=w)", "(F, np.abs(G))"),
    ("ptp", "lambda x: (jnp.ptp(x), jnp.ptp(x, axis=0, keepdims=True))", "(F,)"),
    ("ptp_int", "lambda x: jnp.ptp(x, axis=1)", "(I,)"),
    ("count_nonzero", "lambda x: (jnp.count_nonzero(x), jnp.count_nonzero(x, axis=0))",
     "(I,)"),
    ("nansum_nanprod", "lambda x: (jnp.nansum(x), jnp.nansum(x, axis=1), "
     "jnp.nanprod(x, axis=0))", "(NM,)"),
    ("nanmax_nanmin", "lambda x: (jnp.nanmax(x, axis=1), jnp.nanmin(x, axis=0), "
     "jnp.nanmax(x))", "(NM,)"),
    ("nanmax_initial", "lambda x: jnp.nanmax(x, axis=1, initial=0.0)", "(NM,)"),
    ("nanmean", "lambda x: (jnp.nanmean(x), jnp.nanmean(x, axis=1))", "(NM,)"),
    ("nanvar_nanstd", "lambda x: (jnp.nanvar(x, axis=1), jnp.nanstd(x, axis=0, ddof=1))",
     "(NM,)"),
    ("nan_int", "lambda x: (jnp.nansum(x), jnp.nanmean(x), jnp.nanmax(x))", "(I,)"),
    ("nanargmax_nanargmin", "lambda x: (jnp.nanargmax(x, axis=1), jnp.nanargmin(x, axis=1))",
     "(NM,)"),
    ("amax_amin", "lambda x: (jnp.amax(x, axis=0), jnp.amin(x, keepdims=True))", "(F,)"),
    ("cumsum", "lambda x: (jnp.cumsum(x), jnp.cumsum(x, axis=0), jnp.cumsum(x, axis=1))",
     "(F,)"),
    ("cumsum_int", "lambda x: (jnp.cumsum(x), jnp.cumsum(x, dtype=jnp.float32))", "(I8,)"),
    ("cumsum_bool", "lambda x: (jnp.cumsum(x, axis=1), jnp.cumsum(x, dtype=bool))", "(B,)"),
    ("cumprod", "lambda x: (jnp.cumprod(x, axis=1), jnp.cumprod(x))", "(P,)"),
    ("nancumsum_nancumprod", "lambda x: (jnp.nancumsum(x, axis=1), jnp.nancumprod(x))",
     "(NM,)"),
    ("cumulative_sum", "lambda x: (jnp.cumulative_sum(x, axis=1, include_initial=True), "
     "jnp.cumulative_prod(x[0]))", "(I8.reshape(2, 2),)"),
    ("cumsum_long", "lambda x: jnp.cumsum(x)", "(np.arange(37, dtype=np.int32),)"),
    # --- shapes ------------------------------------------------------------------------
    ("split", "lambda x: jnp.split(x, 2, axis=1)", "(F,)"),
    ("split_indices", "lambda x: (jnp.split(x, [1, 3], axis=1), jnp.array_split(x, [2]))", "(F,)"),
    ("array_split", "lambda x: jnp.array_split(x, 3)", "(V,)"),
    ("hsplit_vsplit_dsplit", "lambda x: (jnp.hsplit(x, 3), jnp.vsplit(x, 2), "
     "jnp.dsplit(x, [1]))", "(T3,)"),
    ("unstack", "lambda x: jnp.unstack(x, axis=1)", "(F,)"),
    ("tile", "lambda x: (jnp.tile(x, 2), jnp.tile(x, (2, 1, 2)))", "(F,)"),
    ("tile_scalar", "lambda: jnp.tile(3, (2, 2))", "()"),
    ("repeat", "lambda x: (jnp.repeat(x, 2), jnp.repeat(x, 3, axis=0))", "(F,)"),
    ("repeat_array", "lambda x: jnp.repeat(x, np.array([1, 0, 2, 3]), axis=1)", "(F,)"),
    ("repeat_total", "lambda x, r: jnp.repeat(x, r, axis=0, total_repeat_length=6)",
     "(F, np.array([1, 3, 2], np.int32))"),
    ("roll", "lambda x: (jnp.roll(x, 2), jnp.roll(x, -1, axis=1), "
     "jnp.roll(x, (1, 2), axis=(0, 1)))", "(F,)"),
    ("roll_dynamic", "lambda x, s: jnp.roll(x, s, axis=1)", "(F, np.int32(3))"),
    ("rot90", "lambda x: (jnp.rot90(x), jnp.rot90(x, 2), jnp.rot90(x, -1, axes=(1, 2)))",
     "(T3,)"),
    ("flip", "lambda x: (jnp.flip(x), jnp.flip(x, 1), jnp.fliplr(x), jnp.flipud(x))",
     "(T3,)"),
    ("column_stack", "lambda a, b: jnp.column_stack([a, b, a])", "(V, W)"),
    ("column_stack_2d", "lambda a: jnp.column_stack((a, a[:, :1]))", "(F,)"),
    ("dstack", "lambda a, b: (jnp.dstack([a, b]), jnp.dstack([F, F]))", "(V, W)"),
    ("block", "lambda a: jnp.block([[a, a[:, :2]], [a[:1], a[:1, :2]]])", "(F,)"),
    ("block_1d", "lambda a: jnp.block([a, 1.0, a])", "(V,)"),
    ("append", "lambda a: (jnp.append(a, 1.0), jnp.append(a, a[:1], axis=0))", "(F,)"),
    ("insert", "lambda a: (jnp.insert(a, 1, 9.0), jnp.insert(a, 2, a[:, 0], axis=1), "
     "jnp.insert(a, np.array([0, 2, 2]), -1.0, axis=1), jnp.insert(a, slice(1, 3), 0, axis=0))",
     "(F,)"),
    ("insert_int_values", "lambda a: jnp.insert(a, -1, 2.7)", "(I,)"),
    ("delete", "lambda a: (jnp.delete(a, 1), jnp.delete(a, 0, axis=1), "
     "jnp.delete(a, np.array([0, 2]), axis=1), jnp.delete(a, slice(0, 2), axis=0), "
     "jnp.delete(a, np.array([True, False, True]), axis=0))", "(F,)"),
    ("resize", "lambda a: (jnp.resize(a, (5, 5)), jnp.resize(a, 4), jnp.resize(a, (0, 2)))",
     "(F,)"),
    ("tril_triu", "lambda a: (jnp.tril(a), jnp.triu(a, 1), jnp.tril(a, -1), jnp.triu(a, -2))",
     "(T3,)"),
    ("tri", "lambda: (jnp.tri(3), jnp.tri(3, 5, 1, dtype=jnp.int32), jnp.tri(4, k=-1))", "()"),
    ("diag", "lambda v, m: (jnp.diag(v), jnp.diag(v, 2), jnp.diag(v, -1), jnp.diag(m), "
     "jnp.diag(m, 1), jnp.diag(m, -2))", "(V, F)"),
    ("diagonal", "lambda a: (jnp.diagonal(a), jnp.diagonal(a, 1, 1, 2), "
     "jnp.diagonal(a, -1, 2, 0))", "(T3,)"),
    ("diagflat", "lambda v: (jnp.diagflat(v), jnp.diagflat(v.reshape(1, -1), -2))", "(W,)"),
    ("trace", "lambda a: (jnp.trace(a), jnp.trace(a, 1), jnp.trace(a, -1, 1, 2))", "(T3,)"),
    ("trace_int", "lambda a: jnp.trace(a, dtype=jnp.float32)", "(I,)"),
    ("meshgrid", "lambda a, b: (jnp.meshgrid(a, b), jnp.meshgrid(a, b, indexing='ij'), "
     "jnp.meshgrid(a, b, sparse=True))", "(V, W[:3])"),
    ("indices", "lambda: (jnp.indices((2, 3)), jnp.indices((2, 3), sparse=True), "
     "jnp.indices((3,), dtype=jnp.float32))", "()"),
    ("ix_", "lambda a, b: jnp.ix_(a, b)", "(np.array([0, 2], np.int32), np.array([1, 3, 0]))"),
    ("ravel_multi_index", "lambda i, j: (jnp.ravel_multi_index((i, j), (3, 4)), "
     "jnp.ravel_multi_index((i, j), (3, 4), order='F'))",
     "(np.array([0, 2, 1]), np.array([3, 0, 2]))"),
    ("ravel_multi_index_wrap", "lambda i, j: jnp.ravel_multi_index((i, j), (3, 4), mode='wrap')",
     "(np.array([5, -1, 1]), np.array([3, 9, 2]))"),
    ("unravel_index", "lambda i: jnp.unravel_index(i, (3, 4))",
     "(np.array([0, 5, 11, 13, -2], np.int32),)"),
    ("take", "lambda a, i: (jnp.take(a, i), jnp.take(a, i, axis=1), "
     "jnp.take(a, np.array([5, -1]), axis=1, mode='clip'), "
     "jnp.take(a, np.array([5, -1]), axis=0, mode='wrap'), "
     "jnp.take(a, np.array([7, -1]), axis=1, mode='fill', fill_value=-9.0))", "(F, IDX)"),
    ("take_oob_fill", "lambda a: jnp.take(a, np.array([0, 10, -20]))", "(V,)"),
    ("take_along_axis", "lambda a, i: (jnp.take_along_axis(a, i, axis=1), "
     "jnp.take_along_axis(a, i[:1], axis=0), jnp.take_along_axis(a[0], i[0], axis=None))",
     "(F, IDX)"),
    ("take_along_axis_bcast", "lambda a, i: jnp.take_along_axis(a, i[:, :1], axis=1)",
     "(F, IDX)"),
    ("put_along_axis", "lambda a, i: jnp.put_along_axis(a, i[:, :2], 0.5, axis=1, "
     "inplace=False)", "(F, IDX)"),
    ("select", "lambda x: jnp.select([x > 1, x < -0.5], [x, 2 * x], default=-7.0)", "(F,)"),
    ("select_int", "lambda x: jnp.select([x > 2, x < 0], [x, -x])", "(I,)"),
    ("choose", "lambda i, a, b: (jnp.choose(i, [a, b]), jnp.choose(i, [a, b, a], "
     "mode='wrap'))", "(np.array([0, 1, 1, 0], np.int32), F[0], G[0])"),
    ("choose_clip", "lambda i, a: jnp.choose(i, [a, 2 * a, 3 * a], mode='clip')",
     "(np.array([[-1, 1, 5, 2]], np.int32), F)"),
    ("compress", "lambda a: (jnp.compress(np.array([True, False, True]), a, axis=0), "
     "jnp.compress(np.array([False, True]), a, axis=1), "
     "jnp.compress(np.array([1, 0, 1, 1]), a))", "(F,)"),
    ("compress_size", "lambda a, c: jnp.compress(c, a, axis=1, size=3, fill_value=-1.0)",
     "(F, np.array([False, True, False, True]))"),
    ("extract", "lambda a: jnp.extract(a > 0, a)", "(F,)"),
    ("extract_size", "lambda a: jnp.extract(a > 0, a, size=8, fill_value=9.0)", "(F,)"),
    ("place", "lambda a: jnp.place(a, a > 0, np.array([1., 2.]), inplace=False)", "(F,)"),
    ("put", "lambda a: (jnp.put(a, np.array([0, 5, 11]), np.array([7., 8.]), inplace=False), "
     "jnp.put(a, np.array([-1, 20]), 3.0, mode='clip', inplace=False))", "(F,)"),
    ("atleast_3d", "lambda a, b: (jnp.atleast_3d(a), jnp.atleast_3d(b), "
     "jnp.atleast_3d(1.0), jnp.atleast_3d(a, b))", "(V, F)"),
    ("rollaxis", "lambda a: (jnp.rollaxis(a, 2), jnp.rollaxis(a, 0, 3), "
     "jnp.rollaxis(a, -1, 1))", "(T3,)"),
    ("permute_dims_concat", "lambda a: (jnp.permute_dims(a, (2, 0, 1)), "
     "jnp.concat([a, a], axis=1), jnp.concat([a, a], axis=None))", "(T3,)"),
    ("broadcast_arrays", "lambda a, b: jnp.broadcast_arrays(a, b, 1.0)", "(F, V[:4])"),
    ("nonzero", "lambda a: (jnp.nonzero(a), jnp.flatnonzero(a), jnp.argwhere(a))", "(Z,)"),
    ("nonzero_2d", "lambda a: (jnp.nonzero(a > 0), jnp.argwhere(a > 0), jnp.where(a > 0))",
     "(F,)"),
    ("nonzero_size", "lambda a: (jnp.nonzero(a, size=5), jnp.nonzero(a, size=2), "
     "jnp.nonzero(a, size=6, fill_value=-1), jnp.argwhere(a, size=4, fill_value=99))", "(Z,)"),
    ("nonzero_size_2d", "lambda a: jnp.nonzero(a > 0, size=9, fill_value=(7, 8))", "(F,)"),
    ("trim_zeros", "lambda a: (jnp.trim_zeros(a), jnp.trim_zeros(a, 'f'), "
     "jnp.trim_zeros(a, 'b'))", "(Z,)"),
    ("diag_indices", "lambda: (jnp.diag_indices(3), jnp.diag_indices(2, 3))", "()"),
    ("tril_triu_indices", "lambda a: (jnp.tril_indices(3), jnp.triu_indices(4, 1), "
     "jnp.tril_indices(3, -1, 4), jnp.triu_indices_from(a), jnp.tril_indices_from(a, 1), "
     "jnp.diag_indices_from(a[:, :3]))", "(F[:, :3].T @ F[:, :3],)"),
    ("mask_indices", "lambda: jnp.mask_indices(3, jnp.triu, 1)", "()"),
    ("fill_diagonal", "lambda a: (jnp.fill_diagonal(a, 5.0, inplace=False), "
     "jnp.fill_diagonal(a, np.array([1., 2.]), inplace=False))", "(F,)"),
    ("pad_constant", "lambda a: (jnp.pad(a, 1), jnp.pad(a, ((1, 0), (2, 3))), "
     "jnp.pad(a, 2, constant_values=5.0), jnp.pad(a, ((0, 1), (1, 1)), "
     "constant_values=((1, 2), (3, 4))))", "(F,)"),
    ("pad_modes", "lambda a: [jnp.pad(a, ((2, 3), (1, 5)), mode=m) for m in "
     "('edge', 'wrap', 'reflect', 'symmetric', 'maximum', 'minimum', 'mean', 'median', "
     "'empty')]",
     "(F,)"),
    ("pad_reflect_odd", "lambda a: (jnp.pad(a, (4, 6), mode='reflect', reflect_type='odd'), "
     "jnp.pad(a, 3, mode='symmetric', reflect_type='odd'))", "(V,)"),
    ("pad_linear_ramp", "lambda a: jnp.pad(a, (2, 3), mode='linear_ramp', "
     "end_values=(5.0, -1.0))", "(V,)"),
    ("pad_stat_length", "lambda a: jnp.pad(a, 2, mode='mean', stat_length=2)", "(F,)"),
    ("pad_int_mean", "lambda a: jnp.pad(a, 1, mode='mean')", "(I,)"),
    ("searchsorted", "lambda a, v: (jnp.searchsorted(a, v), jnp.searchsorted(a, v, "
     "side='right'))", "(SRT, np.array([-2., 0., 2., 2.5, 9., np.nan], np.float32))"),
    ("searchsorted_sorter", "lambda a, s: jnp.searchsorted(a, np.float32(0.1), sorter=s)",
     "(V, np.argsort(V))"),
    ("digitize", "lambda x, b: (jnp.digitize(x, b), jnp.digitize(x, b, right=True), "
     "jnp.digitize(x, b[::-1]))", "(F, SRT)"),
    ("bincount", "lambda x: (jnp.bincount(x), jnp.bincount(x, minlength=12), "
     "jnp.bincount(x, weights=np.ones(6, np.float32) * 0.5, length=4))",
     "(np.array([1, 1, 3, 0, 7, 3], np.int32),)"),
    ("histogram", "lambda x: (jnp.histogram(x), jnp.histogram(x, bins=3, range=(-1, 1)), "
     "jnp.histogram(x, bins=np.array([-2., 0., 0.5, 3.]), density=True))", "(F,)"),
    ("histogram_weights", "lambda x, w: jnp.histogram(x, 4, weights=w)", "(F, np.abs(G))"),
    ("isin", "lambda a: (jnp.isin(a, np.array([0, 5, -3])), jnp.isin(a, 9, invert=True))",
     "(I,)"),
    ("histogram2d", "lambda x, y: (jnp.histogram2d(x, y, bins=3), jnp.histogramdd("
     "jnp.stack([x, y, x], 1), bins=(2, 3, 2), density=True))", "(F.ravel(), G.ravel())"),
    ("index_tricks", "lambda: (jnp.mgrid[0:3, 0:4:2], jnp.ogrid[0:2, 1:3], jnp.mgrid[0:1:5j], "
     "jnp.r_[np.array([1, 2]), 0, 4:6], jnp.r_['0,2', [1, 2], [3, 4]], "
     "jnp.c_[np.array([1, 2]), np.array([3, 4])], jnp.r_['r', 1:3])", "()"),
    # --- contractions ------------------------------------------------------------------
    ("einsum_matmul", "lambda a, b: jnp.einsum('ij,kj->ik', a, b)", "(F, G)"),
    ("einsum_batch", "lambda a, b: jnp.einsum('bij,bjk->bik', a, b)",
     "(T3, np.swapaxes(T3, 1, 2))"),
    ("einsum_unary", "lambda a: (jnp.einsum('ii->i', a), jnp.einsum('ii', a), "
     "jnp.einsum('ij->ji', a), jnp.einsum('ij->', a), jnp.einsum('ij', a))", "(M,)"),
    ("einsum_three", "lambda a, b, c: jnp.einsum('ij,jk,kl->il', a, b, c)", "(F, M, M)"),
    ("einsum_ellipsis", "lambda a, b: (jnp.einsum('...ij,...jk->...ik', a, b), "
     "jnp.einsum('i...->...', a))", "(T3, np.swapaxes(T3, 1, 2))"),
    ("einsum_outer_dot", "lambda a, b: (jnp.einsum('i,j->ij', a, b), "
     "jnp.einsum('i,i', a, b))", "(V, W)"),
    ("einsum_repeat", "lambda a, b: jnp.einsum('ii,ij->j', a, b)", "(M, M)"),
    ("einsum_int", "lambda a, b: jnp.einsum('ij,ij->i', a, b)", "(I, J)"),
    ("einsum_mixed", "lambda a, b: jnp.einsum('ij,ij->j', a, b)", "(I, F)"),
    ("einsum_pet", "lambda a, b: jnp.einsum('ij,kj->ik', a, b, "
     "preferred_element_type=jnp.float32)", "(I, J)"),
    ("einsum_weak", "lambda a: jnp.einsum('ij,->ij', a, 2.0)", "(F,)"),
    ("einsum_interleaved", "lambda a, b: jnp.einsum(a, [0, 1], b, [1, 2], [0, 2])",
     "(F, M)"),
    ("einsum_bcast", "lambda a, b: jnp.einsum('ij,ij->ij', a, b)", "(F, G[:1])"),
    ("tensordot", "lambda a, b: (jnp.tensordot(a, b, 1), jnp.tensordot(a, a, 2), "
     "jnp.tensordot(a, b, ((1,), (1,))), jnp.tensordot(a, a, (0, 0)))", "(F, G.T @ G)"),
    ("tensordot_3", "lambda a, b: jnp.tensordot(a, b, axes=([1, 2], [0, 1]))",
     "(T3, np.ones((3, 4, 2), np.float32))"),
    ("inner", "lambda a, b: (jnp.inner(a, b), jnp.inner(a[0], b[0]), jnp.inner(a, 2.0))",
     "(F, G)"),
    ("kron", "lambda a, b: (jnp.kron(a, b), jnp.kron(a[0], b), jnp.kron(2, b))",
     "(F[:2, :2], I[:2, :3])"),
    ("cross", "lambda a, b: (jnp.cross(a, b), jnp.cross(a[:, :2], b[:, :2]), "
     "jnp.cross(a[:, :2], b), jnp.cross(a.T, b.T, axis=0))", "(F[:, :3], G[:, :3])"),
    ("vecdot", "lambda a, b: (jnp.vecdot(a, b), jnp.vecdot(a, b, axis=0))", "(C, C[::-1])"),
    ("matvec_vecmat", "lambda a, b: (jnp.matvec(a, b), jnp.vecmat(b[:3], a))",
     "(T3, V[:4])"),
    ("cov", "lambda a: (jnp.cov(a), jnp.cov(a, rowvar=False), jnp.cov(a[0], a[1]), "
     "jnp.cov(a, bias=True), jnp.cov(a, ddof=0))", "(F,)"),
    ("cov_weights", "lambda a: (jnp.cov(a, fweights=np.array([1, 2, 1, 3])), "
     "jnp.cov(a, aweights=np.array([.5, 1., 2., 1.])))", "(F,)"),
    ("corrcoef", "lambda a: (jnp.corrcoef(a), jnp.corrcoef(a[0], a[1]))", "(F,)"),
    ("vectorize", "lambda a, b: (jnp.vectorize(lambda m, v: m @ v, signature='(n,m),(m)->(n)')"
     "(a, b), jnp.vectorize(lambda x, y: jnp.maximum(x, y) * 2)(b, a[:, :1, :1]), "
     "jnp.vectorize(lambda x, n: x ** n, excluded={1})(b, 2))", "(T3, V[:4])"),
    ("apply_along_over_axes", "lambda a: (jnp.apply_along_axis(lambda v: v.sum() * v[0], 1, a),"
     " jnp.apply_along_axis(jnp.cumsum, 2, a), jnp.apply_over_axes(jnp.sum, a, [0, 2]))",
     "(T3,)"),
    ("piecewise", "lambda x: (jnp.piecewise(x, [x < 0, x > 1], [lambda v: -v, lambda v: v ** 2,"
     " 0.5]), jnp.piecewise(x, [x > 0], [jnp.sin]))", "(F,)"),
    # --- creation and dtypes -----------------------------------------------------------
    ("logspace", "lambda: (jnp.logspace(0, 3, 4), jnp.logspace(0, 2, 3, base=2.0, "
     "endpoint=False), jnp.logspace(1, 2, 3, dtype=jnp.int32))", "()"),
    ("geomspace", "lambda: (jnp.geomspace(1, 1000, 4), jnp.geomspace(-1, -16, 5), "
     "jnp.geomspace(2, 32, 3, endpoint=False))", "()"),
    ("linspace_array", "lambda a, b: (jnp.linspace(a, b, 5), jnp.linspace(a, b, 4, axis=-1), "
     "jnp.linspace(0, 1, 5, retstep=True), jnp.linspace(0, 10, 4, dtype=jnp.int32), "
     "jnp.linspace(2, 3, 1), jnp.linspace(2, 3, 0))", "(V[:3], W[:3])"),
    ("full_like_empty", "lambda a: (jnp.full_like(a, 3), jnp.full_like(a, 2.5, dtype=jnp.int32),"
     " jnp.full_like(a, np.arange(4.)), jnp.empty((2, 3)), jnp.identity(3, jnp.int32))",
     "(F,)"),
    ("fromfunction", "lambda: jnp.fromfunction(lambda i, j: i * 10 + j, (3, 4), "
     "dtype=jnp.int32)", "()"),
    ("copy", "lambda a: (jnp.copy(a), jnp.copy(2.0))", "(F,)"),
    ("array_ndmin", "lambda a: (jnp.array(a, ndmin=4), jnp.array(3, ndmin=2), "
     "jnp.asarray(a, dtype=jnp.int32))", "(F,)"),
    ("scalar_types", "lambda: (jnp.float32(3), jnp.int32(2.7), jnp.bool_(1), jnp.uint8(300 % 256),"
     " jnp.float16([1, 2]), jnp.double(1), jnp.single(2), jnp.int_(3), jnp.csingle(1j))", "()"),
    ("windows", "lambda: (jnp.bartlett(5), jnp.blackman(6), jnp.hamming(4), jnp.hanning(7), "
     "jnp.hanning(1), jnp.kaiser(6, 2.5))", "()"),
    ("frombuffer", "lambda: jnp.frombuffer(np.arange(4, dtype=np.int16).tobytes(), "
     "dtype=np.int16)", "()"),
    ("dtype_helpers", "lambda: (jnp.can_cast(jnp.int8, jnp.int32), jnp.can_cast(jnp.float32, "
     "jnp.int32), jnp.isdtype(jnp.float32, 'real floating'), jnp.isdtype(jnp.int8, "
     "('bool', 'unsigned integer')), jnp.isdtype(jnp.bfloat16, 'numeric'), "
     "jnp.iscomplexobj(1j), jnp.iscomplexobj(np.ones(2)), jnp.isrealobj(2.0), "
     "jnp.isscalar(2.0), jnp.isscalar(np.ones(2)), jnp.isscalar(jnp.ones(())), "
     "jnp.isscalar([1]), jnp.iterable([1]))", "()"),
]

ERROR_CASES: dict[str, str] = {
    "fmod_list": "jnp.fmod([1, 2], 2)",
    "hypot_complex": "jnp.hypot(1j, 2.0)",
    "copysign_complex": "jnp.copysign(1j, 2.0)",
    "fabs_complex": "jnp.fabs(1j)",
    "signbit_complex": "jnp.signbit(1j)",
    "floor_divide_complex": "jnp.floor_divide(1j, 2j)",
    "frexp_complex": "jnp.frexp(1j)",
    "ldexp_float_exp": "jnp.ldexp(1.0, 2.0)",
    "gcd_float": "jnp.gcd(1.0, 2.0)",
    "lcm_float": "jnp.lcm(1.0, 2)",
    "logaddexp_shapes": "jnp.logaddexp(np.ones(3), np.ones(4))",
    "isposinf_complex": "jnp.isposinf(1j)",
    "diff_scalar": "jnp.diff(1.0)",
    "diff_negative": "jnp.diff(np.ones(3), n=-1)",
    "split_unequal": "jnp.split(np.ones(5), 2)",
    "rot90_1d": "jnp.rot90(np.ones(3))",
    "rot90_same_axes": "jnp.rot90(np.ones((2, 2)), axes=(0, 0))",
    "tril_1d": "jnp.tril(np.ones(3))",
    "diag_3d": "jnp.diag(np.ones((2, 2, 2)))",
    "diagonal_1d": "jnp.diagonal(np.ones(3))",
    "trace_same_axes": "jnp.trace(np.ones((2, 2)), axis1=1, axis2=1)",
    "choose_float": "jnp.choose(np.array([0.0]), [np.ones(1)])",
    "choose_oob": "jnp.choose(np.array([3]), [np.ones(1), np.ones(1)])",
    "choose_mode": "jnp.choose(np.array([0]), [np.ones(1)], mode='bad')",
    "select_lengths": "jnp.select([np.ones(2) > 0], [np.ones(2), np.ones(2)])",
    "select_empty": "jnp.select([], [])",
    "take_mode": "jnp.take(np.ones(3), np.array([0]), mode='bad')",
    "take_along_axis_float": "jnp.take_along_axis(np.ones(3), np.array([0.0]), axis=0)",
    "take_along_axis_ndim": "jnp.take_along_axis(np.ones((2, 3)), np.array([0]), axis=0)",
    "meshgrid_2d": "jnp.meshgrid(np.ones((2, 2)), np.ones(2))",
    "meshgrid_indexing": "jnp.meshgrid(np.ones(2), indexing='ab')",
    "ix_2d": "jnp.ix_(np.ones((2, 2), np.int32))",
    "unravel_shape": "jnp.unravel_index(np.array([1]), ((2, 3),))",
    "ravel_multi_index_oob": "jnp.ravel_multi_index((np.array([5]), np.array([0])), (3, 4))",
    "pad_negative": "jnp.pad(np.ones(3), -1)",
    "pad_mode": "jnp.pad(np.ones(3), 1, mode='bogus')",
    "pad_kwarg": "jnp.pad(np.ones(3), 1, mode='edge', constant_values=1)",
    "nonzero_scalar": "jnp.nonzero(1.0)",
    "searchsorted_2d": "jnp.searchsorted(np.ones((2, 2)), 1.0)",
    "bincount_float": "jnp.bincount(np.ones(3))",
    "einsum_bad_char": "jnp.einsum('i1,i', np.ones(2), np.ones(2))",
    "einsum_count": "jnp.einsum('i,i', np.ones(2))",
    "einsum_ndim": "jnp.einsum('ij', np.ones(2))",
    "tensordot_axes": "jnp.tensordot(np.ones(2), np.ones(2), 3)",
    "tensordot_axes_type": "jnp.tensordot(np.ones(2), np.ones(2), 'a')",
    "cross_dim": "jnp.cross(np.ones(4), np.ones(4))",
    "sum_initial_where_max": "jnp.max(np.ones(3), where=np.ones(3) > 0)",
    "max_empty": "jnp.max(np.zeros((0, 2)), axis=0)",
    "sum_initial_shape": "jnp.sum(np.ones(3), initial=np.ones(2))",
    "var_real_dtype_complex": "jnp.var(np.ones(2) * 1j, dtype=np.float32)",
    "std_int_dtype": "jnp.std(np.ones(2), dtype=np.int32)",
    "average_weights_shape": "jnp.average(np.ones((2, 3)), weights=np.ones(3))",
    "delete_list": "jnp.delete(np.ones(3), [0, 1])",
    "delete_float": "jnp.delete(np.ones(3), np.array([0.5]))",
    "insert_2d_obj": "jnp.insert(np.ones(3), np.ones((2, 2), np.int32), 1)",
    "resize_negative": "jnp.resize(np.ones(3), (-1, 2))",
    "compress_2d_cond": "jnp.compress(np.ones((2, 2)) > 0, np.ones(2))",
    "compress_oob": "jnp.compress(np.array([True, True, True]), np.ones(2))",
    "isdtype_kind": "jnp.isdtype(jnp.float32, 'bogus')",
    "linspace_negative": "jnp.linspace(0, 1, -1)",
    "cumulative_sum_scalar": "jnp.cumulative_sum(1.0)",
    "cumulative_sum_axis": "jnp.cumulative_sum(np.ones((2, 2)))",
    "array_none": "jnp.array(None)",
    "array_equiv_shapes": "jnp.array_equiv(np.ones((3, 4)), np.ones((3, 2)))",
    "ediff1d_list": "jnp.ediff1d(np.ones(3), to_end=[1, 2])",
    "insert_list": "jnp.insert(np.ones(3), [0, 1], 2.0)",
    "split_oob": "jnp.split(np.ones((3, 4)), [1, 3, 9], axis=1)",
}

# (name, function of the arguments, arguments): cellax.grad against jax.grad.
GRAD_CASES: list[tuple[str, str, str]] = [
    ("hypot", "lambda x: jnp.sum(jnp.hypot(x, 2.0 * x + 1))", "(F,)"),
    ("logaddexp", "lambda x: jnp.sum(jnp.logaddexp(x, -x))", "(F,)"),
    ("logaddexp_inf", "lambda x: jnp.sum(jnp.logaddexp(x, -np.inf))", "(F,)"),
    ("sinc", "lambda x: jnp.sum(jnp.sinc(x))", "(np.array([0., 0.5, -1.3], np.float32),)"),
    ("sinc_second", "lambda x: jax.grad(lambda y: jnp.sinc(y))(x)", "(np.float32(0.0),)"),
    ("log2_log10", "lambda x: jnp.sum(jnp.log2(x) + jnp.log10(x))", "(P,)"),
    ("fmod_remainder", "lambda x: jnp.sum(jnp.fmod(x, 0.7) + jnp.remainder(x, 0.3))",
     "(F,)"),
    ("cumsum", "lambda x: jnp.sum(jnp.cumsum(x, axis=1) ** 2)", "(F,)"),
    ("cumprod", "lambda x: jnp.sum(jnp.cumprod(x))", "(P,)"),
    ("einsum", "lambda x: jnp.einsum('ij,kj,k->', x, x, x[:, 0])", "(F,)"),
    ("tensordot_kron", "lambda x: jnp.sum(jnp.tensordot(x, x, (1, 1))) + "
     "jnp.sum(jnp.kron(x, x))", "(F,)"),
    ("nanmean_nanvar", "lambda x: jnp.nanmean(x) + jnp.nanvar(x)", "(NM,)"),
    ("var_where", "lambda x: jnp.var(x, where=x > 0)", "(F,)"),
    ("sum_where_initial", "lambda x: jnp.sum(x * x, axis=0, where=x < 1, initial=2.0).sum()",
     "(F,)"),
    ("max_initial", "lambda x: jnp.max(x, initial=0.1)", "(F,)"),
    ("average", "lambda x: jnp.average(x, axis=1, weights=jnp.abs(x[0])).sum()", "(F,)"),
    ("take_pad_roll", "lambda x: jnp.sum(jnp.take(jnp.pad(jnp.roll(x, 1, 0), 1, "
     "mode='reflect'), np.array([0, 3, 5]), axis=1) ** 2)", "(F,)"),
    ("trace_diag_tril", "lambda x: jnp.trace(x) + jnp.sum(jnp.diag(x) ** 2) + "
     "jnp.sum(jnp.tril(x) ** 3)", "(M,)"),
    ("polyval", "lambda p: jnp.sum(jnp.polyval(p, np.linspace(-1, 1, 4)))", "(V,)"),
    ("i0_interp", "lambda x: jnp.sum(jnp.i0(x)) + jnp.sum(jnp.interp(x, SRT, 2 * SRT ** 2))",
     "(F,)"),
    ("gradient_fn", "lambda x: jnp.sum(jnp.gradient(x, axis=1) ** 2)", "(F,)"),
    ("ldexp_frexp", "lambda x: jnp.sum(jnp.ldexp(x, 3) + jnp.frexp(x)[0])", "(F,)"),
    ("convolve", "lambda x: jnp.sum(jnp.convolve(x, x[:3], 'same') ** 2)", "(V,)"),
    ("insert_delete", "lambda x: jnp.sum(jnp.insert(jnp.delete(x, 1, axis=1), 0, x[:, 0] * 2,"
     " axis=1) ** 2)", "(F,)"),
    ("cross_repeat", "lambda x: jnp.sum(jnp.cross(x[:, :3], jnp.repeat(x[:, 1:], "
     "np.array([2, 1, 0]), axis=1)))", "(F,)"),
]

_ORACLE = r"""
import json
import numpy as np
import jax
import jax.numpy as jnp
exec(SETUP)

def encode(x):
    if isinstance(x, (list, tuple)):
        return [encode(y) for y in x]
    if isinstance(x, (bool, int, float, str, np.bool_)) and not hasattr(x, "shape"):
        return {"py": x if not isinstance(x, np.bool_) else bool(x)}
    weak = bool(getattr(x, "weak_type", False))
    x = np.asarray(x)
    vals = x.astype(np.float64) if x.dtype.kind == "f" or str(x.dtype) == "bfloat16" else x
    if x.dtype.kind == "c":
        vals = np.stack([x.real, x.imag], -1).astype(np.float64)
    return {"dtype": str(x.dtype), "weak": weak, "shape": list(x.shape),
            "values": vals.tolist()}

def run(cases):
    out = {}
    for name, fn, args in cases:
        try:
            out[name] = {"ok": encode(eval(fn)(*eval(args)))}
        except Exception as e:
            out[name] = {"error": [type(e).__name__, str(e)]}
    return out

def errors(cases):
    out = {}
    for name, expr in cases.items():
        try:
            eval(expr)
            out[name] = None
        except Exception as e:
            out[name] = [type(e).__name__, str(e)]
    return out

def grads(cases):
    out = {}
    for name, fn, args in cases:
        out[name] = encode(jax.grad(eval(fn))(*eval(args)))
    return out

print(json.dumps({"cases": run(CASES), "errors": errors(ERRORS), "grads": grads(GRADS)}))
"""


def _namespace():
    ns = {"jax": jax, "jnp": jnp, "np": np}
    exec(SETUP, ns)
    return ns


def _oracle_code(cases, errors, grads) -> str:
    return (f"SETUP = {SETUP!r}\nCASES = {cases!r}\nERRORS = {errors!r}\n"
            f"GRADS = {grads!r}\n" + _ORACLE)


def _run_reference(oracle) -> dict:
    """The reference results, from two JAX subprocesses run side by side (the cases split
    in halves): JAX compiles each case anew, and this halves the wait."""
    from concurrent.futures import ThreadPoolExecutor
    halves = [_oracle_code(CASES[0::2], ERROR_CASES, []),
              _oracle_code(CASES[1::2], {}, GRAD_CASES)]
    with ThreadPoolExecutor(2) as pool:
        parts = list(pool.map(oracle, halves))
    return {"cases": {**parts[0]["cases"], **parts[1]["cases"]},
            "errors": parts[0]["errors"], "grads": parts[1]["grads"]}


@pytest.fixture(scope="module")
def reference(oracle, request, tmp_path_factory):
    digest = hashlib.sha256(_oracle_code(CASES, ERROR_CASES, GRAD_CASES).encode()
                            ).hexdigest()[:16]
    # Kept in pytest's cache across sessions: the inputs and the pinned JAX fix the answer.
    key = f"cellax/numpy_breadth_oracle/{digest}"
    cached = request.config.cache.get(key, None)
    if cached is not None:
        return cached
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        result = _run_reference(oracle)
        request.config.cache.set(key, result)
        return result
    # Under xdist, the workers of one session share a single oracle run.
    shared = tmp_path_factory.getbasetemp().parent
    path = shared / f"numpy_breadth_oracle_{digest}.json"
    with open(shared / f"numpy_breadth_oracle_{digest}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if path.exists():
            return json.loads(path.read_text())
        result = _run_reference(oracle)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(result))
        os.replace(tmp, path)
        request.config.cache.set(key, result)
        return result


def _encode(x):
    if isinstance(x, (list, tuple)):
        return [_encode(y) for y in x]
    if isinstance(x, (bool, int, float, str, np.bool_)) and not hasattr(x, "shape"):
        return {"py": x if not isinstance(x, np.bool_) else bool(x)}
    aval = getattr(x, "aval", None)
    weak = bool(aval.weak_type) if aval is not None else False
    x = np.asarray(x)
    vals = x.astype(np.float64) if x.dtype.kind == "f" or str(x.dtype) == "bfloat16" else x
    if x.dtype.kind == "c":
        vals = np.stack([x.real, x.imag], -1).astype(np.float64)
    return {"dtype": str(x.dtype), "weak": weak, "shape": list(x.shape),
            "values": vals.tolist()}


def _assert_same(got, want, where):
    if isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), (where, got, want)
        for k, (g, w) in enumerate(zip(got, want)):
            _assert_same(g, w, f"{where}[{k}]")
        return
    if "py" in want:
        assert got == want, (where, got, want)
        return
    assert "dtype" in got, (where, got, want)
    assert (got["dtype"], got["shape"]) == (want["dtype"], want["shape"]), (where, got, want)
    assert got["weak"] == want["weak"], (where, "weak_type", got["weak"], want["weak"])
    g = np.array(got["values"], dtype=np.float64 if want["dtype"] != "bool" else bool)
    w = np.array(want["values"], dtype=np.float64 if want["dtype"] != "bool" else bool)
    if want["dtype"] == "bool" or want["dtype"].startswith(("int", "uint")):
        np.testing.assert_array_equal(g, w, err_msg=where)
    else:
        tol = 2e-3 if want["dtype"] in ("float16", "bfloat16") else 2e-5
        np.testing.assert_allclose(g, w, rtol=tol, atol=tol * 1e-1, equal_nan=True,
                                   err_msg=where)


@pytest.mark.oracle
@pytest.mark.parametrize("name", [c[0] for c in CASES])
def test_matches_jax(reference, name):
    fn_src, args_src = next((f, a) for n, f, a in CASES if n == name)
    want = reference["cases"][name]
    assert "ok" in want, f"the reference raised for {name}: {want}"
    ns = _namespace()
    fn, args = eval(fn_src, ns), eval(args_src, ns)
    _assert_same(_encode(fn(*args)), want["ok"], f"{name} (eager)")
    if name in _EAGER_ONLY:
        return
    _assert_same(_encode(jax.jit(fn)(*args)), want["ok"], f"{name} (jit)")


# Concrete-value-dependent shapes (as in JAX, these need concrete inputs) or Python values.
_EAGER_ONLY = {"nonzero", "nonzero_2d", "trim_zeros", "extract", "compress", "bincount",
               "array_equal", "array_equal_shape", "array_equal_nan", "array_equiv",
               "array_equiv_bad", "choose", "choose_clip", "ravel_multi_index",
               "isposinf_int", "dtype_helpers", "histogram", "mask_indices", "histogram2d"}


@pytest.mark.oracle
@pytest.mark.parametrize("name", list(ERROR_CASES))
def test_errors_match(reference, name):
    want = reference["errors"][name]
    assert want is not None, f"the reference raised nothing for {name}"
    with pytest.raises(Exception) as info:
        eval(ERROR_CASES[name], _namespace())
    assert type(info.value).__name__ == want[0], (name, repr(info.value), want)


@pytest.mark.oracle
@pytest.mark.parametrize("name", [c[0] for c in GRAD_CASES])
def test_grad_matches_jax(reference, name):
    fn_src, args_src = next((f, a) for n, f, a in GRAD_CASES if n == name)
    ns = _namespace()
    got = _encode(jax.grad(eval(fn_src, ns))(*eval(args_src, ns)))
    _assert_same(got, reference["grads"][name], f"grad {name}")


def test_traced_value_dependent_shapes_raise():
    # As in JAX: value-dependent output shapes need concrete inputs or a static size.
    x = jnp.array([0.0, 1.0, 0.0, 2.0])
    with pytest.raises(jax.errors.ConcretizationTypeError):
        jax.jit(jnp.nonzero)(x)
    with pytest.raises(jax.errors.ConcretizationTypeError):
        jax.jit(lambda v: jnp.repeat(v, v.astype(int)))(x)
    out = jax.jit(lambda v: jnp.nonzero(v, size=3, fill_value=-1))(x)
    np.testing.assert_array_equal(np.asarray(out[0]), [1, 3, -1])


def test_cumsum_binds_the_cumsum_primitive():
    # as JAX's does (tests/test_windowed.py compares the jaxpr text)
    jaxpr = jax.make_jaxpr(lambda x: jnp.cumsum(x))(jnp.ones(8))
    names = {e.primitive.name for e in _all_eqns(jaxpr.jaxpr)}
    assert names == {"cumsum", "jit"}, names


def _all_eqns(jaxpr):
    for e in jaxpr.eqns:
        yield e
        for v in e.params.values():
            inner = getattr(v, "jaxpr", None)
            if inner is not None:
                yield from _all_eqns(inner if hasattr(inner, "eqns") else inner.jaxpr)


_VMAP_FNS = {
    "cumsum": lambda v: jnp.cumsum(v, axis=1),
    "take_pad": lambda v: jnp.take(jnp.pad(v, 1, mode="reflect"), np.array([0, 2]), axis=1),
    "einsum": lambda v: jnp.einsum("ij,kj->ik", v, v),
    "sum_where_initial": lambda v: jnp.sum(v, where=v > 0, initial=1.0),
    "nonzero_size": lambda v: jnp.nonzero(v > 0, size=3)[1],
    "logaddexp_gcd": lambda v: jnp.logaddexp(v, 1.0) + jnp.gcd(v.astype(int), 6),
    "interp_searchsorted": lambda v: jnp.interp(v[0], jnp.arange(5.0), v[1]),
}


@pytest.mark.parametrize("name", list(_VMAP_FNS))
def test_vmap_matches_loop(name):
    # Composed of existing primitives, these batch through those primitives' rules.
    f = _VMAP_FNS[name]
    x = jnp.asarray(np.random.RandomState(1).randn(3, 4, 5).astype(np.float32) * 3)
    got = jax.vmap(f)(x)
    want = jnp.stack([f(x[i]) for i in range(3)])
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-5, atol=1e-6)
