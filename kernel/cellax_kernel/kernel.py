"""The kernel class: ipykernel's IPythonKernel, plus the cellax extension loaded at start
and a banner that names cellax's version and the devices it sees."""
from __future__ import annotations

import os
import sys
import traceback

from ipykernel.ipkernel import IPythonKernel

from . import DISPLAY_NAME, __version__

# jaxlib logs INFO lines when it makes a client; a kernel's stderr ends up in the server
# log (and, for some front ends, in the notebook), so keep it quiet unless asked. (jaxlib is
# first imported later, with cellax.)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")

EXTENSION = "cellax_notebook"


def _describe_devices() -> str:
    """One line naming cellax's version, jaxlib's, and each device; never raises (a broken
    GPU plugin must not stop the kernel from starting)."""
    try:
        import cellax
        from cellax import backend
    except Exception as err:  # noqa: BLE001 - the banner reports any failure
        return f"cellax could not be imported: {type(err).__name__}: {err}"
    head = f"cellax {getattr(cellax, '__version__', '?')} (jaxlib {backend.jaxlib_version})"
    try:
        devs = cellax.devices()
    except Exception as err:  # noqa: BLE001
        return f"{head}; no devices: {type(err).__name__}: {err}"
    names = ", ".join(f"{d.platform}:{d.id} ({getattr(d, 'device_kind', d.platform)})"
                      for d in devs)
    return f"{head}; devices: {names}"


def _magic_names(shell) -> str:
    """The magics the extension registered, cell magics first: "%%jit, %%grad, %grad"."""
    table = getattr(getattr(shell, "_cellax_magics", None), "magics", None)
    if not isinstance(table, dict):
        return "%%jit, %%grad, %grad, %jaxpr, %hlo, %profile, %devices"
    names = [f"%%{n}" for n in table.get("cell", {})]
    names += [f"%{n}" for n in table.get("line", {})]
    return ", ".join(names)


class CellaxKernel(IPythonKernel):
    """IPython kernel with `%load_ext cellax` already done."""

    implementation = "cellax"
    implementation_version = __version__

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._extension_note = self._preload_extension()
        self._device_line = _describe_devices()

    def _preload_extension(self) -> str:
        """Load cellax_notebook into the shell; on failure warn and keep a plain IPython
        kernel, so a broken notebook layer never stops cellax from being usable."""
        shell = self.shell
        if shell is None:
            return "no shell: cellax magics not loaded"
        try:
            result = shell.extension_manager.load_extension(EXTENSION)
        except ModuleNotFoundError as err:
            note = f"cellax magics not loaded: {err}"
            self.log.warning(note)
            return note
        except Exception:  # noqa: BLE001 - any bug in the extension must not kill the kernel
            tb = traceback.format_exc()
            self.log.warning("cellax magics failed to load:\n%s", tb)
            return "cellax magics failed to load: " + tb.strip().splitlines()[-1]
        if result == "no load function":
            note = f"cellax magics not loaded: {EXTENSION} has no load_ipython_extension"
            self.log.warning(note)
            return note
        # `%load_ext cellax` loads the same extension; say "already loaded" instead of
        # registering everything a second time.
        shell.extension_manager.loaded.add("cellax")
        return "cellax magics loaded: " + _magic_names(shell)

    @property
    def banner(self) -> str:  # type: ignore[override]
        base = self.shell.banner if self.shell else f"Python {sys.version.split()[0]}\n"
        return f"{base.rstrip()}\n{DISPLAY_NAME}: {self._device_line}\n{self._extension_note}\n"
