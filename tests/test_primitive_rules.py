"""Every primitive carries its whole contract: abstract eval, eager impl and lowering.

(jvp/transpose/batching tables join this check with autodiff and vmap.)"""
import importlib
import pkgutil

import pytest

import cellax
import cellax.primitives
from cellax import core


def all_primitives():
    prims = {}
    for mod_info in pkgutil.iter_modules(cellax.primitives.__path__):
        mod = importlib.import_module(f"cellax.primitives.{mod_info.name}")
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
