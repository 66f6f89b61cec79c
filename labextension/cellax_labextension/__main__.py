"""`python -m cellax_labextension install [--sys-prefix|--user|--prefix P] [--symlink]`:
put the prebuilt extension where JupyterLab looks for prebuilt extensions
(`<prefix>/share/jupyter/labextensions/cellax-labextension`)."""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys

from . import NAME, STATIC


def target_dir(user: bool = False, prefix: str | None = None) -> str:
    if user:
        from jupyter_core.paths import jupyter_data_dir

        base = jupyter_data_dir()
    else:
        base = os.path.join(prefix or sys.prefix, "share", "jupyter")
    return os.path.join(base, "labextensions", NAME)


def install(user: bool = False, prefix: str | None = None, symlink: bool = False) -> str:
    if not os.path.isfile(os.path.join(STATIC, "package.json")):
        raise SystemExit(f"{STATIC} holds no built extension; build it first "
                         "(see labextension/README.md)")
    dest = target_dir(user, prefix)
    if os.path.islink(dest) or os.path.isfile(dest):
        os.remove(dest)
    elif os.path.isdir(dest):
        shutil.rmtree(dest)  # old builds leave stale hashed chunks behind
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    if symlink:
        os.symlink(STATIC, dest)
    else:
        shutil.copytree(STATIC, dest)
        # install.json tells `jupyter labextension list` which Python package owns it.
        with open(os.path.join(dest, "install.json"), "w") as f:
            json.dump({"packageManager": "python", "packageName": "cellax",
                       "uninstallInstructions": f"Remove {dest} (or pip uninstall cellax)"},
                      f, indent=1)
    return dest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cellax_labextension")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("install", help="install the prebuilt JupyterLab extension")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--sys-prefix", action="store_true",
                       help=f"into this environment ({sys.prefix}); the default")
    where.add_argument("--user", action="store_true", help="into the user's Jupyter data dir")
    where.add_argument("--prefix", metavar="P", help="under prefix P")
    p.add_argument("--symlink", action="store_true",
                   help="link instead of copying (for rebuilding the extension in place)")
    args = parser.parse_args(argv)
    dest = install(user=args.user, prefix=args.prefix, symlink=args.symlink)
    print(f"Installed {NAME} in {dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
