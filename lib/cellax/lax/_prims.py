"""The primitive objects `jax.lax` exposes (`lax.add_p`, `lax.sin_p`, ...), for code that
inspects jaxprs (`eqn.primitive is lax.add_p`) or registers rules for them. Families built
elsewhere (sorting, windowed reductions, conv, fft, special functions) export their own."""
from cellax.primitives.collectives import (  # noqa: F401
    all_gather_p, axis_index_p, pmax_p, pmin_p, psum_p)
from cellax.primitives.control_flow import cond_p, while_p  # noqa: F401
from cellax.primitives.dot import dot_general_p  # noqa: F401
from cellax.primitives.elementwise import (  # noqa: F401
    abs_p, acos_p, acosh_p, add_p, and_p, asin_p, asinh_p, atan2_p, atan_p, atanh_p,
    bitcast_convert_type_p, cbrt_p, ceil_p, clamp_p, clz_p, complex_p, conj_p,
    convert_element_type_p, cos_p, cosh_p, digamma_p, div_p, eq_p, erf_inv_p, erf_p, erfc_p,
    exp2_p, exp_p, expm1_p, floor_p, ge_p, gt_p, imag_p, integer_pow_p, is_finite_p, le_p,
    lgamma_p, log1p_p, log_p, logistic_p, lt_p, max_p, min_p, mul_p, ne_p, neg_p,
    nextafter_p, not_p, or_p, polygamma_p, population_count_p, pow_p, real_p, rem_p, round_p,
    rsqrt_p, select_n_p, shift_left_p, shift_right_arithmetic_p, shift_right_logical_p,
    sign_p, sin_p, sinh_p, sqrt_p, square_p, stop_gradient_p, sub_p, tan_p, tanh_p, xor_p)
from cellax.primitives.indexing import (  # noqa: F401
    gather_p, scatter_add_p, scatter_max_p, scatter_min_p, scatter_mul_p, scatter_p,
    scatter_sub_p)
from cellax.primitives.reductions import (  # noqa: F401
    argmax_p, argmin_p, reduce_and_p, reduce_max_p, reduce_min_p, reduce_or_p, reduce_prod_p,
    reduce_sum_p, reduce_xor_p)
from cellax.primitives.scan import scan_p  # noqa: F401
from cellax.primitives.shape import (  # noqa: F401
    broadcast_in_dim_p, concatenate_p, dynamic_slice_p, dynamic_update_slice_p, iota_p,
    pad_p, reshape_p, rev_p, slice_p, squeeze_p, transpose_p)
