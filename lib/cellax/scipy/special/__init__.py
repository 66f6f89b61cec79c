"""cellax.scipy.special: JAX's `jax.scipy.special` (SciPy's special functions) on cellax."""
from cellax.scipy.special._basic import (  # noqa: F401
    _xlogx, entr, erf, erfc, erfinv, expit, digamma, gammaln, log_softmax, logit, logsumexp,
    ndtr, softmax, xlog1py, xlogy)
from cellax.scipy.special._gamma import (  # noqa: F401
    bernoulli, beta, betainc, betaln, comb, factorial, gamma, gammainc, gammaincc, gammasgn,
    loggamma, multigammaln, poch, polygamma, zeta)
from cellax.scipy.special._misc import (  # noqa: F401
    bessel_jn, boxcox, boxcox1p, i0, i0e, i1, i1e, kl_div, rel_entr, spence)
from cellax.scipy.special._error import (  # noqa: F401
    dawsn, erfcx, log_ndtr, ndtri, wofz)
from cellax.scipy.special._expint import exp1, expi, expn, sici  # noqa: F401
