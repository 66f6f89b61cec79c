"""cellax.scipy: the subset of `jax.scipy` built from cellax.numpy / cellax.lax."""
from cellax.scipy import special  # noqa: F401
from cellax.scipy import linalg  # noqa: F401
