"""`cellax.numpy`: JAX's NumPy API on cellax arrays (`import cellax.numpy as jnp`)."""
from cellax.numpy._core import *  # noqa: F401,F403
from cellax.numpy._core import (abs, all, any, max, min, round, sum)  # noqa: F401,A004
from cellax.numpy import _array_methods  # noqa: F401 - installs operators on tracers
from cellax.array import Array as ndarray  # noqa: F401
