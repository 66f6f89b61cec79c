"""cellax: composable function transformations (JAX's API) on XLA, Jupyter-first.

`import cellax as jax`, `import cellax.numpy as jnp`.
"""
from cellax.config import config  # noqa: F401  (first: dtypes reads it)
from cellax import backend as _backend  # noqa: F401
from cellax import errors, dtypes  # noqa: F401
from cellax.primitives import (call as _call, dot as _dot, elementwise as _elementwise,  # noqa
                               reductions as _reductions, shape as _shape,
                               indexing as _indexing_prims)
from cellax.primitives import random_bits as _random_bits  # noqa: F401
from cellax.primitives import collectives as _collectives  # noqa: F401
from cellax.primitives import scan as _scan  # noqa: F401
from cellax.primitives import control_flow as _control_flow  # noqa: F401
from cellax import numpy  # noqa: F401  (installs array operators)
from cellax.array import Array  # noqa: F401
from cellax import tree_util, tree  # noqa: F401
from cellax import lax  # noqa: F401
from cellax.api import (jit, make_jaxpr, eval_shape, devices, local_devices,  # noqa: F401
                        device_count, local_device_count, default_backend, device_put,
                        device_get, block_until_ready, clear_caches, disable_jit, process_index,
                        process_count)
from cellax.core import ShapeDtypeStruct  # noqa: F401
from cellax.autodiff import (grad, value_and_grad, vjp, jvp, linearize,  # noqa: F401
                             linear_transpose, checkpoint, remat)
from cellax.custom_derivatives import custom_jvp, custom_vjp  # noqa: F401
from cellax.vectorization import vmap, jacfwd, jacrev, jacobian, hessian  # noqa: F401
from cellax import random  # noqa: F401
from cellax import nn, scipy  # noqa: F401

__version__ = "0.1.0"


def load_ipython_extension(ipython):  # `%load_ext cellax`
    try:
        import cellax_notebook
    except ImportError as e:  # the notebook layer is a later issue
        raise ImportError("the cellax notebook extension (cellax_notebook) is not installed") \
            from e
    cellax_notebook.load_ipython_extension(ipython)
