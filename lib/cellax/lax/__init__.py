"""`cellax.lax`: JAX's `jax.lax` on cellax primitives."""
from cellax.lax.lax import *  # noqa: F401,F403
from cellax.lax.lax import (abs, complex, max, min, pow, round, slice)  # noqa: F401,A004
