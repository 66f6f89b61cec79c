"""Installs the `cellax` kernelspec: kernel.json (argv runs this interpreter with
`-m cellax_kernel -f {connection_file}`) and the logos."""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from importlib import resources

from . import DISPLAY_NAME, KERNEL_NAME


def kernel_dict(display_name: str = DISPLAY_NAME, python: str | None = None) -> dict:
    return {
        "argv": [python or sys.executable, "-m", "cellax_kernel", "-f", "{connection_file}"],
        "display_name": display_name,
        "language": "python",
        "interrupt_mode": "signal",
        "metadata": {"debugger": True},
        "kernel_protocol_version": "5.5",
    }


def write_kernel_spec(path: str, display_name: str = DISPLAY_NAME) -> str:
    """Write kernel.json and the logos into the directory `path`; return it."""
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, "kernel.json"), "w") as f:
        json.dump(kernel_dict(display_name), f, indent=1)
        f.write("\n")
    res = resources.files(__package__) / "resources"
    for name in ("logo-32x32.png", "logo-64x64.png", "logo-svg.svg"):
        src = res / name
        if src.is_file():
            with resources.as_file(src) as p:
                shutil.copy(p, os.path.join(path, name))
    return path


def install(user: bool = False, prefix: str | None = None, name: str = KERNEL_NAME,
            display_name: str = DISPLAY_NAME) -> str:
    """Install the kernelspec; with neither `user` nor `prefix`, into the system-wide
    Jupyter data directory. Returns the directory it was installed in."""
    from jupyter_client.kernelspec import KernelSpecManager

    with tempfile.TemporaryDirectory() as tmp:
        src = write_kernel_spec(os.path.join(tmp, name), display_name)
        return KernelSpecManager().install_kernel_spec(src, kernel_name=name, user=user,
                                                       prefix=prefix)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m cellax_kernel install",
        description="Install the cellax Jupyter kernelspec (runs this Python interpreter).")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--user", action="store_true",
                       help="install for the current user (~/.local/share/jupyter)")
    where.add_argument("--sys-prefix", action="store_true",
                       help=f"install into this environment ({sys.prefix})")
    where.add_argument("--prefix", metavar="P", help="install under prefix P")
    parser.add_argument("--name", default=KERNEL_NAME, help="kernelspec name (default: cellax)")
    parser.add_argument("--display-name", default=DISPLAY_NAME,
                        help=f"name shown in the launcher (default: {DISPLAY_NAME!r})")
    args = parser.parse_args(argv)
    prefix = sys.prefix if args.sys_prefix else args.prefix
    dest = install(user=args.user, prefix=prefix, name=args.name,
                   display_name=args.display_name)
    print(f"Installed kernelspec {args.name} in {dest}")
    return 0
