"""`cellax.lax`: JAX's `jax.lax` on cellax primitives."""
from cellax.lax.lax import *  # noqa: F401,F403
from cellax.lax.lax import (abs, complex, max, min, pow, round, slice)  # noqa: F401,A004
from cellax.lax.loops import associative_scan, fori_loop, map, scan  # noqa: F401,A004
from cellax.lax.control_flow import cond, switch, while_loop  # noqa: F401
