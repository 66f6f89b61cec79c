"""`python -m cellax_kernel install [...]` installs the kernelspec; any other arguments
(`-f CONNECTION_FILE`, ...) launch the kernel."""
import sys


def _run() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "install":
        from .install import main

        sys.exit(main(sys.argv[2:]))
    from ipykernel.kernelapp import IPKernelApp

    from .kernel import CellaxKernel

    IPKernelApp.launch_instance(kernel_class=CellaxKernel)


if __name__ == "__main__":
    _run()
