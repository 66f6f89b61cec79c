"""`cellax.random`: counter-based pseudo-random numbers, bit-identical to `jax.random`.

`_keys` owns key arrays, seeding, split and fold_in; `_basic` the bit, uniform, normal
and randint samplers; `_continuous`, `_gamma_family` and `_discrete` the other
distributions, written to follow JAX's algorithms operation for operation so the same
key gives the same numbers. `random_gamma_p` lives in `cellax.primitives.random_gamma`.
"""
from cellax.primitives.random_gamma import random_gamma_p
from cellax.random._basic import bits, normal, randint, uniform
from cellax.random._continuous import (
    cauchy, double_sided_maxwell, exponential, gumbel, laplace, logistic, lognormal, maxwell,
    pareto, rayleigh, triangular, truncated_normal, wald, weibull_min)
from cellax.random._discrete import (
    bernoulli, binomial, categorical, choice, geometric, multinomial, permutation, poisson,
    rademacher)
from cellax.random._gamma_family import (
    ball, beta, chisquare, dirichlet, f, gamma, generalized_normal, loggamma,
    multivariate_normal, orthogonal, t)
from cellax.random._keys import (
    KeyArray, KeyDType, PRNGKey, clone, default_prng_impl, fold_in, key, key_data, key_dtype,
    key_fry, key_impl, split, wrap_key_data)

__all__ = [
    "PRNGKey", "key", "key_data", "wrap_key_data", "key_impl", "key_dtype", "split",
    "fold_in", "clone", "bits", "uniform", "normal", "randint", "KeyArray",
    "ball", "bernoulli", "beta", "binomial", "categorical", "cauchy", "chisquare", "choice",
    "dirichlet", "double_sided_maxwell", "exponential", "f", "gamma", "generalized_normal",
    "geometric", "gumbel", "laplace", "loggamma", "logistic", "lognormal", "maxwell",
    "multinomial", "multivariate_normal", "orthogonal", "pareto", "permutation", "poisson",
    "rademacher", "random_gamma_p", "rayleigh", "t", "triangular", "truncated_normal", "wald",
    "weibull_min",
]
