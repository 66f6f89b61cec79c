"""`cellax.lax`: JAX's `jax.lax` on cellax primitives."""
from cellax.lax.lax import *  # noqa: F401,F403
from cellax.lax.lax import (abs, complex, max, min, pow, round, slice)  # noqa: F401,A004
from cellax.lax.loops import associative_scan, fori_loop, map, scan  # noqa: F401,A004
from cellax.lax.control_flow import cond, switch, while_loop  # noqa: F401
from cellax.lax.fft import FftType, fft, fft_p  # noqa: F401,E402
from cellax.lax._prims import *  # noqa: F401,F403
from cellax.lax.sorting import (  # noqa: F401,E402
    approx_max_k, approx_min_k, approx_top_k_p, sort, sort_key_val, sort_p, top_k, top_k_p)
from cellax.lax.special import (  # noqa: F401,E402
    bessel_i0e, bessel_i0e_p, bessel_i1e, bessel_i1e_p, betainc, igamma, igamma_grad_a,
    igamma_grad_a_p, igamma_p, igammac, igammac_p, polygamma, polygamma_p, random_gamma_grad,
    random_gamma_grad_p, regularized_incomplete_beta_p, zeta, zeta_p)
from cellax.lax.convolution import (  # noqa: F401,E402
    ConvDimensionNumbers, ConvGeneralDilatedDimensionNumbers, conv, conv_dimension_numbers,
    conv_general_dilated, conv_general_dilated_local, conv_general_dilated_p,
    conv_general_dilated_patches, conv_general_permutations, conv_general_shape_tuple,
    conv_shape_tuple, conv_transpose, conv_transpose_shape_tuple, conv_with_general_padding,
    padtype_to_pads)
from cellax.lax.windowed import *  # noqa: F401,F403,E402


def __getattr__(name):
    if name == "linalg":  # lax.linalg loads on first use (the LAPACK-backed primitives)
        import importlib
        return importlib.import_module("cellax.lax.linalg")
    raise AttributeError(f"module 'cellax.lax' has no attribute {name!r}")
