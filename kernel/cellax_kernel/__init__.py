"""The `cellax` Jupyter kernel: IPython with the cellax notebook extension preloaded.

`python -m cellax_kernel install [--user|--sys-prefix|--prefix P] [--name cellax]`
installs the kernelspec; `python -m cellax_kernel -f CONNECTION_FILE` runs the kernel
(that is what the kernelspec's argv does). This package stays import-light: the kernel
class lives in `cellax_kernel.kernel`, the installer in `cellax_kernel.install`.
"""
__version__ = "0.1.0"

KERNEL_NAME = "cellax"
DISPLAY_NAME = "cellax (Python 3)"
