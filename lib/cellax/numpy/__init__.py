"""`cellax.numpy`: JAX's NumPy API on cellax arrays (`import cellax.numpy as jnp`)."""
from cellax.numpy._core import *  # noqa: F401,F403
from cellax.numpy._core import (abs, all, any, max, min, round, sum)  # noqa: F401,A004
from cellax.numpy import _array_methods  # noqa: F401 - installs operators on tracers
from cellax.array import Array as ndarray  # noqa: F401
from cellax.numpy._math import (  # noqa: F401,E402
    allclose, angle, array_equal, array_equiv, bitwise_count, convolve, copysign, correlate,
    deg2rad, degrees, diff, divmod, ediff1d, fabs, float_power, fmax, fmin, fmod, frexp, gcd,
    heaviside, hypot, iscomplex, isclose, isneginf, isposinf, isreal, lcm, ldexp, log2, log10,
    logaddexp, logaddexp2, modf, nan_to_num, nextafter, polyadd, polyder, polyint, polymul,
    polysub, polyval, rad2deg, radians, rint, signbit, sinc, spacing, trapezoid, trunc, unwrap,
    vander, i0, poly, polydiv, gradient, interp, packbits, unpackbits)
from cellax.numpy._reductions import (  # noqa: F401,E402
    average, count_nonzero, cumprod, cumsum, cumulative_prod, cumulative_sum, nanargmax,
    nanargmin, nancumprod, nancumsum, nanmax, nanmean, nanmin, nanprod, nanstd, nansum, nanvar,
    ptp)
from cellax.numpy._shape_ops import (  # noqa: F401,E402
    append, apply_along_axis, apply_over_axes, argwhere, array_split, atleast_3d, bincount,
    block, choose, column_stack, compress, concat, delete, diag, diag_indices, diag_indices_from,
    diagflat, diagonal, digitize, dsplit, dstack, extract, fill_diagonal, flatnonzero, flip,
    fliplr, flipud, histogram, histogram_bin_edges, hsplit, indices, insert, isin, ix_,
    mask_indices, meshgrid, nonzero, pad, permute_dims, place, put, put_along_axis,
    ravel_multi_index, repeat, resize, roll, rollaxis, rot90, searchsorted, select, split, take,
    take_along_axis, tile, trace, tri, tril, tril_indices, tril_indices_from, trim_zeros, triu,
    triu_indices, triu_indices_from, unravel_index, unstack, vsplit, histogram2d, histogramdd,
    piecewise)
from cellax.numpy._index_tricks import c_, index_exp, mgrid, ogrid, r_, s_  # noqa: F401,E402
from cellax.numpy._creation import (  # noqa: F401,E402
    ComplexWarning, array_repr, array_str, bartlett, blackman, can_cast, cdouble, character,
    complex_, complexfloating, copy, csingle, double, flexible, float_, floating, frombuffer,
    fromfile, fromfunction, fromiter, fromstring, generic, geomspace, get_printoptions,
    hamming, hanning, inexact, int_, integer, iscomplexobj, isdtype, isrealobj, isscalar,
    iterable, linspace, load, logspace, number, object_, printoptions, save, savez,
    set_printoptions, signedinteger, single, uint, unsignedinteger, kaiser)
from cellax.numpy._creation import bool  # noqa: F401,E402,A004
from cellax.numpy._linalg_basic import (  # noqa: F401,E402
    corrcoef, cov, cross, einsum, einsum_path, inner, kron, matvec, tensordot, vecdot, vecmat)
from cellax.numpy._core import (  # noqa: F401,E402 - Array API spellings
    arccos as acos, arccosh as acosh, arcsin as asin, arcsinh as asinh, arctan as atan,
    arctan2 as atan2, arctanh as atanh, invert as bitwise_invert, left_shift as
    bitwise_left_shift, right_shift as bitwise_right_shift)

# Helpers that `from _core import *` brings along are not part of the public API.
for _name in ("Any", "ArrayImpl", "Sequence", "Tracer", "annotations", "builtins", "core",
              "dtypes", "get_aval", "lax", "np", "operator", "subtract_bool_check",
              "promote_dtypes", "promote_dtypes_inexact"):
    globals().pop(_name, None)
del _name
from cellax.numpy._vectorize import vectorize  # noqa: F401,E402
from cellax.numpy._sorting import (  # noqa: F401,E402
    argpartition, argsort, lexsort, partition, sort, sort_complex)
from cellax.numpy._quantiles import (  # noqa: F401,E402
    median, nanmedian, nanpercentile, nanquantile, percentile, quantile)
from cellax.numpy._setops import (  # noqa: F401,E402
    intersect1d, setdiff1d, setxor1d, union1d, unique, unique_all, unique_counts,
    unique_inverse, unique_values)
from cellax.numpy._polyfit import polyfit, roots  # noqa: F401,E402


def __getattr__(name):
    # jnp.linalg and jnp.fft load on first use (they pull in LAPACK/FFT primitives);
    # `import cellax.numpy.linalg` works as well.
    if name in ("linalg", "fft"):
        import importlib
        return importlib.import_module(f"cellax.numpy.{name}")
    raise AttributeError(f"module 'cellax.numpy' has no attribute {name!r}")
