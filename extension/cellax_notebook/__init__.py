"""The cellax notebook layer: IPython magics, rich views (IR, graph, profile) and their
mime bundles. Load it with `%load_ext cellax` (or `%load_ext cellax_notebook`)."""

_HOOKS = ("pre_run_cell", "post_run_cell")


def load_ipython_extension(ipython) -> None:
    """Register the magics (`%%jit`, `%%grad`/`%grad`, `%jaxpr`, `%hlo`, `%devices`,
    `%profile`, `%cellax_summary`) and the per-cell summary hooks. Loading twice is a
    no-op."""
    from cellax_notebook.magics import CellaxMagics
    if getattr(ipython, "_cellax_magics", None) is not None:
        return
    magics = CellaxMagics(ipython)
    ipython.register_magics(magics)
    for name in _HOOKS:
        ipython.events.register(name, getattr(magics, name))
    ipython._cellax_magics = magics


def unload_ipython_extension(ipython) -> None:
    magics = getattr(ipython, "_cellax_magics", None)
    if magics is None:
        return
    for name in _HOOKS:
        try:
            ipython.events.unregister(name, getattr(magics, name))
        except ValueError:
            pass
    table = ipython.magics_manager.magics
    for kind, names in magics.magics.items():
        for name in names:
            table[kind].pop(name, None)
    ipython._cellax_magics = None
