"""cellax.scipy: the subset of `jax.scipy` built from cellax.numpy / cellax.lax."""
from cellax.scipy import special  # noqa: F401


def __getattr__(name):
    if name == "linalg":  # loads on first use, as `import cellax.scipy.linalg` does
        import importlib
        return importlib.import_module("cellax.scipy.linalg")
    raise AttributeError(f"module 'cellax.scipy' has no attribute {name!r}")
