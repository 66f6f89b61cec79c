"""`cellax.nn.dot_product_attention` (the XLA implementation) and the block-scaled matmul
entry points `scaled_matmul`, `scaled_dot_general`, `get_scaled_dot_general_config`."""
from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from cellax import dtypes, lax
from cellax import numpy as jnp


def _as_4d(t):
    t = jnp.asarray(t)
    return jnp.expand_dims(t, tuple(range(4 - t.ndim))) if t.ndim < 4 else t


def _check(t, shape, dtype, name: str) -> None:
    """`t` must have rank len(shape), dtype `dtype` (if given) and the sizes of `shape`
    where they are not -1."""
    if t is None:
        return
    if t.ndim != len(shape):
        raise ValueError(f"{name} ndim should be {len(shape)}, but got {t.ndim}")
    if dtype is not None and t.dtype != dtype:
        raise ValueError(f"{name} dtype should be {dtype}, but got {t.dtype}")
    if any(want != -1 and got != want for got, want in zip(t.shape, shape)):
        raise ValueError(f"{name} shape should be {list(shape)}: but got {t.shape}")


def _masked_value(dtype):
    """A large negative logit for masked-out positions: finite in float32 (softmax runs
    there), so that fully masked rows give a uniform distribution rather than NaNs."""
    big = min(float(dtypes.finfo(dtype).max), float(dtypes.finfo(np.float32).max))
    return jnp.asarray(-0.7 * big, dtype=dtype)


def _grouped(t, K: int, G: int):
    """A (B|1, N|1, T|1, S|1) bias or mask as (B|1, K|1, G|1, T|1, S|1), matching logits
    laid out as (B, K, G, T, S) with the N = K * G query heads split into groups."""
    if t is None:
        return None
    tB, tN, tT, tS = t.shape
    if tN == 1:
        return jnp.reshape(t, (tB, 1, 1, tT, tS))
    return jnp.reshape(t, (tB, K, G, tT, tS))


def _attention_xla(query, key, value, bias, mask, *, is_causal, scale, q_lengths,
                   kv_lengths, window, return_residual):
    B, T, N, H = query.shape
    S, K = key.shape[1], key.shape[2]
    G = N // K
    q = jnp.reshape(query, (B, T, K, G, H))
    logits_dtype = jnp.promote_types(query.dtype, np.float32)
    logits = jnp.einsum("BTKGH,BSKH->BKGTS", q, key, preferred_element_type=logits_dtype)
    logits = logits * jnp.array(scale, dtype=logits.dtype)
    if bias is not None:
        logits = (logits + _grouped(bias, K, G)).astype(logits.dtype)

    keep = None

    def both(a, b):
        return b if a is None else jnp.logical_and(a, b)

    if mask is not None:
        keep = both(keep, _grouped(mask, K, G))
    if is_causal:
        keep = both(keep, jnp.tril(jnp.ones((T, S), dtype=bool)))
    if window is not None:
        left, right = window
        qpos = jnp.arange(T)[:, None]
        kpos = jnp.arange(S)[None, :]
        keep = both(keep, (qpos <= kpos + left) & (qpos >= kpos - right))
    if q_lengths is not None or kv_lengths is not None:
        pad_keep = None
        if q_lengths is not None:
            pad_keep = jnp.arange(T)[None, :, None] < q_lengths[:, None, None]
        if kv_lengths is not None:
            pad_keep = both(pad_keep, jnp.arange(S)[None, None, :] < kv_lengths[:, None, None])
        keep = both(keep, jnp.broadcast_to(pad_keep, (B, T, S))[:, None, None])
    if keep is not None:
        logits = jnp.where(keep, logits, _masked_value(logits.dtype))

    logits = logits.astype(np.float32)  # the softmax always runs in float32
    from cellax.nn import softmax
    probs = softmax(logits, axis=-1).astype(key.dtype)
    encoded = jnp.einsum("BKGTS,BSKH->BTKGH", probs, value)
    if q_lengths is not None:
        valid = jnp.arange(T)[None, :] < q_lengths[:, None]
        encoded = encoded * valid[:, :, None, None, None].astype(encoded.dtype)
    encoded = jnp.reshape(encoded, (B, T, N, H))
    if not return_residual:
        return encoded
    from cellax.scipy.special import logsumexp
    lse = logsumexp(logits, axis=-1).astype(key.dtype)           # (B, K, G, T)
    lse = jnp.reshape(jnp.transpose(lse, (0, 3, 1, 2)), (B, T, N))
    return encoded, lax.stop_gradient(lse)


def dot_product_attention(query, key, value, bias=None, mask=None, *, scale=None,
                          is_causal: bool = False, query_seq_lengths=None,
                          key_value_seq_lengths=None, local_window_size=None,
                          implementation=None, return_residual: bool = False):
    """softmax(Q K^T * scale + bias, masked) V per head, for (B, T, N, H) / (T, N, H)
    queries and (B, S, K, H) keys and values (K divides N: grouped-query attention)."""
    out_shape = jnp.asarray(query).shape
    q, k, v = _as_4d(query), _as_4d(key), _as_4d(value)
    bias = _as_4d(bias) if bias is not None else None
    mask = _as_4d(mask) if mask is not None else None
    if query_seq_lengths is not None:
        query_seq_lengths = jnp.asarray(query_seq_lengths)
    if key_value_seq_lengths is not None:
        key_value_seq_lengths = jnp.asarray(key_value_seq_lengths)
    if isinstance(local_window_size, int):
        local_window_size = (local_window_size, local_window_size)

    B, S, K, H = k.shape
    _check(v, [B, S, K, H], k.dtype, "value")
    _check(q, [B, -1, -1, H], k.dtype, "query")
    _check(mask, [-1] * 4, np.dtype(bool), "mask")
    _check(bias, [-1] * 4, None, "bias")
    _check(query_seq_lengths, [B], np.dtype("int32"), "query_seq_lengths")
    _check(key_value_seq_lengths, [B], np.dtype("int32"), "key_value_seq_lengths")
    if q.shape[-2] % K != 0:
        raise ValueError(f"The number of query heads must be a multiple of key/value heads, "
                         f"but got {q.shape[-2]} vs {K}")
    scale = (1.0 / np.sqrt(H)) if scale is None else scale

    if implementation == "cudnn":
        # cellax has no cuDNN fused-attention kernel; JAX raises the same on machines
        # without cuDNN.
        raise RuntimeError("cuDNN is not detected.")
    if implementation not in (None, "xla"):
        raise ValueError(f"Unsupported implementation option: {implementation}")
    out = _attention_xla(q, k, v, bias, mask, is_causal=is_causal, scale=scale,
                         q_lengths=query_seq_lengths, kv_lengths=key_value_seq_lengths,
                         window=local_window_size, return_residual=return_residual)
    if return_residual:
        enc, lse = out
        return jnp.reshape(enc, out_shape), jnp.reshape(lse, out_shape[:-1])
    return jnp.reshape(out, out_shape)


# ---------------------------------------------------------------------------------------
# Block-scaled matmul.


@dataclasses.dataclass
class BlockScaleConfig:
    """How one operand of `scaled_dot_general` is quantized: blocks of `block_size`
    elements stored as `data_type`, each with one `scale_type` scale."""

    mode: str
    block_size: int
    data_type: Any
    scale_type: Any
    global_scale: Any | None
    infer_only: bool


def get_scaled_dot_general_config(mode: str, global_scale=None) -> BlockScaleConfig:
    """The quantization config of the named block-scaled format ('nvfp4' or 'mxfp8')."""
    import ml_dtypes
    if mode == "nvfp4":
        one = jnp.ones((1,), dtype=np.float32)
        return BlockScaleConfig(mode="nvfp4", block_size=16,
                                data_type=ml_dtypes.float4_e2m1fn,
                                scale_type=ml_dtypes.float8_e4m3fn,
                                global_scale=one if global_scale is None else global_scale,
                                infer_only=False)
    if mode == "mxfp8":
        return BlockScaleConfig(mode="mxfp8", block_size=32,
                                data_type=ml_dtypes.float8_e4m3fn,
                                scale_type=ml_dtypes.float8_e8m0fnu, global_scale=None,
                                infer_only=False)
    raise ValueError(f"Unsupported mode: {mode}")


def scaled_matmul(lhs, rhs, lhs_scales, rhs_scales, preferred_element_type=np.float32):
    """Block-scaled batched matmul: each (B, M, K) / (B, N, K) operand is multiplied by its
    scales repeated over blocks of the contracting axis, then contracted to (B, M, N).

    Computed by its definition in float32 (JAX's only CPU path is a cuDNN kernel)."""
    lhs, rhs = jnp.asarray(lhs), jnp.asarray(rhs)
    lhs_scales, rhs_scales = jnp.asarray(lhs_scales), jnp.asarray(rhs_scales)
    for name, x in (("lhs", lhs), ("rhs", rhs), ("lhs_scales", lhs_scales),
                    ("rhs_scales", rhs_scales)):
        if x.ndim != 3:
            raise ValueError(f"scaled_matmul: {name} must be 3-D (B, M|N, K), got shape "
                             f"{x.shape}")
    if lhs.shape[0] != rhs.shape[0] or lhs.shape[2] != rhs.shape[2]:
        raise ValueError(f"scaled_matmul: lhs {lhs.shape} and rhs {rhs.shape} must share "
                         f"the batch and contracting sizes")
    blocks = []
    for x, s, name in ((lhs, lhs_scales, "lhs"), (rhs, rhs_scales, "rhs")):
        if s.shape[:2] != x.shape[:2] or s.shape[2] == 0 or x.shape[2] % s.shape[2]:
            raise ValueError(f"scaled_matmul: {name}_scales shape {s.shape} must be "
                             f"(B, {x.shape[1]}, K_s) with K_s dividing {x.shape[2]}")
        blocks.append(x.shape[2] // s.shape[2])
    f32 = np.float32
    a = lhs.astype(f32) * jnp.repeat(lhs_scales.astype(f32), blocks[0], axis=-1)
    b = rhs.astype(f32) * jnp.repeat(rhs_scales.astype(f32), blocks[1], axis=-1)
    out = lax.dot_general(a, b, (((2,), (2,)), ((0,), (0,))), preferred_element_type=f32)
    return out.astype(preferred_element_type)


def scaled_dot_general(lhs, rhs, dimension_numbers, preferred_element_type=np.float32,
                       configs=None, implementation=None):
    """`lax.dot_general` with block-scaled quantization of the operands per `configs`;
    without configs it is `lax.dot_general`."""
    if implementation is not None:
        import warnings
        warnings.warn("Backend selector, now ignored. The system chooses the backend "
                      "automatically.", DeprecationWarning, stacklevel=2)
    if configs is None:
        return lax.dot_general(lhs, rhs, dimension_numbers,
                               preferred_element_type=preferred_element_type)
    # Quantizing to float8/float4 needs those dtypes end to end; JAX itself only runs
    # this through a cuDNN kernel (NotImplementedError on CPU), as do we.
    raise NotImplementedError("scaled_dot_general with block-scale configs needs a cuDNN "
                              "kernel, which cellax does not have")
