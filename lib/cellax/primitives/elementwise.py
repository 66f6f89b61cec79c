"""Elementwise primitives: unary math, binary arithmetic, comparisons, conversions, select.

Each primitive is defined by one `_unary`/`_binary` call (or by hand below), which
registers its abstract evaluation and lowering together. Binary operands must have
equal dtypes; their shapes must be equal, or one a scalar, or of equal rank with
size-1 dimensions that broadcast (as JAX's lax does).
"""
from __future__ import annotations

import numpy as np

from cellax import core, dtypes
from cellax.core import Primitive, ShapedArray
from cellax.dispatch import apply_primitive
from cellax.interpreters.lowering import tensor_type

# ---------------------------------------------------------------------------------------
# Shared rules

_KIND_NAMES = {"f": "floating", "c": "complex", "i": "integer", "u": "unsigned integer",
               "b": "boolean"}


def _dtype_kinds_ok(prim_name: str, dt: np.dtype, allowed: str) -> None:
    kind = dtypes.kind(dt)  # int4 is an integer and float8_* a float, not NumPy's "V"
    if kind not in allowed:
        wanted = " or ".join(_KIND_NAMES[k] for k in allowed if k in _KIND_NAMES)
        raise TypeError(f"{prim_name} does not accept dtype {dt.name}. Accepted dtypes are "
                        f"subtypes of {wanted}.")


def unary_abstract_eval(prim_name: str, allowed: str, result_dtype=None):
    def abstract_eval(x: ShapedArray, **params) -> ShapedArray:
        _dtype_kinds_ok(prim_name, x.dtype, allowed)
        dt = result_dtype(x.dtype) if result_dtype else x.dtype
        return ShapedArray(x.shape, dt, x.weak_type and result_dtype is None)
    return abstract_eval


def broadcast_shapes(prim_name: str, *shapes) -> tuple[int, ...]:
    """lax-level broadcasting: equal shapes, scalars, or equal rank with 1s."""
    nonscalar = [s for s in shapes if s]
    if not nonscalar:
        return ()
    rank = len(nonscalar[0])
    if any(len(s) != rank for s in nonscalar):
        raise TypeError(f"{prim_name} got incompatible shapes for broadcasting: "
                        f"{', '.join(str(tuple(s)) for s in shapes)}.")
    out = []
    for dims in zip(*nonscalar):
        sizes = {d for d in dims if d != 1}
        if len(sizes) > 1:
            raise TypeError(f"{prim_name} got incompatible shapes for broadcasting: "
                            f"{', '.join(str(tuple(s)) for s in shapes)}.")
        out.append(sizes.pop() if sizes else 1)
    return tuple(out)


def nary_abstract_eval(prim_name: str, allowed: str, result_dtype=None):
    def abstract_eval(*avals: ShapedArray, **params) -> ShapedArray:
        dt = avals[0].dtype
        for a in avals:
            _dtype_kinds_ok(prim_name, a.dtype, allowed)
        if any(a.dtype != dt for a in avals[1:]):
            raise TypeError(f"{prim_name} requires arguments to have the same dtypes, got "
                            f"{', '.join(a.dtype.name for a in avals)}.")
        shape = broadcast_shapes(prim_name, *(a.shape for a in avals))
        # All-weak operands give a weak result, also for comparisons and `complex` (JAX).
        weak = all(a.weak_type for a in avals)
        if result_dtype is not None:
            return ShapedArray(shape, result_dtype(dt), weak)
        return ShapedArray(shape, dt, weak)
    return abstract_eval


def lower_nary(op_name: str, attrs=None):
    def rule(ctx, *xs, **params):
        out = ctx.avals_out[0]
        xs = [ctx.broadcast(x, a, out.shape,
                            dims=range(a.ndim) if a.ndim == len(out.shape) else ())
              for x, a in zip(xs, ctx.avals_in)]
        in_avals = [ShapedArray(out.shape, a.dtype) for a in ctx.avals_in]
        a = attrs(ctx, **params) if callable(attrs) else attrs
        return ctx.simple(op_name, xs, a, avals_in=in_avals)
    return rule


def _standard(prim: Primitive, abstract_eval, lowering) -> Primitive:
    prim.def_impl(lambda *args, **params: apply_primitive(prim, *args, **params))
    prim.def_abstract_eval(abstract_eval)
    core.lowering_rules[prim] = lowering
    return prim


FLOAT, COMPLEX, INT = "f", "c", "iu"
INEXACT, NUMBER, INT_OR_BOOL, ANY = "fc", "fciu", "iub", "fciub"


def _unary(name: str, op: str, allowed: str = INEXACT, result_dtype=None) -> Primitive:
    return _standard(Primitive(name), unary_abstract_eval(name, allowed, result_dtype),
                     lower_nary(op))


def _binary(name: str, op: str, allowed: str = NUMBER, result_dtype=None, attrs=None):
    return _standard(Primitive(name), nary_abstract_eval(name, allowed, result_dtype),
                     lower_nary(op, attrs))


# ---------------------------------------------------------------------------------------
# Unary math

neg_p = _unary("neg", "stablehlo.negate", NUMBER)
sign_p = _unary("sign", "stablehlo.sign", NUMBER)


def _sign_lower(ctx, x):
    """stablehlo.sign has no unsigned form: there sign(x) is x != 0, converted."""
    aval = ctx.avals_in[0]
    if not dtypes.is_unsigned_integer(aval.dtype):
        return ctx.simple("stablehlo.sign", [x])
    zero = ctx.broadcast(ctx.constant(np.zeros((), aval.dtype)), ShapedArray((), aval.dtype),
                         aval.shape)
    nz = ctx.op("stablehlo.compare", [x, zero], [tensor_type(aval)] * 2,
                [tensor_type(aval.shape, dtypes.bool_)],
                {"comparison_direction": "#stablehlo<comparison_direction NE>",
                 "compare_type": "#stablehlo<comparison_type UNSIGNED>"})[0]
    return ctx.convert(nz, ShapedArray(aval.shape, dtypes.bool_), aval.dtype)


core.lowering_rules[sign_p] = _sign_lower
floor_p = _unary("floor", "stablehlo.floor", FLOAT)
ceil_p = _unary("ceil", "stablehlo.ceil", FLOAT)
is_finite_p = _unary("is_finite", "stablehlo.is_finite", FLOAT, lambda dt: dtypes.bool_)
exp_p = _unary("exp", "stablehlo.exponential")
exp2_p = Primitive("exp2")
log_p = _unary("log", "stablehlo.log")
log1p_p = _unary("log1p", "stablehlo.log_plus_one")
expm1_p = _unary("expm1", "stablehlo.exponential_minus_one")
tanh_p = _unary("tanh", "stablehlo.tanh")
logistic_p = _unary("logistic", "stablehlo.logistic")
sin_p = _unary("sin", "stablehlo.sine")
cos_p = _unary("cos", "stablehlo.cosine")


def _sin_cos_complex(x, cos: bool):
    """sin/cos of a complex x = a + ib from real functions, with sinh/cosh of b from expm1
    (accurate for small b) and an exact zero part when a == 0 (no inf * 0 = NaN):
    sin(x) = sin a cosh b + i cos a sinh b,  cos(x) = cos a cosh b - i sin a sinh b."""
    from cellax import lax
    a, b = lax.real(x), lax.imag(x)
    zero = lax.full_like(a, 0)
    sn, cs = lax.sin(a), lax.cos(a)
    e1, e2 = lax.expm1(b), lax.expm1(lax.neg(b))
    two = lax.full_like(a, 2)
    snh = lax.div(lax.sub(e1, e2), two)
    csh = lax.div(lax.add(lax.add(e1, e2), two), two)
    a_zero = lax.eq(a, zero)
    if cos:
        re, im = lax.mul(cs, csh), lax.mul(lax.neg(sn), snh)
        return lax.select(a_zero, lax.complex(re, zero), lax.complex(re, im))
    re, im = lax.mul(sn, csh), lax.mul(cs, snh)
    return lax.select(a_zero, lax.complex(zero, im), lax.complex(re, im))


def _sin_cos_lowering(op: str, cos: bool):
    def rule(ctx, x, **params):
        if ctx.avals_in[0].dtype.kind != "c":
            return ctx.simple(op, [x])
        from cellax.interpreters.lowering import lower_fun
        return lower_fun(ctx, lambda v: _sin_cos_complex(v, cos), [x])[0]
    return rule


core.lowering_rules[sin_p] = _sin_cos_lowering("stablehlo.sine", cos=False)
core.lowering_rules[cos_p] = _sin_cos_lowering("stablehlo.cosine", cos=True)
tan_p = _unary("tan", "stablehlo.tan")
asin_p = _unary("asin", "chlo.asin")
acos_p = _unary("acos", "chlo.acos")
atan_p = _unary("atan", "chlo.atan")
sinh_p = _unary("sinh", "chlo.sinh")
cosh_p = _unary("cosh", "chlo.cosh")
asinh_p = _unary("asinh", "chlo.asinh")
acosh_p = _unary("acosh", "chlo.acosh")
atanh_p = _unary("atanh", "chlo.atanh")
sqrt_p = _unary("sqrt", "stablehlo.sqrt")
rsqrt_p = _unary("rsqrt", "stablehlo.rsqrt")
cbrt_p = _unary("cbrt", "stablehlo.cbrt", FLOAT)
erf_p = _unary("erf", "chlo.erf", FLOAT)
erfc_p = _unary("erfc", "chlo.erfc", FLOAT)
erf_inv_p = _unary("erf_inv", "chlo.erf_inv", FLOAT)
lgamma_p = _unary("lgamma", "chlo.lgamma", FLOAT)
digamma_p = _unary("digamma", "chlo.digamma", FLOAT)
not_p = _unary("not", "stablehlo.not", INT_OR_BOOL)
population_count_p = _unary("population_count", "stablehlo.popcnt", INT)
clz_p = _unary("clz", "stablehlo.count_leading_zeros", INT)
imag_p = _unary("imag", "stablehlo.imag", COMPLEX, lambda dt: np.dtype(dt.char.lower()))
real_p = _unary("real", "stablehlo.real", COMPLEX, lambda dt: np.dtype(dt.char.lower()))
conj_p = Primitive("conj")
square_p = _unary("square", "stablehlo.multiply", NUMBER)


def _abs_dtype(dt):
    return np.dtype(dt.char.lower()) if dt.kind == "c" else dt


abs_p = _standard(Primitive("abs"), unary_abstract_eval("abs", NUMBER, None),
                  lower_nary("stablehlo.abs"))


def _abs_abstract_eval(x):
    _dtype_kinds_ok("abs", x.dtype, NUMBER)
    if x.dtype in (dtypes.int2, dtypes.int4, dtypes.uint2, dtypes.uint4):
        # As JAX: XLA CPU has no abs for them.
        raise TypeError(f"abs does not accept dtype {x.dtype.name}. Support for narrow-width "
                        "integers is platform-dependent and limited to a few specific "
                        "operations, e.g. basic arithmetic and type casting.")
    return ShapedArray(x.shape, _abs_dtype(x.dtype), x.weak_type and x.dtype.kind != "c")


abs_p.def_abstract_eval(_abs_abstract_eval)


def _square_lower(ctx, x):
    return ctx.simple("stablehlo.multiply", [x, x], avals_in=[ctx.avals_in[0]] * 2)


core.lowering_rules[square_p] = _square_lower


def _exp2_lower(ctx, x):
    aval = ctx.avals_in[0]
    ln2 = ctx.constant(np.log(np.asarray(2, aval.dtype)))
    ln2 = ctx.broadcast(ln2, ShapedArray((), aval.dtype), aval.shape)
    y = ctx.simple("stablehlo.multiply", [x, ln2], avals_in=[aval, aval])
    return ctx.simple("stablehlo.exponential", [y])


_standard(exp2_p, unary_abstract_eval("exp2", INEXACT), _exp2_lower)


def _conj_lower(ctx, x, *, input_dtype=None):
    aval = ctx.avals_in[0]
    out = ctx.avals_out[0]
    if aval.dtype.kind != "c":
        return ctx.convert(x, aval, out.dtype)
    real_aval = ShapedArray(aval.shape, np.dtype(aval.dtype.char.lower()))
    re = ctx.simple("stablehlo.real", [x], avals_out=[real_aval])
    im = ctx.simple("stablehlo.imag", [x], avals_out=[real_aval])
    nim = ctx.simple("stablehlo.negate", [im], avals_in=[real_aval], avals_out=[real_aval])
    return ctx.simple("stablehlo.complex", [re, nim], avals_in=[real_aval, real_aval])


def _conj_abstract_eval(x, *, input_dtype=None):
    _dtype_kinds_ok("conj", x.dtype, NUMBER)
    dt = x.dtype if x.dtype.kind == "c" else dtypes.default_complex_dtype()
    return ShapedArray(x.shape, dt, False)


_standard(conj_p, _conj_abstract_eval, _conj_lower)


def _round_attrs(ctx, rounding_method=0):
    return None


round_p = Primitive("round")


def _round_lower(ctx, x, *, rounding_method):
    op = "stablehlo.round_nearest_even" if int(rounding_method) == 1 else \
        "stablehlo.round_nearest_afz"
    return ctx.simple(op, [x])


_standard(round_p, unary_abstract_eval("round", FLOAT), _round_lower)

# integer_pow: x ** y for a static Python int y, by repeated squaring.
integer_pow_p = Primitive("integer_pow")


def _integer_pow_lower(ctx, x, *, y):
    aval = ctx.avals_in[0]
    avals2 = [aval, aval]
    if y == 0:
        one = ctx.constant(np.ones((), aval.dtype))
        return ctx.broadcast(one, ShapedArray((), aval.dtype), aval.shape)
    is_recip = y < 0
    n = -y if is_recip else y
    acc = None
    base = x
    while n > 0:
        if n & 1:
            acc = base if acc is None else ctx.simple("stablehlo.multiply", [acc, base],
                                                      avals_in=avals2)
        n >>= 1
        if n:
            base = ctx.simple("stablehlo.multiply", [base, base], avals_in=avals2)
    if is_recip:
        one = ctx.broadcast(ctx.constant(np.ones((), aval.dtype)), ShapedArray((), aval.dtype),
                            aval.shape)
        acc = ctx.simple("stablehlo.divide", [one, acc], avals_in=avals2)
    return acc


def _integer_pow_abstract_eval(x, *, y):
    _dtype_kinds_ok("integer_pow", x.dtype, NUMBER)
    if y < 0 and dtypes.is_integer(x.dtype):
        raise TypeError(f"Integers cannot be raised to negative powers, got x ** {y} with "
                        f"x of dtype {x.dtype.name}.")
    return ShapedArray(x.shape, x.dtype, x.weak_type)


_standard(integer_pow_p, _integer_pow_abstract_eval, _integer_pow_lower)

# ---------------------------------------------------------------------------------------
# Binary arithmetic

add_p = _binary("add", "stablehlo.add")
sub_p = _binary("sub", "stablehlo.subtract")
mul_p = _binary("mul", "stablehlo.multiply")
div_p = _binary("div", "stablehlo.divide")
rem_p = _binary("rem", "stablehlo.remainder")
pow_p = _binary("pow", "stablehlo.power", INEXACT)
max_p = _binary("max", "stablehlo.maximum", ANY)
min_p = _binary("min", "stablehlo.minimum", ANY)


def _minmax_complex_lowering(op: str, pick_greater: bool):
    """Complex max/min order lexicographically, (real, imag), as JAX does."""
    plain = lower_nary(op)

    def rule(ctx, x, y):
        if ctx.avals_in[0].dtype.kind != "c":
            return plain(ctx, x, y)
        from cellax import lax
        from cellax.interpreters.lowering import lower_fun
        shape = ctx.avals_out[0].shape

        def full(v):
            if v.shape == shape:
                return v
            return lax.broadcast_in_dim(v, shape, range(v.ndim) if v.ndim else ())

        def pick(a, b):
            a, b = full(a), full(b)
            cmp = lax.gt if pick_greater else lax.lt
            ra, rb = lax.real(a), lax.real(b)
            pick_a = lax.select(lax.eq(ra, rb), cmp(lax.imag(a), lax.imag(b)), cmp(ra, rb))
            return lax.select(pick_a, a, b)
        return lower_fun(ctx, pick, [x, y])[0]
    return rule


core.lowering_rules[max_p] = _minmax_complex_lowering("stablehlo.maximum", True)
core.lowering_rules[min_p] = _minmax_complex_lowering("stablehlo.minimum", False)
atan2_p = _binary("atan2", "stablehlo.atan2", FLOAT)
nextafter_p = _binary("nextafter", "chlo.next_after", FLOAT)
and_p = _binary("and", "stablehlo.and", INT_OR_BOOL)
or_p = _binary("or", "stablehlo.or", INT_OR_BOOL)
xor_p = _binary("xor", "stablehlo.xor", INT_OR_BOOL)
shift_left_p = _binary("shift_left", "stablehlo.shift_left", INT)
shift_right_arithmetic_p = _binary("shift_right_arithmetic",
                                   "stablehlo.shift_right_arithmetic", INT)
shift_right_logical_p = _binary("shift_right_logical", "stablehlo.shift_right_logical", INT)
complex_p = _binary("complex", "stablehlo.complex", FLOAT,
                    lambda dt: dtypes.complex128 if dt == dtypes.float64 else dtypes.complex64)


def _compare_type(dt: np.dtype) -> str:
    if dtypes.is_inexact(dt):
        return "FLOAT"
    if dtypes.is_signed_integer(dt):
        return "SIGNED"
    return "UNSIGNED"


def _compare(name: str, direction: str) -> Primitive:
    def attrs(ctx):
        dt = ctx.avals_in[0].dtype
        return {"comparison_direction": f"#stablehlo<comparison_direction {direction}>",
                "compare_type": f"#stablehlo<comparison_type {_compare_type(dt)}>"}
    return _binary(name, "stablehlo.compare", ANY, lambda dt: dtypes.bool_, attrs)


eq_p = _compare("eq", "EQ")
ne_p = _compare("ne", "NE")
lt_p = _compare("lt", "LT")
le_p = _compare("le", "LE")
gt_p = _compare("gt", "GT")
ge_p = _compare("ge", "GE")

# ---------------------------------------------------------------------------------------
# Conversions

convert_element_type_p = Primitive("convert_element_type")
convert_element_type_p.hidden_params = ("sharding",)


def _convert_abstract_eval(x, *, new_dtype, weak_type, sharding=None):
    return ShapedArray(x.shape, new_dtype, weak_type)


def _convert_lower(ctx, x, *, new_dtype, weak_type, sharding=None):
    aval = ctx.avals_in[0]
    src = aval.dtype
    if src == new_dtype:
        return x
    if src.kind == "c" and new_dtype.kind != "c":
        real_aval = ShapedArray(aval.shape, np.dtype(src.char.lower()))
        x = ctx.simple("stablehlo.real", [x], avals_out=[real_aval])
        aval, src = real_aval, real_aval.dtype
    if new_dtype == dtypes.bool_ and src != dtypes.bool_:
        zero = ctx.broadcast(ctx.constant(np.zeros((), src)), ShapedArray((), src), aval.shape)
        return ctx.op("stablehlo.compare", [x, zero], [tensor_type(aval)] * 2,
                      [tensor_type(aval.shape, dtypes.bool_)],
                      {"comparison_direction": "#stablehlo<comparison_direction NE>",
                       "compare_type": f"#stablehlo<comparison_type {_compare_type(src)}>"})[0]
    return ctx.convert(x, aval, new_dtype)


_standard(convert_element_type_p, _convert_abstract_eval, _convert_lower)

bitcast_convert_type_p = Primitive("bitcast_convert_type")


def _bitcast_abstract_eval(x, *, new_dtype):
    old, new = x.dtype.itemsize, np.dtype(new_dtype).itemsize
    if old == new:
        shape = x.shape
    elif old > new:
        shape = (*x.shape, old // new)
    else:
        if not x.shape or x.shape[-1] != new // old:
            raise TypeError(f"bitcast_convert_type from {x.dtype.name} to {new_dtype} needs a "
                            f"trailing dimension of size {new // old}, got shape {x.shape}.")
        shape = x.shape[:-1]
    return ShapedArray(shape, np.dtype(new_dtype), False)


_standard(bitcast_convert_type_p, _bitcast_abstract_eval,
          lambda ctx, x, *, new_dtype: ctx.simple("stablehlo.bitcast_convert", [x]))

# ---------------------------------------------------------------------------------------
# Selection

select_n_p = Primitive("select_n")


def _select_n_abstract_eval(which, *cases):
    if not cases:
        raise TypeError("select_n must have at least one case")
    if any(c.shape != cases[0].shape or c.dtype != cases[0].dtype for c in cases):
        raise TypeError("select_n cases must have the same shapes and dtypes, got "
                        f"{', '.join(c.str_short() for c in cases)}.")
    if which.shape and which.shape != cases[0].shape:
        raise TypeError(f"select_n `which` must be scalar or have the same shape as cases, got "
                        f"`which` shape {which.shape} but case shape {cases[0].shape}.")
    if which.dtype != dtypes.bool_ and which.dtype.kind not in "iu":
        raise TypeError(f"select_n `which` must be boolean or integer type, got {which.dtype}.")
    if which.dtype == dtypes.bool_ and len(cases) > 2:
        raise TypeError("select_n with a boolean `which` cannot have more than 2 cases.")
    return ShapedArray(cases[0].shape, cases[0].dtype, all(c.weak_type for c in cases))


def _select_n_lower(ctx, which, *cases):
    waval = ctx.avals_in[0]
    out = ctx.avals_out[0]
    pred_aval = ShapedArray(out.shape, dtypes.bool_)
    which = ctx.broadcast(which, waval, out.shape, dims=())
    waval = ShapedArray(out.shape, waval.dtype)
    if len(cases) == 1:
        return cases[0]
    if waval.dtype == dtypes.bool_:
        return ctx.op("stablehlo.select", [which, cases[1], cases[0]],
                      [tensor_type(pred_aval), tensor_type(out), tensor_type(out)],
                      [tensor_type(out)])[0]

    # Integer `which`: a binary tree of selects on `which < mid`.
    def build(lo, hi):
        if hi - lo == 1:
            return cases[lo]
        mid = (lo + hi) // 2
        midc = ctx.broadcast(ctx.constant(np.asarray(mid, waval.dtype)),
                             ShapedArray((), waval.dtype), out.shape)
        pred = ctx.op("stablehlo.compare", [which, midc], [tensor_type(waval)] * 2,
                      [tensor_type(pred_aval)],
                      {"comparison_direction": "#stablehlo<comparison_direction LT>",
                       "compare_type": f"#stablehlo<comparison_type "
                                       f"{_compare_type(waval.dtype)}>"})[0]
        return ctx.op("stablehlo.select", [pred, build(lo, mid), build(mid, hi)],
                      [tensor_type(pred_aval), tensor_type(out), tensor_type(out)],
                      [tensor_type(out)])[0]
    return build(0, len(cases))


_standard(select_n_p, _select_n_abstract_eval, _select_n_lower)

clamp_p = Primitive("clamp")


def _clamp_abstract_eval(lo, x, hi):
    for name, a in (("min", lo), ("max", hi)):
        if a.shape and a.shape != x.shape:
            raise TypeError(f"clamp requires {name} to be a scalar or have the same shape as "
                            f"the operand, got {a.shape} and {x.shape}.")
        if a.dtype != x.dtype:
            raise TypeError(f"clamp requires {name}.dtype == operand.dtype, got "
                            f"{a.dtype.name} and {x.dtype.name}.")
    return ShapedArray(x.shape, x.dtype, x.weak_type)


def _clamp_lower(ctx, lo, x, hi):
    return ctx.simple("stablehlo.clamp", [lo, x, hi])


_standard(clamp_p, _clamp_abstract_eval, _clamp_lower)


# ---------------------------------------------------------------------------------------
# Autodiff rules. The families above are defined by table, so their jvp/transpose rules
# are registered here, grouped the same way. Rules bind primitives directly: tangents
# have their primal's shape and dtype, constants are scalars of the primal's dtype.

from cellax.interpreters.jvp import (Zero, add_tangents, def_nondifferentiable,  # noqa: E402
                                     defjvp, defjvp2, deflinear, instantiate)
from cellax.interpreters.transpose import is_undefined_primal  # noqa: E402

add_any_p = _binary("add_any", "stablehlo.add", NUMBER)


def _c(x, value):
    """A scalar constant of x's dtype."""
    return np.asarray(value, core.get_aval(x).dtype)[()]


def _mul(a, b):
    return mul_p.bind(a, b)


def _div(a, b):
    return div_p.bind(a, b)


def _add(a, b):
    return add_p.bind(a, b)


def _sub(a, b):
    return sub_p.bind(a, b)


def _neg(a):
    return neg_p.bind(a)


def _sq(a):
    return mul_p.bind(a, a)


def _bcast_to(t, shape):
    """Broadcast a lax-broadcastable operand (scalar or size-1 dims) to `shape`."""
    aval = core.get_aval(t)
    if aval.shape == tuple(shape):
        return t
    from cellax.primitives.shape import broadcast_in_dim_p
    dims = tuple(range(len(shape))) if aval.ndim == len(shape) else ()
    return broadcast_in_dim_p.bind(t, shape=tuple(shape), broadcast_dimensions=dims,
                                   sharding=None)


def unbroadcast(ct, aval):
    """Sum a cotangent of the broadcast output shape back to an operand's `aval`."""
    if type(ct) is Zero:
        return Zero(aval)
    ct_aval = core.get_aval(ct)
    if ct_aval.shape == aval.shape:
        return ct
    from cellax.primitives.reductions import reduce_sum_p
    from cellax.primitives.shape import reshape_p
    if aval.ndim == 0:
        return reduce_sum_p.bind(ct, axes=tuple(range(ct_aval.ndim)), out_sharding=None)
    axes = tuple(i for i, (a, b) in enumerate(zip(aval.shape, ct_aval.shape)) if a != b)
    summed = reduce_sum_p.bind(ct, axes=axes, out_sharding=None)
    return reshape_p.bind(summed, new_sizes=aval.shape, dimensions=None, sharding=None)


# -- unary math -------------------------------------------------------------------------

deflinear(neg_p, lambda ct, x: [_neg(ct)])
for _p in (sign_p, floor_p, ceil_p, round_p, is_finite_p, not_p, population_count_p, clz_p,
           nextafter_p, and_p, or_p, xor_p, shift_left_p, shift_right_arithmetic_p,
           shift_right_logical_p, eq_p, ne_p, lt_p, le_p, gt_p, ge_p,
           bitcast_convert_type_p):
    def_nondifferentiable(_p)

defjvp2(exp_p, lambda t, ans, x: _mul(t, ans))
defjvp2(exp2_p, lambda t, ans, x: _mul(t, _mul(ans, _c(x, np.log(2)))))
defjvp(log_p, lambda t, x: _div(t, x))
defjvp(log1p_p, lambda t, x: _div(t, _add(x, _c(x, 1))))
defjvp2(expm1_p, lambda t, ans, x: _mul(t, _add(ans, _c(x, 1))))
defjvp2(tanh_p, lambda t, ans, x: _mul(_add(t, _mul(t, ans)), _sub(_c(x, 1), ans)))
defjvp2(logistic_p, lambda t, ans, x: _mul(t, _mul(ans, _sub(_c(x, 1), ans))))
defjvp(sin_p, lambda t, x: _mul(t, cos_p.bind(x)))
defjvp(cos_p, lambda t, x: _neg(_mul(t, sin_p.bind(x))))
defjvp2(tan_p, lambda t, ans, x: _mul(t, _add(_c(x, 1), _sq(ans))))
defjvp(asin_p, lambda t, x: _mul(t, rsqrt_p.bind(_sub(_c(x, 1), _sq(x)))))
defjvp(acos_p, lambda t, x: _neg(_mul(t, rsqrt_p.bind(_sub(_c(x, 1), _sq(x))))))
defjvp(atan_p, lambda t, x: _div(t, _add(_c(x, 1), _sq(x))))
defjvp(sinh_p, lambda t, x: _mul(t, cosh_p.bind(x)))
defjvp(cosh_p, lambda t, x: _mul(t, sinh_p.bind(x)))
defjvp(asinh_p, lambda t, x: _mul(t, rsqrt_p.bind(_add(_sq(x), _c(x, 1)))))
defjvp(acosh_p, lambda t, x: _mul(t, rsqrt_p.bind(_mul(_sub(x, _c(x, 1)),
                                                         _add(x, _c(x, 1))))))
defjvp(atanh_p, lambda t, x: _div(t, _sub(_c(x, 1), _sq(x))))
defjvp2(sqrt_p, lambda t, ans, x: _mul(t, _div(_c(x, 0.5), ans)))
defjvp2(rsqrt_p, lambda t, ans, x: _mul(t, _mul(_div(ans, x), _c(x, -0.5))))
defjvp2(cbrt_p, lambda t, ans, x: _div(t, _mul(_sq(ans), _c(x, 3))))
defjvp(erf_p, lambda t, x: _mul(t, _mul(_c(x, 2 / np.sqrt(np.pi)),
                                        exp_p.bind(_neg(_sq(x))))))
defjvp(erfc_p, lambda t, x: _mul(t, _mul(_c(x, -2 / np.sqrt(np.pi)),
                                         exp_p.bind(_neg(_sq(x))))))
defjvp2(erf_inv_p, lambda t, ans, x: _mul(t, _mul(_c(x, np.sqrt(np.pi) / 2),
                                                  exp_p.bind(_sq(ans)))))
defjvp(lgamma_p, lambda t, x: _mul(t, digamma_p.bind(x)))
defjvp(square_p, lambda t, x: _mul(t, _mul(x, _c(x, 2))))


def _abs_jvp(t, ans, x):
    aval = core.get_aval(x)
    if aval.dtype.kind == "c":
        # d|z| = Re(conj(z) dz) / |z|, with |z| = 0 replaced by 1 (as JAX does).
        mag = convert_element_type_p.bind(ans, new_dtype=aval.dtype, weak_type=aval.weak_type,
                                          sharding=None)
        zero, one = _bcast_to(_c(x, 0), aval.shape), _bcast_to(_c(x, 1), aval.shape)
        safe = select_n_p.bind(eq_p.bind(mag, zero), mag, one)
        return real_p.bind(_mul(t, _div(conj_p.bind(x, input_dtype=aval.dtype), safe)))
    # +1 at 0, as JAX's select(x >= 0, t, -t)
    return select_n_p.bind(ge_p.bind(x, _bcast_to(_c(x, 0), aval.shape)), _neg(t), t)


defjvp2(abs_p, _abs_jvp)


def _integer_pow_jvp(t, x, *, y):
    if y == 0:
        return Zero(core.get_aval(t))
    if y == 1:
        return t
    return _mul(t, _mul(_c(x, y), integer_pow_p.bind(x, y=y - 1) if y != 2 else x))


defjvp(integer_pow_p, _integer_pow_jvp)

polygamma_p = _binary("polygamma", "chlo.polygamma", FLOAT)
def _polygamma_jvp_m(t, n, x):
    raise ValueError("polygamma gradient with respect to m is not supported")


defjvp(polygamma_p, _polygamma_jvp_m,
       lambda t, n, x: _mul(t, polygamma_p.bind(_add(n, _c(n, 1)), x)))
defjvp(digamma_p, lambda t, x: _mul(t, polygamma_p.bind(_c(x, 1), x)))

deflinear(real_p, lambda ct, x: [complex_p.bind(ct, _c(ct, 0))])
deflinear(imag_p, lambda ct, x: [complex_p.bind(_c(ct, 0), _neg(ct))])
deflinear(conj_p, lambda ct, x, *, input_dtype=None: [
    conj_p.bind(ct, input_dtype=core.get_aval(ct).dtype)
    if core.get_aval(ct).dtype.kind == "c" else ct])
deflinear(complex_p, lambda ct, x, y: [real_p.bind(ct), _neg(imag_p.bind(ct))])

# -- binary arithmetic ------------------------------------------------------------------


def _out_shape(*xs):
    return broadcast_shapes("jvp", *(core.get_aval(x).shape for x in xs))


def _add_jvp(primals, tangents):
    x, y = primals
    out = add_p.bind(x, y)
    shape = core.get_aval(out).shape
    tx, ty = tangents
    tx = tx if type(tx) is Zero else _bcast_to(tx, shape)
    ty = ty if type(ty) is Zero else _bcast_to(ty, shape)
    t = add_tangents(tx, ty)
    if type(t) is Zero:
        t = Zero(ShapedArray(shape, t.aval.dtype))
    return out, t


def _sub_jvp(primals, tangents):
    x, y = primals
    out = sub_p.bind(x, y)
    shape = core.get_aval(out).shape
    tx, ty = tangents
    tx = tx if type(tx) is Zero else _bcast_to(tx, shape)
    ty = ty if type(ty) is Zero else _neg(_bcast_to(ty, shape))
    t = add_tangents(tx, ty)
    if type(t) is Zero:
        t = Zero(ShapedArray(shape, t.aval.dtype))
    return out, t


def _linear_binary_transpose(sign_y):
    def rule(ct, x, y):
        cx = unbroadcast(ct, x.aval) if is_undefined_primal(x) else None
        cy = None
        if is_undefined_primal(y):
            cy = unbroadcast(ct, y.aval)
            if sign_y < 0 and type(cy) is not Zero:
                cy = _neg(cy)
        return [cx, cy]
    return rule


core.jvp_rules[add_p] = _add_jvp
core.transpose_rules[add_p] = _linear_binary_transpose(1)
core.jvp_rules[sub_p] = _sub_jvp
core.transpose_rules[sub_p] = _linear_binary_transpose(-1)
deflinear(add_any_p, lambda ct, x, y: [ct, ct])


def _mul_transpose(ct, x, y):
    if type(ct) is Zero:
        return [None, None]
    if is_undefined_primal(x):
        return [unbroadcast(_mul(ct, y), x.aval), None]
    return [None, unbroadcast(_mul(x, ct), y.aval)]


defjvp(mul_p, lambda t, x, y: _mul(t, y), lambda t, x, y: _mul(x, t))
core.transpose_rules[mul_p] = _mul_transpose


def _div_transpose(ct, x, y):
    if is_undefined_primal(y):
        raise ValueError("div is only linear in its numerator; cannot transpose with respect "
                         "to the denominator")
    return [unbroadcast(_div(ct, y), x.aval) if type(ct) is not Zero else None, None]


defjvp(div_p, lambda t, x, y: _div(t, y),
       lambda t, x, y: _mul(_mul(_neg(t), x), integer_pow_p.bind(y, y=-2)))
core.transpose_rules[div_p] = _div_transpose


def _rem_jvp_y(t, x, y):
    q = div_p.bind(x, y)
    return _neg(_mul(t, _mul(sign_p.bind(q), floor_p.bind(abs_p.bind(q)))))


defjvp(rem_p, lambda t, x, y: _bcast_to(t, _out_shape(x, y)), _rem_jvp_y)


def _pow_jvp_x(t, x, y):
    # y * x ** (y - 1), with 0 ** (0 - 1) taken as 0 when y == 0.
    ym1 = _sub(y, _c(y, 1))
    return _mul(t, _mul(y, pow_p.bind(x, ym1)))


def _pow_jvp_y(t, ans, x, y):
    zero = _c(x, 0)
    safe_x = select_n_p.bind(eq_p.bind(x, _bcast_to(zero, core.get_aval(x).shape)),
                             x, _bcast_to(_c(x, 1), core.get_aval(x).shape)) \
        if core.get_aval(x).shape else select_n_p.bind(eq_p.bind(x, zero), x, _c(x, 1))
    return _mul(t, _mul(ans, log_p.bind(safe_x)))


def _pow_jvp(primals, tangents):
    x, y = primals
    ans = pow_p.bind(x, y)
    tx, ty = tangents
    out = Zero(ShapedArray(core.get_aval(ans).shape, core.get_aval(ans).dtype))
    if type(tx) is not Zero:
        out = add_tangents(out, _bcast_to(_pow_jvp_x(tx, x, y), core.get_aval(ans).shape))
    if type(ty) is not Zero:
        out = add_tangents(out, _bcast_to(_pow_jvp_y(ty, ans, x, y), core.get_aval(ans).shape))
    return ans, out


core.jvp_rules[pow_p] = _pow_jvp


def _balanced_eq(x, z, y):
    """1 where x alone attains the extremum z, 1/2 where x and y tie, else 0."""
    shape = core.get_aval(z).shape
    b = lambda v: _bcast_to(_c(z, v), shape)  # noqa: E731
    return _div(select_n_p.bind(eq_p.bind(x, z), b(0), b(1)),
                select_n_p.bind(eq_p.bind(y, z), b(1), b(2)))


def _minmax_jvp(prim):
    def rule(primals, tangents):
        x, y = primals
        ans = prim.bind(x, y)
        if not dtypes.is_inexact(core.get_aval(ans).dtype):
            return ans, Zero(core.get_aval(ans))
        tx, ty = tangents
        out = Zero(ShapedArray(core.get_aval(ans).shape, core.get_aval(ans).dtype))
        if type(tx) is not Zero:
            out = add_tangents(out, _mul(tx, _balanced_eq(x, ans, y)))
        if type(ty) is not Zero:
            out = add_tangents(out, _mul(ty, _balanced_eq(y, ans, x)))
        return ans, out
    return rule


core.jvp_rules[max_p] = _minmax_jvp(max_p)
core.jvp_rules[min_p] = _minmax_jvp(min_p)


def _atan2_jvp(primals, tangents):
    x, y = primals
    ans = atan2_p.bind(x, y)
    shape = core.get_aval(ans).shape
    denom = _add(_sq(_bcast_to(x, shape)), _sq(_bcast_to(y, shape)))
    tx, ty = tangents
    out = Zero(ShapedArray(shape, core.get_aval(ans).dtype))
    if type(tx) is not Zero:
        out = add_tangents(out, _div(_mul(_bcast_to(tx, shape), _bcast_to(y, shape)), denom))
    if type(ty) is not Zero:
        out = add_tangents(out, _neg(_div(_mul(_bcast_to(ty, shape), _bcast_to(x, shape)),
                                          denom)))
    return ans, out


core.jvp_rules[atan2_p] = _atan2_jvp

# -- conversions and selection ----------------------------------------------------------


def _convert_jvp(primals, tangents, *, new_dtype, weak_type, sharding=None):
    (x,), (t,) = primals, tangents
    out = convert_element_type_p.bind(x, new_dtype=new_dtype, weak_type=weak_type,
                                      sharding=sharding)
    out_aval = core.get_aval(out)
    if type(t) is Zero or not dtypes.is_inexact(new_dtype) or not dtypes.is_inexact(
            core.get_aval(x).dtype):
        from cellax.interpreters.jvp import tangent_aval
        return out, Zero(tangent_aval(out_aval))
    return out, convert_element_type_p.bind(t, new_dtype=new_dtype, weak_type=weak_type,
                                            sharding=sharding)


def _convert_transpose(ct, x, *, new_dtype, weak_type, sharding=None):
    if type(ct) is Zero:
        return [None]
    old = x.aval.dtype
    return [convert_element_type_p.bind(ct, new_dtype=old, weak_type=x.aval.weak_type,
                                        sharding=None)]


core.jvp_rules[convert_element_type_p] = _convert_jvp
core.transpose_rules[convert_element_type_p] = _convert_transpose


def _select_n_jvp(primals, tangents):
    which, *cases = primals
    out = select_n_p.bind(which, *cases)
    case_ts = tangents[1:]
    if all(type(t) is Zero for t in case_ts):
        return out, Zero(case_ts[0].aval)
    return out, select_n_p.bind(which, *[instantiate(t) for t in case_ts])


def _select_n_transpose(ct, which, *cases):
    if is_undefined_primal(which):
        raise ValueError("select_n is not linear in its predicate")
    if type(ct) is Zero:
        return [None] * (len(cases) + 1)
    zeros = np.zeros((), core.get_aval(ct).dtype)[()]
    zeros = _bcast_to(zeros, core.get_aval(ct).shape)
    out = [None]
    for i, c in enumerate(cases):
        if is_undefined_primal(c):
            out.append(select_n_p.bind(which, *[ct if j == i else zeros
                                                for j in range(len(cases))]))
        else:
            out.append(None)
    return out


core.jvp_rules[select_n_p] = _select_n_jvp
core.transpose_rules[select_n_p] = _select_n_transpose


def _clamp_jvp(primals, tangents):
    lo, x, hi = primals
    out = clamp_p.bind(lo, x, hi)
    shape = core.get_aval(out).shape
    tlo, tx, thi = tangents
    zero = _bcast_to(_c(x, 0), shape)
    result = Zero(ShapedArray(shape, core.get_aval(out).dtype))
    lo_b, hi_b = _bcast_to(lo, shape), _bcast_to(hi, shape)
    if type(tx) is not Zero:
        inside = and_p.bind(gt_p.bind(x, lo_b), lt_p.bind(x, hi_b))
        result = add_tangents(result, select_n_p.bind(inside, zero, tx))
    if type(tlo) is not Zero:
        result = add_tangents(result, select_n_p.bind(lt_p.bind(x, lo_b), zero,
                                                      _bcast_to(tlo, shape)))
    if type(thi) is not Zero:
        result = add_tangents(result, select_n_p.bind(gt_p.bind(x, hi_b), zero,
                                                      _bcast_to(thi, shape)))
    return out, result


core.jvp_rules[clamp_p] = _clamp_jvp


# -- stop_gradient: the identity, with a zero derivative ---------------------------------

stop_gradient_p = _standard(Primitive("stop_gradient"), unary_abstract_eval("stop_gradient", ANY),
                            lambda ctx, x: x)
def_nondifferentiable(stop_gradient_p)


# ---------------------------------------------------------------------------------------
# Batching rules (vmap). Elementwise ops keep the batch dim where it is, aligning
# operands only when their batch dims or ranks differ.

from cellax.interpreters import batching as _batching  # noqa: E402

for _p in list(core.lowering_rules):
    if _p.name in {
            "neg", "sign", "floor", "ceil", "is_finite", "exp", "exp2", "log", "log1p",
            "expm1", "tanh", "logistic", "sin", "cos", "tan", "asin", "acos", "atan", "sinh",
            "cosh", "asinh", "acosh", "atanh", "sqrt", "rsqrt", "cbrt", "erf", "erfc",
            "erf_inv", "lgamma", "digamma", "not", "population_count", "clz", "imag", "real",
            "conj", "square", "abs", "round", "integer_pow", "convert_element_type",
            "stop_gradient"}:
        core.batching_rules[_p] = _batching.vectorized_rule(_p)
    elif _p.name in {
            "add", "sub", "mul", "div", "rem", "pow", "max", "min", "atan2", "nextafter",
            "and", "or", "xor", "shift_left", "shift_right_arithmetic",
            "shift_right_logical", "complex", "eq", "ne", "lt", "le", "gt", "ge", "add_any",
            "polygamma"}:
        core.batching_rules[_p] = _batching.broadcasting_rule(_p)


def _bitcast_batch(size, vals, dims, *, new_dtype):
    (x,), (d,) = vals, dims
    return bitcast_convert_type_p.bind(x, new_dtype=new_dtype), d


core.batching_rules[bitcast_convert_type_p] = _bitcast_batch


def _full_batched(size, vals, dims):
    """All operands broadcast to the full batched shape with the batch dim first."""
    shape = None
    for v, d in zip(vals, dims):
        aval = core.get_aval(v)
        logical = aval.shape if d is None else aval.shape[:d] + aval.shape[d + 1:]
        if shape is None or len(logical) > len(shape):
            shape = logical
    out = []
    from cellax.primitives.shape import broadcast_in_dim_p
    for v, d in zip(vals, dims):
        v = _batching.bdim_at_front(v, d, size)
        aval = core.get_aval(v)
        if aval.shape[1:] != shape:
            v = broadcast_in_dim_p.bind(v, shape=(size, *shape),
                                        broadcast_dimensions=(0,) if aval.ndim == 1 else
                                        tuple(range(aval.ndim)), sharding=None)
        out.append(v)
    return out


def _select_n_batch(size, vals, dims):
    which, *cases = vals
    wd, *cds = dims
    if wd is None and all(d == cds[0] for d in cds) and cds[0] is not None:
        # An unbatched predicate over cases batched alike.
        if core.get_aval(which).shape == ():
            return select_n_p.bind(which, *cases), cds[0]
    return select_n_p.bind(*_full_batched(size, vals, dims)), 0


core.batching_rules[select_n_p] = _select_n_batch


def _clamp_batch(size, vals, dims):
    lo, x, hi = vals
    ld, xd, hd = dims
    if ld is None and hd is None and not core.get_aval(lo).shape and not core.get_aval(
            hi).shape:
        return clamp_p.bind(lo, x, hi), xd
    return clamp_p.bind(*_full_batched(size, vals, dims)), 0


core.batching_rules[clamp_p] = _clamp_batch
