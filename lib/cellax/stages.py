"""Ahead-of-time stages of `jit`: Traced -> Lowered -> Compiled.

`jit(f).trace(x)` gives the jaxpr; `.lower()` the StableHLO module;
`.compile()` the XLA executable with its optimized HLO, cost and memory analyses.
"""
from __future__ import annotations

from cellax import backend, dispatch
from cellax.interpreters import lowering
from cellax.tree_util import tree_flatten, tree_unflatten


class Traced:
    def __init__(self, closed, out_tree, name, device, donated, lifted, flat_args):
        self.jaxpr = closed
        self._out_tree = out_tree
        self._name = name
        self._device = device
        self._donated = donated
        self._lifted = lifted
        self.out_info = tree_unflatten(out_tree, [
            _shape_struct(a) for a in closed.out_avals])

    def lower(self) -> Lowered:
        return Lowered(self.jaxpr, self._out_tree, self._name, self._device, self._donated)

    def __repr__(self):
        return f"Traced<{self._name}>\n{self.jaxpr}"


def _shape_struct(aval):
    from cellax.core import ShapeDtypeStruct
    return ShapeDtypeStruct(aval.shape, aval.dtype, weak_type=aval.weak_type)


class Lowered:
    def __init__(self, closed, out_tree, name, device, donated):
        self._closed = closed
        self._out_tree = out_tree
        self._name = name
        self._device = device
        self._donated = donated
        self._text = None

    def _module_text(self) -> str:
        if self._text is None:
            self._text = lowering.lower_jaxpr_to_module(self._closed, self._name, self._donated)
        return self._text

    def as_text(self, dialect: str = "stablehlo", *, debug_info: bool = False) -> str:
        """The StableHLO module as MLIR text (with source locations if `debug_info`)."""
        if dialect not in ("stablehlo", "mhlo"):
            raise ValueError(f"Unknown dialect {dialect!r}; expected 'stablehlo'.")
        module = backend.parse_module(self._module_text())
        return backend.module_to_text(module, debug_info=debug_info)

    def compiler_ir(self, dialect: str = "stablehlo"):
        return backend.parse_module(self._module_text())

    def compile(self) -> Compiled:
        program = dispatch.compiled_jaxpr(self._closed, self._name, self._device,
                                          self._donated)
        compiled = Compiled(program, self._out_tree)
        compiled._lowered = self  # for its rich display (jaxpr and StableHLO tabs)
        return compiled

    def cost_analysis(self):
        return self.compile().cost_analysis()

    def _repr_mimebundle_(self, include=None, exclude=None):
        """Notebook display: the IR view (jaxpr + StableHLO); text: the StableHLO."""
        if include is not None and set(include) <= {"text/plain"}:
            return {"text/plain": self.as_text()} if include else {}
        try:
            from cellax_notebook.views import IRView
            view = IRView(self._closed, lowered_text=self.as_text(debug_info=True),
                          title=f"lowered {self._name}")
            bundle = view._repr_mimebundle_(include, exclude)
        except Exception:  # noqa: BLE001 - rich display must never break printing
            bundle = {}
        if (include is None or "text/plain" in include) and not (
                exclude and "text/plain" in exclude):
            bundle["text/plain"] = self.as_text()
        return bundle


class Compiled:
    def __init__(self, program: dispatch.CompiledProgram, out_tree):
        self._program = program
        self._out_tree = out_tree

    def as_text(self) -> str:
        """The optimized HLO that XLA will run."""
        return backend.optimized_hlo_text(self._program.executable)

    def cost_analysis(self) -> dict:
        return backend.cost_analysis(self._program.executable)

    def memory_analysis(self):
        return backend.memory_analysis(self._program.executable)

    @property
    def compile_time(self) -> float:
        return self._program.compile_time

    def _repr_mimebundle_(self, include=None, exclude=None):
        """Notebook display: the IR view with optimized HLO and cost; text: the HLO."""
        bundle = {}
        lowered = getattr(self, "_lowered", None)
        if include is not None and set(include) <= {"text/plain"}:
            lowered = None  # a terminal: the text is all it shows
        if lowered is not None:
            try:
                from cellax_notebook.views import IRView
                try:
                    cost = self.cost_analysis()
                except Exception:  # noqa: BLE001
                    cost = None
                try:
                    memory = self.memory_analysis()
                except Exception:  # noqa: BLE001
                    memory = None
                view = IRView(lowered._closed, lowered_text=lowered.as_text(debug_info=True),
                              optimized_hlo=self.as_text(), cost=cost, memory=memory,
                              title=f"compiled {lowered._name}")
                bundle = view._repr_mimebundle_(include, exclude)
            except Exception:  # noqa: BLE001 - rich display must never break printing
                bundle = {}
        if (include is None or "text/plain" in include) and not (
                exclude and "text/plain" in exclude):
            bundle["text/plain"] = self.as_text()
        return bundle

    def __call__(self, *args, **kwargs):
        flat, _ = tree_flatten((args, kwargs))
        n = len(self._program.in_avals) - len(self._program.consts)
        if len(flat) != n:
            raise TypeError(f"Compiled function called with {len(flat)} arguments, expected {n}")
        for i, (x, aval) in enumerate(zip(flat, self._program.in_avals[len(
                self._program.consts):])):
            from cellax.core import get_aval
            got = get_aval(x)
            if got.shape != aval.shape or got.dtype != aval.dtype:
                raise TypeError(f"Argument types differ from the types for which this "
                                f"computation was compiled: argument {i} is "
                                f"{got.str_short()}, expected {aval.str_short()}.")
        return tree_unflatten(self._out_tree, self._program(flat))
