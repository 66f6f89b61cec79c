"""How much of the reference JAX's public API cellax has, per namespace.

    python benchmarks/api_coverage.py [--missing] [--json PATH]

Lists the public names of each JAX namespace in a subprocess (jax and cellax must not
share a process), checks which exist in the matching cellax namespace, and prints the
counts and percentages against the targets of the breadth issue.
"""
from __future__ import annotations

import argparse
import importlib
import json
import os
import subprocess
import sys

# namespace (as in jax) -> target fraction
TARGETS = {
    "numpy": 0.90, "numpy.linalg": 0.90, "numpy.fft": 0.90, "nn": 0.90, "random": 0.90,
    "scipy.special": 0.90, "lax": 0.60,
    "scipy.linalg": 0.80,  # beyond the breadth issue's list; tracked all the same
}

_LIST_JAX = """
import importlib, json, sys
out = {}
for ns in sys.argv[1:]:
    mod = importlib.import_module("jax." + ns)
    out[ns] = sorted(n for n in dir(mod) if not n.startswith("_"))
print(json.dumps(out))
"""


def jax_names(namespaces) -> dict[str, list[str]]:
    env = dict(os.environ, JAX_PLATFORMS="cpu", TF_CPP_MIN_LOG_LEVEL="1")
    proc = subprocess.run([sys.executable, "-c", _LIST_JAX, *namespaces], capture_output=True,
                          text=True, env=env, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def cellax_namespace(ns: str):
    try:
        return importlib.import_module("cellax." + ns)
    except ImportError:
        return None


def coverage(namespaces=tuple(TARGETS)) -> dict[str, dict]:
    ref = jax_names(namespaces)
    result = {}
    for ns in namespaces:
        mod = cellax_namespace(ns)
        names = ref[ns]
        have = [n for n in names if mod is not None and hasattr(mod, n)]
        result[ns] = {"have": len(have), "total": len(names),
                      "fraction": len(have) / len(names) if names else 1.0,
                      "target": TARGETS.get(ns),
                      "missing": sorted(set(names) - set(have))}
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--missing", action="store_true", help="list the missing names")
    parser.add_argument("--json", help="write the results to this file")
    args = parser.parse_args(argv)
    res = coverage()
    print(f"{'namespace':<16}{'cellax':>8}{'jax':>8}{'coverage':>10}{'target':>9}")
    for ns, r in res.items():
        ok = "ok" if r["target"] is None or r["fraction"] >= r["target"] else "BELOW"
        print(f"{ns:<16}{r['have']:>8}{r['total']:>8}{r['fraction']:>9.0%}"
              f"{r['target']:>9.0%}  {ok}")
        if args.missing and r["missing"]:
            print("    missing: " + ", ".join(r["missing"]))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
