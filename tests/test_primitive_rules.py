"""Every primitive carries its whole contract: abstract eval, eager impl, lowering, a jvp
rule (linear primitives get theirs from `deflinear`, which also registers the transpose),
and a batching rule."""
import importlib
import pkgutil

import pytest

import cellax
import cellax.primitives
from cellax import core
from cellax import custom_derivatives


def all_primitives():
    prims = {}
    mods = [importlib.import_module(f"cellax.primitives.{m.name}")
            for m in pkgutil.iter_modules(cellax.primitives.__path__)]
    for mod in [*mods, custom_derivatives]:
        for value in vars(mod).values():
            if isinstance(value, core.Primitive):
                prims[value.name] = value
    return prims


PRIMS = all_primitives()


def test_found_the_primitives():
    for name in ("add", "mul", "exp", "tanh", "dot_general", "reduce_sum", "jit",
                 "broadcast_in_dim", "convert_element_type"):
        assert name in PRIMS


@pytest.mark.parametrize("name", sorted(PRIMS))
def test_primitive_has_every_rule(name):
    prim = PRIMS[name]
    assert prim.abstract_eval is not None, f"{name} has no abstract eval rule"
    assert prim.impl is not None, f"{name} has no eager implementation"
    assert prim in core.lowering_rules, f"{name} has no lowering rule"
    assert prim in core.jvp_rules, f"{name} has no jvp rule (nonlinear) or deflinear (linear)"
    assert prim in core.batching_rules, f"{name} has no batching rule"


# Primitives that are linear in (some of) their inputs carry a transpose rule.
LINEAR = ["neg", "add", "sub", "add_any", "mul", "div", "convert_element_type", "select_n",
          "reduce_sum", "broadcast_in_dim", "reshape", "transpose", "squeeze", "rev",
          "concatenate", "pad", "slice", "dynamic_slice", "dynamic_update_slice", "dot_general",
          "real", "imag", "conj", "complex", "jit", "remat2", "custom_lin", "psum",
          "all_gather", "gather", "scatter-add", "scan", "cond",
          "fft",  # tests/test_fft.py
          "conv_general_dilated",
          # tests/test_windowed.py
          "cumsum", "reduce_window_sum", "select_and_gather_add", "select_and_scatter_add",
          "reduce_precision",
          "triangular_solve"]  # tests/test_linalg.py (linear in b)


@pytest.mark.parametrize("name", LINEAR)
def test_linear_primitive_has_transpose(name):
    assert PRIMS[name] in core.transpose_rules, f"{name} has no transpose rule"
