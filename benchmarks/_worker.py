"""One benchmark process for one library: `python _worker.py cellax|jax --out FILE ...`.

Binds `jax`/`jnp` to the chosen library, runs the selected in-process workloads once
each (each takes its own inner samples) and writes {name: {"seconds": s} | {"skipped":
why} | {"error": message}} as JSON to --out. Started by run_all.py; never import cellax
and jax in one process.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from workloads import WORKLOADS, Bench  # noqa: E402


def _missing(module, requires) -> list[str]:
    missing = []
    for path in requires:
        obj = module
        for part in path.split("."):
            obj = getattr(obj, part, None)
            if obj is None:
                break
        if obj is None:
            missing.append(path)
    return missing


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("lib", choices=("cellax", "jax"))
    ap.add_argument("--out", required=True)
    ap.add_argument("--only", default="", help="comma-separated workload names")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--probe", action="store_true",
                    help="only report versions, the device and which workloads can run")
    args = ap.parse_args()

    if args.lib == "cellax":
        import cellax as jax
        import cellax.numpy as jnp
    else:
        import jax
        import jax.numpy as jnp

    if args.probe:
        info = {
            "version": getattr(jax, "__version__", "?"),
            "python": sys.version.split()[0],
            "backend": jax.default_backend(),
            "devices": [str(d) for d in jax.devices()],
            "missing": {w.name: _missing(jax, w.requires) for w in WORKLOADS},
        }
        with open(args.out, "w") as f:
            json.dump(info, f)
        return

    only = set(filter(None, args.only.split(",")))
    # First-use costs (client start, first compile, first eager op) belong to no workload.
    jax.jit(lambda x: x + 1)(jnp.ones(3)).block_until_ready()
    jnp.sin(jnp.ones(3)).block_until_ready()

    bench = Bench(jax, args.quick)
    results = {}
    for w in WORKLOADS:
        if w.process or (only and w.name not in only):
            continue
        missing = _missing(jax, w.requires)
        if missing:
            results[w.name] = {"skipped": f"{args.lib} has no {', '.join(missing)}"}
            continue
        t0 = time.perf_counter()
        try:
            results[w.name] = {"seconds": float(w.fn(jax, jnp, bench)),
                               "wall_s": time.perf_counter() - t0}
        except Exception as e:  # report, and keep measuring the rest
            first = (str(e).strip().splitlines() or [""])[0]
            results[w.name] = {"error": f"{type(e).__name__}: {first}"[:300]}
    with open(args.out, "w") as f:
        json.dump(results, f)


if __name__ == "__main__":
    main()
