"""Special-function primitives: incomplete gamma and beta functions, scaled Bessel
functions of order 0 and 1, the Hurwitz zeta function and the derivative of gamma
samples with respect to their shape.

`zeta` and `bessel_i1e` lower to their CHLO ops. The others have no HLO op: their
lowering traces an implementation written with cellax.lax (power series, continued
fractions, Chebyshev expansions) and lowers its equations in place, so eager, jit and
vmap share it. Half-precision operands are computed in float32.

The incomplete gamma functions follow the classic split (Numerical Recipes, Cephes):
the power series of P(a, x) where x < a + 1-ish, the continued fraction of Q(a, x)
elsewhere. Their derivatives with respect to `a` are carried along the same recurrences
(forward-mode differentiation of each term), which is also what implicit
reparameterisation of gamma samples needs (Figurnov et al., 2018):
dx/da = -(dP/da) / (dP/dx).
"""
from __future__ import annotations

import numpy as np

from cellax import core, dtypes
from cellax.core import Primitive, ShapedArray
from cellax.interpreters import batching as _batching
from cellax.interpreters import lowering as _lowering
from cellax.interpreters.jvp import defjvp, defjvp2, jvp_flat
from cellax.primitives.elementwise import (FLOAT, _standard, broadcast_shapes, lower_nary,
                                           nary_abstract_eval, unary_abstract_eval)

_HALF = (np.dtype(np.float16), dtypes.bfloat16)


def _lax():
    from cellax import lax
    return lax


# ---------------------------------------------------------------------------------------
# Lowering through a traced implementation


def _compute_dtype(dt) -> np.dtype:
    return np.dtype(np.float32) if np.dtype(dt) in _HALF else np.dtype(dt)


def _at_out_shape(impl):
    """`impl(*args, dtype=...)` on operands broadcast to one shape and, for half
    precision, computed in float32 (the result is cast back)."""
    def fun(*args):
        lax = _lax()
        avals = [core.get_aval(a) for a in args]
        shape = broadcast_shapes("special", *(a.shape for a in avals))
        args = [a if av.shape == shape else
                lax.broadcast_in_dim(a, shape, tuple(range(av.ndim)) if av.ndim else ())
                for a, av in zip(args, avals)]
        dt = avals[0].dtype
        cdt = _compute_dtype(dt)
        if cdt != dt:
            args = [lax.convert_element_type(a, cdt) for a in args]
        out = impl(*args, dtype=cdt)
        return lax.convert_element_type(out, dt) if cdt != dt else out
    return fun


def lower_traced(impl):
    """A lowering rule that lowers `impl`'s jaxpr in place (JAX's `mlir.lower_fun`)."""
    fun = _at_out_shape(impl)

    def rule(ctx, *args):
        avals = [ShapedArray(a.shape, a.dtype) for a in ctx.avals_in]
        return _lowering.lower_fun(ctx, fun, args, avals)[0]
    return rule


# ---------------------------------------------------------------------------------------
# Implementations (operands share one shape and one float dtype)


def _full(x, v):
    return _lax().full_like(x, v)


def _any(pred):
    return _lax().reduce_or(pred, tuple(range(core.get_aval(pred).ndim)))


def _eps(dtype):
    return float(np.finfo(dtype).eps)


_VALUE, _DERIV, _SAMPLE = "value", "deriv", "sample"


def _gamma_series(a, x, log_ax, active, dtype, mode):
    """P(a, x) = x^a e^-x / Gamma(a+1) * sum_n x^n / ((a+1)...(a+n)), or its derivative
    in `a` (mode DERIV), or dx/da of a gamma sample (mode SAMPLE)."""
    lax = _lax()
    eps = _eps(dtype)

    def cond(s):
        return _any(s[0])

    def body(s):
        act, denom, term, total, dterm, dtotal = s
        denom_n = denom + 1.
        ratio = x / denom_n
        dterm_n = dterm * ratio - term * x / (denom_n * denom_n)
        term_n = term * ratio
        total_n = total + term_n
        dtotal_n = dtotal + dterm_n
        if mode == _VALUE:
            go = term_n / total_n > eps
        else:
            go = lax.abs(dterm_n / dtotal_n) > eps
        keep = lambda new, old: lax.select(act, new, old)  # noqa: E731
        return (lax.bitwise_and(act, go), keep(denom_n, denom), keep(term_n, term),
                keep(total_n, total), keep(dterm_n, dterm), keep(dtotal_n, dtotal))

    one, zero = _full(a, 1.), _full(a, 0.)
    _, _, _, total, _, dtotal = lax.while_loop(cond, body, (active, a, one, one, zero, zero))
    ax = lax.exp(log_ax)
    if mode == _VALUE:
        return total * ax / a
    dlog_ax = lax.log(x) - lax.digamma(a + 1.)
    if mode == _DERIV:
        return ax * (total * dlog_ax + dtotal) / a
    return -(dtotal + total * dlog_ax) * x / a


def _gamma_cfrac(a, x, log_ax, active, dtype, mode):
    """Q(a, x) = x^a e^-x / Gamma(a) * K, K a continued fraction evaluated by its
    convergents p_k / q_k (rescaled when they grow), or the derivatives as above."""
    lax = _lax()
    eps = _eps(dtype)
    big = 1. / eps

    def cond(s):
        return lax.bitwise_and(s[1] < 2000., _any(s[0]))

    def body(s):
        act, k, y, z, ans, p1, q1, p2, q2, dp1, dq1, dp2, dq2, dans = s
        k = k + 1.
        y_n = y + 1.
        z_n = z + 2.
        yk = y_n * k
        pk = p1 * z_n - p2 * yk
        qk = q1 * z_n - q2 * yk
        dpk = dp1 * z_n - p1 - dp2 * yk + p2 * k
        dqk = dq1 * z_n - q1 - dq2 * yk + q2 * k
        nonzero = qk != 0.
        r = pk / qk
        rel = lax.select(nonzero, lax.abs((ans - r) / r), _full(r, 1.))
        ans_n = lax.select(nonzero, r, ans)
        dans_n = lax.select(nonzero, (dpk - ans_n * dqk) / qk, dans)
        dchange = lax.select(nonzero, lax.abs(dans_n - dans), _full(dans, 1.))
        # Shift the convergent pairs, rescaling both when they grow large.
        scale = lax.abs(pk) > big
        sc = lambda v: lax.select(scale, v * eps, v)  # noqa: E731
        p2_n, q2_n, p1_n, q1_n = sc(p1), sc(q1), sc(pk), sc(qk)
        dp2_n, dq2_n, dp1_n, dq1_n = sc(dp1), sc(dq1), sc(dpk), sc(dqk)
        go = rel > eps if mode == _VALUE else dchange > eps
        keep = lambda new, old: lax.select(act, new, old)  # noqa: E731
        return (lax.bitwise_and(act, go), k, keep(y_n, y), keep(z_n, z), keep(ans_n, ans),
                keep(p1_n, p1), keep(q1_n, q1), keep(p2_n, p2), keep(q2_n, q2),
                keep(dp1_n, dp1), keep(dq1_n, dq1), keep(dp2_n, dp2), keep(dq2_n, dq2),
                keep(dans_n, dans))

    y = 1. - a
    z = x + y + 1.
    p2, q2 = _full(x, 1.), x
    p1, q1 = x + 1., z * x
    ans = p1 / q1
    dp2, dq2, dp1, dq1 = _full(x, 0.), _full(x, 0.), _full(x, 0.), -x
    dans = (dp1 - ans * dq1) / q1
    k0 = np.zeros((), dtype)[()]
    init = (active, k0, y, z, ans, p1, q1, p2, q2, dp1, dq1, dp2, dq2, dans)
    out = lax.while_loop(cond, body, init)
    ans, dans = out[4], out[13]
    ax = lax.exp(log_ax)
    if mode == _VALUE:
        return ans * ax
    dlog_ax = lax.log(x) - lax.digamma(a)
    if mode == _DERIV:
        return ax * (ans * dlog_ax + dans)
    return -(dans + ans * dlog_ax) * x


def _or(*preds):
    lax = _lax()
    out = preds[0]
    for p in preds[1:]:
        out = lax.bitwise_or(out, p)
    return out


def _isnan(v):
    return v != v


def _log_ax(a, x, dtype):
    lax = _lax()
    log_ax = a * lax.log(x) - x - lax.lgamma(a)
    return log_ax, log_ax < -float(np.log(np.finfo(dtype).max))


def igamma_impl(a, x, *, dtype):
    lax = _lax()
    nan = _or(_isnan(a), _isnan(x))
    x_inf = x == float("inf")
    x_zero = x == 0.
    bad = _or(x < 0., a < 0., lax.bitwise_and(a == 0., x_zero), nan)
    by_cfrac = lax.bitwise_and(x >= 1., x > a)
    log_ax, underflow = _log_ax(a, x, dtype)
    ok = lax.bitwise_not(_or(x_zero, bad, underflow, x_inf))
    out = lax.select(
        by_cfrac,
        1. - _gamma_cfrac(a, x, log_ax, lax.bitwise_and(ok, by_cfrac), dtype, _VALUE),
        _gamma_series(a, x, log_ax, lax.bitwise_and(ok, lax.bitwise_not(by_cfrac)), dtype,
                      _VALUE))
    out = lax.select(x_zero, _full(a, 0.), out)
    out = lax.select(x_inf, _full(a, 1.), out)
    return lax.select(bad, _full(a, np.nan), out)


def igammac_impl(a, x, *, dtype):
    lax = _lax()
    nan = _or(_isnan(a), _isnan(x))
    a_zero = a == 0.
    x_inf = x == float("inf")
    bad = _or(x < 0., a < 0., lax.bitwise_and(a_zero, x == 0.), nan)
    by_series = _or(x < 1., x < a)
    log_ax, underflow = _log_ax(a, x, dtype)
    ok = lax.bitwise_not(_or(bad, underflow, x_inf, a_zero))
    out = lax.select(
        by_series,
        1. - _gamma_series(a, x, log_ax, lax.bitwise_and(ok, by_series), dtype, _VALUE),
        _gamma_cfrac(a, x, log_ax, lax.bitwise_and(ok, lax.bitwise_not(by_series)), dtype,
                     _VALUE))
    out = lax.select(_or(x_inf, a_zero), _full(out, 0.), out)
    return lax.select(bad, _full(a, np.nan), out)


def _igamma_a_derivative(a, x, dtype, mode):
    lax = _lax()
    nan = _or(_isnan(a), _isnan(x))
    x_zero = x == 0.
    bad = _or(x < 0., a <= 0.)
    by_cfrac = lax.bitwise_and(x > 1., x > a)
    log_ax, underflow = _log_ax(a, x, dtype)
    ok = lax.bitwise_not(_or(x_zero, bad, underflow, nan))
    out = lax.select(
        by_cfrac,
        -_gamma_cfrac(a, x, log_ax, lax.bitwise_and(ok, by_cfrac), dtype, mode),
        _gamma_series(a, x, log_ax, lax.bitwise_and(ok, lax.bitwise_not(by_cfrac)), dtype,
                      mode))
    out = lax.select(x_zero, _full(out, 0.), out)
    return lax.select(_or(bad, nan), _full(a, np.nan), out)


def igamma_grad_a_impl(a, x, *, dtype):
    return _igamma_a_derivative(a, x, dtype, _DERIV)


def random_gamma_grad_impl(a, x, *, dtype):
    return _igamma_a_derivative(a, x, dtype, _SAMPLE)


def _betainc_cfrac(a, b, x, dtype):
    """The continued fraction of I_x(a, b) (DLMF 8.17.22) by the modified Lentz method:
    1 / (1 + d1 / (1 + d2 / (1 + ...))) with d_{2m+1} = -(a+m)(a+b+m)x / ((a+2m)(a+2m+1))
    and d_{2m} = m(b-m)x / ((a+2m-1)(a+2m))."""
    lax = _lax()
    tiny = float(np.finfo(dtype).eps / 2)
    max_iter = 200 if np.dtype(dtype) == np.float32 else 600

    def numerator(n):
        # n >= 1 is the term index; the first numerator is 1.
        m = lax.convert_element_type((n - 1) // 2, dtype)
        m_zero = m == 0.
        odd_term = -(a + m) * (a + b + m) * x / ((a + 2. * m) * (a + 2. * m + 1.))
        # For m == 0 the formula above is rewritten to avoid a * (...) / a losing a.
        odd_term = lax.select(lax.broadcast_in_dim(m_zero, core.get_aval(a).shape, ()),
                              -(a + b) * x / (a + 1.), odd_term)
        even_term = m * (b - m) * x / ((a + 2. * m - 1.) * (a + 2. * m))
        is_even_n = n % 2 == 0
        val = lax.select(lax.broadcast_in_dim(is_even_n, core.get_aval(a).shape, ()),
                         odd_term, even_term)
        return lax.select(lax.broadcast_in_dim(n == 1, core.get_aval(a).shape, ()),
                          _full(x, 1.), val)

    def cond(s):
        n, go = s[0], s[1]
        return lax.bitwise_and(n < max_iter, go)

    def body(s):
        n, _, c, d, h = s
        num = numerator(n)
        small = _full(c, tiny)
        c = 1. + num / c
        c = lax.select(lax.abs(c) < tiny, small, c)
        d = 1. + num * d
        d = lax.select(lax.abs(d) < tiny, small, d)
        d = 1. / d
        delta = c * d
        h = h * delta
        return (n + 1, _any(lax.abs(delta - 1.) >= tiny), c, d, h)

    h0 = _full(x, tiny)
    out = lax.while_loop(cond, body, (np.int32(1), np.bool_(True), h0, _full(x, 0.), h0))
    return out[4]


def regularized_incomplete_beta_impl(a, b, x, *, dtype):
    lax = _lax()
    inf = float("inf")
    a_vanishes = _or(a == 0., b == inf)
    b_vanishes = _or(b == 0., a == inf)
    x_zero, x_one = x == 0., x == 1.
    nan = _or(_isnan(a), _isnan(b), _isnan(x))
    is_zero = _or(lax.bitwise_and(b_vanishes, lax.bitwise_not(x_one)),
                  lax.bitwise_and(a_vanishes, x_zero))
    is_one = _or(lax.bitwise_and(a_vanishes, lax.bitwise_not(x_zero)),
                 lax.bitwise_and(b_vanishes, x_one))
    is_nan = _or(a < 0., b < 0., x < 0., x > 1., lax.bitwise_and(a_vanishes, b_vanishes), nan)
    # The fraction converges fast for x < (a+1)/(a+b+2); elsewhere use
    # I_x(a, b) = 1 - I_{1-x}(b, a) (DLMF 8.17.4).
    direct = x < (a + 1.) / (a + b + 2.)
    a, b, x = (lax.select(direct, a, b), lax.select(direct, b, a),
               lax.select(direct, x, 1. - x))
    frac = _betainc_cfrac(a, b, x, dtype)
    # x^a (1-x)^b / (a B(a, b)); for tiny a, a Gamma(a) -> 1 keeps it finite.
    tiny = float(np.finfo(dtype).tiny * 2)
    log_b_no_a = lax.lgamma(b) - lax.lgamma(a + b)
    log_beta = lax.lgamma(a) + log_b_no_a
    prefactor = lax.select(
        a < tiny,
        lax.exp(b * lax.log1p(-x) - log_b_no_a),
        lax.exp(a * lax.log(x) + b * lax.log1p(-x) - log_beta) / a)
    out = frac * prefactor
    out = lax.select(direct, out, 1. - out)
    out = lax.select(is_zero, _full(out, 0.), out)
    out = lax.select(is_one, _full(out, 1.), out)
    return lax.select(is_nan, _full(out, np.nan), out)


# Chebyshev coefficients of exp(-x) I0(x) (Cephes, i0.c): on [0, 8] in t = x/2 - 2, and
# of sqrt(x) exp(-x) I0(x) on (8, inf) in t = 32/x - 2.
_I0E_A = [
    -4.41534164647933937950E-18, 3.33079451882223809783E-17, -2.43127984654795469359E-16,
    1.71539128555513303061E-15, -1.16853328779934516808E-14, 7.67618549860493561688E-14,
    -4.85644678311192946090E-13, 2.95505266312963983461E-12, -1.72682629144155570723E-11,
    9.67580903537323691224E-11, -5.18979560163526290666E-10, 2.65982372468238665035E-9,
    -1.30002500998624804212E-8, 6.04699502254191894932E-8, -2.67079385394061173391E-7,
    1.11738753912010371815E-6, -4.41673835845875056359E-6, 1.64484480707288970893E-5,
    -5.75419501008210370398E-5, 1.88502885095841655729E-4, -5.76375574538582365885E-4,
    1.63947561694133579842E-3, -4.32430999505057594430E-3, 1.05464603945949983183E-2,
    -2.37374148058994688156E-2, 4.93052842396707084878E-2, -9.49010970480476444210E-2,
    1.71620901522208775349E-1, -3.04682672343198398683E-1, 6.76795274409476084995E-1]
_I0E_B = [
    -7.23318048787475395456E-18, -4.83050448594418207126E-18, 4.46562142029675999901E-17,
    3.46122286769746109310E-17, -2.82762398051658348494E-16, -3.42548561967721913462E-16,
    1.77256013305652638360E-15, 3.81168066935262242075E-15, -9.55484669882830764870E-15,
    -4.15056934728722208663E-14, 1.54008621752140982691E-14, 3.85277838274214270114E-13,
    7.18012445138366623367E-13, -1.79417853150680611778E-12, -1.32158118404477131188E-11,
    -3.14991652796324136454E-11, 1.18891471078464383424E-11, 4.94060238822496958910E-10,
    3.39623202570838634515E-9, 2.26666899049817806459E-8, 2.04891858946906374183E-7,
    2.89137052083475648297E-6, 6.88975834691682398426E-5, 3.36911647825569408990E-3,
    8.04490411014108831608E-1]
# float32 needs only the trailing (largest-order) terms.
_I0E_A32, _I0E_B32 = _I0E_A[-18:], _I0E_B[-7:]


def _chebyshev(t, coeffs):
    """Clenshaw's recurrence for sum' c_k T_k(t / 2), Cephes' `chbevl` convention."""
    b0 = b1 = b2 = _full(t, 0.)
    for c in coeffs:
        b2, b1 = b1, b0
        b0 = t * b1 - b2 + c
    return 0.5 * (b0 - b2)


def bessel_i0e_impl(x, *, dtype):
    lax = _lax()
    wide = np.dtype(dtype) == np.float64
    ca, cb = (_I0E_A, _I0E_B) if wide else (_I0E_A32, _I0E_B32)
    x = lax.abs(x)
    near = _chebyshev(0.5 * x - 2., ca)
    far = _chebyshev(32. / x - 2., cb) / lax.sqrt(x)
    return lax.select(x <= 8., near, far)


# ---------------------------------------------------------------------------------------
# The primitives


def _traced_prim(name, nargs, impl):
    abstract = (unary_abstract_eval(name, FLOAT) if nargs == 1
                else nary_abstract_eval(name, FLOAT))
    return _standard(Primitive(name), abstract, lower_traced(impl))


igamma_p = _traced_prim("igamma", 2, igamma_impl)
igammac_p = _traced_prim("igammac", 2, igammac_impl)
igamma_grad_a_p = _traced_prim("igamma_grad_a", 2, igamma_grad_a_impl)
random_gamma_grad_p = _traced_prim("random_gamma_grad", 2, random_gamma_grad_impl)
regularized_incomplete_beta_p = _traced_prim("regularized_incomplete_beta", 3,
                                             regularized_incomplete_beta_impl)
bessel_i0e_p = _traced_prim("bessel_i0e", 1, bessel_i0e_impl)
bessel_i1e_p = _standard(Primitive("bessel_i1e"), unary_abstract_eval("bessel_i1e", FLOAT),
                         lower_nary("chlo.bessel_i1e"))
zeta_p = _standard(Primitive("zeta"), nary_abstract_eval("zeta", FLOAT),
                   lower_nary("chlo.zeta"))

# ---------------------------------------------------------------------------------------
# Derivatives. Rules bind primitives; scalar constants take the primal's dtype.


def _c(x, v):
    return np.asarray(v, core.get_aval(x).dtype)[()]


def _ew():
    from cellax.primitives import elementwise
    return elementwise


def _igamma_dx(a, x):
    """dP/dx = x^(a-1) e^-x / Gamma(a)."""
    e = _ew()
    log_x = e.log_p.bind(x)
    expo = e.sub_p.bind(e.mul_p.bind(e.sub_p.bind(a, _c(a, 1)), log_x), x)
    return e.exp_p.bind(e.sub_p.bind(expo, e.lgamma_p.bind(a)))


def _mul(a, b):
    return _ew().mul_p.bind(a, b)


def _neg(a):
    return _ew().neg_p.bind(a)


defjvp(igamma_p, lambda t, a, x: _mul(t, igamma_grad_a_p.bind(a, x)),
       lambda t, a, x: _mul(t, _igamma_dx(a, x)))
defjvp(igammac_p, lambda t, a, x: _neg(_mul(t, igamma_grad_a_p.bind(a, x))),
       lambda t, a, x: _neg(_mul(t, _igamma_dx(a, x))))


def _no_jvp(prim):
    def rule(primals, tangents, **params):
        raise NotImplementedError(f"Differentiation rule for '{prim.name}' not implemented")
    core.jvp_rules[prim] = rule


# JAX defines no derivative rule for these two primitives.
_no_jvp(igamma_grad_a_p)
_no_jvp(zeta_p)


def _random_gamma_grad_jvp(primals, tangents):
    # Differentiate the implementation itself, as JAX (where it is not a primitive) does:
    # forward mode works, reverse mode stops at its while loops.
    from cellax.interpreters.jvp import Zero, instantiate
    fun = _at_out_shape(random_gamma_grad_impl)
    tangents = [instantiate(t) if type(t) is Zero else t for t in tangents]
    (out,), (t_out,) = jvp_flat(lambda a, x: [fun(a, x)], list(primals), tangents)
    return out, t_out


core.jvp_rules[random_gamma_grad_p] = _random_gamma_grad_jvp


def _betainc_no_grad(t, a, b, x):
    raise ValueError("Betainc gradient with respect to a and b not supported.")


def _betainc_dx(t, a, b, x):
    e = _ew()
    lg = e.lgamma_p.bind
    log_beta = e.sub_p.bind(e.add_p.bind(lg(a), lg(b)), lg(e.add_p.bind(a, b)))
    log_pdf = e.sub_p.bind(
        e.add_p.bind(e.mul_p.bind(e.sub_p.bind(b, _c(b, 1)), e.log1p_p.bind(_neg(x))),
                     e.mul_p.bind(e.sub_p.bind(a, _c(a, 1)), e.log_p.bind(x))),
        log_beta)
    return _mul(e.exp_p.bind(log_pdf), t)


defjvp(regularized_incomplete_beta_p, _betainc_no_grad, _betainc_no_grad, _betainc_dx)

defjvp2(bessel_i0e_p, lambda t, y, x: _mul(t, _ew().sub_p.bind(
    bessel_i1e_p.bind(x), _mul(_ew().sign_p.bind(x), y))))


def _bessel_i1e_jvp(t, y, x):
    # d/dx i1e = i0e - i1e (sign(x) + 1/x), whose limit at 0 is 1/2.
    e = _ew()
    eps = _c(x, np.finfo(core.get_aval(x).dtype).eps)
    shape = core.get_aval(x).shape
    full = lambda v: e._bcast_to(_c(x, v), shape)  # noqa: E731
    not_tiny = e.gt_p.bind(e.abs_p.bind(x), eps)
    safe_x = e.select_n_p.bind(not_tiny, full(eps), x)
    slope = e.sub_p.bind(bessel_i0e_p.bind(safe_x),
                         _mul(y, e.add_p.bind(e.sign_p.bind(safe_x),
                                              e.div_p.bind(_c(x, 1), safe_x))))
    return _mul(t, e.select_n_p.bind(not_tiny, full(0.5), slope))


defjvp2(bessel_i1e_p, _bessel_i1e_jvp)

# ---------------------------------------------------------------------------------------
# Batching: all are elementwise.

for _p in (bessel_i0e_p, bessel_i1e_p):
    core.batching_rules[_p] = _batching.vectorized_rule(_p)
for _p in (igamma_p, igammac_p, igamma_grad_a_p, random_gamma_grad_p,
           regularized_incomplete_beta_p, zeta_p):
    core.batching_rules[_p] = _batching.broadcasting_rule(_p)
