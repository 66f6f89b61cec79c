"""Side-by-side timings: cellax vs the reference JAX on the same workloads.

    python benchmarks/run_all.py                 # full run (a few minutes at most)
    python benchmarks/run_all.py --quick         # fewer rounds and samples
    python benchmarks/run_all.py --json out.json --only jit_dispatch,eager_sin
    make bench

Each library runs in its own subprocesses (`_worker.py`), never together: the workloads
in `workloads.py` are written once against `jax`/`jnp`, bound to cellax or to JAX. The
two libraries' processes alternate (cellax first on even rounds, JAX first on odd) and
each reported number is the median over rounds of a per-process median, because this
small shared machine is noisy. Both sides get the same environment: JAX_PLATFORMS=cpu,
TF_CPP_MIN_LOG_LEVEL=1, and no OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE (they slow numpy).
The ratio is cellax/JAX; at or below the target is "ok".
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from workloads import WORKLOADS  # noqa: E402  (imports neither library)

LIBS = ("cellax", "jax")
WORKER = os.path.join(HERE, "_worker.py")


def bench_env() -> dict:
    env = dict(os.environ)
    env["JAX_PLATFORMS"] = "cpu"
    env["TF_CPP_MIN_LOG_LEVEL"] = "1"
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        env.pop(var, None)
    return env


def default_python() -> str:
    venv = os.path.join(REPO, ".venv", "bin", "python")
    return venv if os.path.exists(venv) else sys.executable


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def run_worker(python, env, lib, extra, timeout=300) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out.json")
        proc = subprocess.run([python, WORKER, lib, "--out", out, *extra], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              timeout=timeout)
        if proc.returncode != 0 or not os.path.exists(out):
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
            raise RuntimeError(f"{lib} worker exited {proc.returncode}:\n  " + "\n  ".join(tail))
        with open(out) as f:
            return json.load(f)


def time_process(python, env, code) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run([python, "-c", code], env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    dt = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"`python -c {code!r}` failed: {proc.stderr.strip()[-300:]}")
    return dt


def spread(s) -> float | None:
    """Interquartile range over median: how much the rounds disagreed."""
    if len(s) < 3:
        return None
    q = statistics.quantiles(s, n=4, method="inclusive")
    return (q[2] - q[0]) / statistics.median(s)


def fmt_time(s) -> str:
    if s is None:
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if s >= scale:
            break
    else:
        unit, scale = "ns", 1e-9
    return f"{s / scale:.3g} {unit}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer rounds and samples")
    ap.add_argument("--json", metavar="PATH", help="write the results as JSON")
    ap.add_argument("--rounds", type=int, help="alternating process rounds per library")
    ap.add_argument("--only", default="", help="comma-separated workload names")
    ap.add_argument("--python", default=default_python(), help="interpreter for both sides")
    ap.add_argument("--list", action="store_true", help="list the workloads and exit")
    args = ap.parse_args()

    if args.list:
        for w in WORKLOADS:
            print(f"{w.name:22} {w.title}{'  (later issues)' if w.later else ''}")
        return 0
    only = set(filter(None, args.only.split(",")))
    unknown = only - {w.name for w in WORKLOADS}
    if unknown:
        ap.error(f"unknown workloads: {', '.join(sorted(unknown))} (see --list)")
    selected = [w for w in WORKLOADS if not only or w.name in only]
    selected.sort(key=lambda w: w.later)  # stable: "(later issues)" go last
    rounds = args.rounds or (3 if args.quick else 9)
    import_rounds = max(rounds, 4 if args.quick else 10)
    env = bench_env()
    py = args.python
    started = time.perf_counter()
    load_start = os.getloadavg()[0]

    # The probes also warm the file cache and the bytecode before imports are timed.
    log("probing both libraries ...")
    probe = {lib: run_worker(py, env, lib, ["--probe"]) for lib in LIBS}
    for lib in LIBS:
        log(f"  {lib} {probe[lib]['version']} on {probe[lib]['backend']}: "
            f"{', '.join(probe[lib]['devices'])}")

    samples = {w.name: {lib: [] for lib in LIBS} for w in selected}
    errors: dict = {}
    skipped: dict = {}
    runnable = []
    for w in selected:
        missing = {lib: probe[lib]["missing"].get(w.name) or [] for lib in LIBS}
        if any(missing.values()):
            lib = "cellax" if missing["cellax"] else "jax"
            skipped[w.name] = f"skipped: {lib} has no {', '.join(missing[lib])}"
        else:
            runnable.append(w)

    # Process workloads: fresh interpreters, rotated so no library always goes first.
    for w in (w for w in runnable if w.process):
        log(f"{w.name}: {import_rounds} rounds of fresh interpreters ...")
        base = []
        progs = [("base", "pass")] + [(lib, w.fn(lib)) for lib in LIBS]
        try:
            for _ in range(2):  # warm-up, untimed
                for _, code in progs:
                    time_process(py, env, code)
            for r in range(import_rounds):
                k = r % len(progs)
                for who, code in progs[k:] + progs[:k]:
                    dt = time_process(py, env, code)
                    (base if who == "base" else samples[w.name][who]).append(dt)
        except RuntimeError as e:
            errors[w.name] = str(e)
            samples[w.name] = {lib: [] for lib in LIBS}
            continue
        b = statistics.median(base)
        for lib in LIBS:
            samples[w.name][lib] = [max(t - b, 0.0) for t in samples[w.name][lib]]

    # In-process workloads: one worker per library per round, alternating.
    names = [w.name for w in runnable if not w.process]
    if names:
        extra = ["--only", ",".join(names)] + (["--quick"] if args.quick else [])
        for r in range(rounds):
            order = LIBS if r % 2 == 0 else LIBS[::-1]
            took = []
            for lib in order:
                t0 = time.perf_counter()
                try:
                    res = run_worker(py, env, lib, extra)
                except (RuntimeError, subprocess.TimeoutExpired) as e:
                    log(f"  round {r + 1}: {e}")
                    res = {n: {"error": "worker failed (see log)"} for n in names}
                took.append(f"{lib} {time.perf_counter() - t0:.1f}s")
                for n in names:  # one entry per round, None when missing: rounds pair up
                    v = res.get(n, {})
                    samples[n][lib].append(v.get("seconds"))
                    if "error" in v:
                        errors.setdefault(n, f"{lib}: {v['error']}")
                    elif "skipped" in v:
                        skipped.setdefault(n, f"skipped: {v['skipped']}")
            log(f"round {r + 1}/{rounds}: {', '.join(took)}")

    rows = []
    for w in selected:
        row = {"name": w.name, "title": w.title, "target": w.target, "later": w.later}
        got = {lib: [t for t in samples[w.name][lib] if t is not None] for lib in LIBS}
        for lib in LIBS:
            row[lib] = {"median_s": statistics.median(got[lib]) if got[lib] else None,
                        "samples_s": samples[w.name][lib]}  # per round, None if missing
        c, j = row["cellax"]["median_s"], row["jax"]["median_s"]
        spreads = [v for v in (spread(got[lib]) for lib in LIBS) if v is not None]
        row["spread"] = max(spreads, default=None)
        row["ratio"] = c / j if c is not None and j else None
        # Same-round pairs ran back to back, under the same load: their ratios are steadier.
        pairs = [a / b for a, b in zip(samples[w.name]["cellax"], samples[w.name]["jax"])
                 if a is not None and b]
        row["paired_ratio"] = statistics.median(pairs) if pairs else None
        row["meets_target"] = None if row["ratio"] is None else row["ratio"] <= w.target
        row["note"] = errors.get(w.name) or skipped.get(w.name)
        rows.append(row)

    elapsed = time.perf_counter() - started
    load = (load_start, os.getloadavg()[0])
    print_table(rows, probe, rounds, import_rounds, args.quick, elapsed, load)
    if args.json:
        meta = {"cellax_version": probe["cellax"]["version"],
                "jax_version": probe["jax"]["version"],
                "backend": {lib: probe[lib]["backend"] for lib in LIBS},
                "devices": probe["jax"]["devices"], "python": py,
                "python_version": probe["jax"]["python"], "cpus": os.cpu_count(),
                "rounds": rounds, "import_rounds": import_rounds, "quick": args.quick,
                "elapsed_s": elapsed, "loadavg_start_end": load,
                "time": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        with open(args.json, "w") as f:
            json.dump({"meta": meta, "results": rows}, f, indent=2)
        log(f"wrote {args.json}")
    return 0


def print_table(rows, probe, rounds, import_rounds, quick, elapsed, load) -> None:
    print(f"\ncellax {probe['cellax']['version']} vs jax {probe['jax']['version']} "
          f"({probe['jax']['backend']}, {os.cpu_count()} cores), "
          f"medians of {rounds} alternating process rounds"
          f" ({import_rounds} for imports){', quick' if quick else ''}; {elapsed:.0f}s")
    busy = max(load) > 1.5 * (os.cpu_count() or 1)
    print(f"load average {load[0]:.1f} at start, {load[1]:.1f} at end"
          + (": the machine was busy, expect noise (see spread)" if busy else "") + "\n")
    tw = max(len(r["title"]) for r in rows)
    head = (f"{'workload':<{tw}}  {'cellax':>9}  {'jax':>9}  {'cellax/jax':>10}  "
            f"{'target':>7}  {'':4}  {'paired':>6}  {'spread':>6}")
    print(head)
    print("-" * len(head))
    later_shown = False
    for r in rows:
        if r["later"] and not later_shown:
            print("(later issues)")
            later_shown = True
        ratio = "-" if r["ratio"] is None else f"{r['ratio']:.2f}"
        verdict = "" if r["ratio"] is None else ("ok" if r["meets_target"] else "OVER")
        spr = "" if r.get("spread") is None else f"{100 * r['spread']:.0f}%"
        paired = "" if r.get("paired_ratio") is None else f"{r['paired_ratio']:.2f}"
        line = (f"{r['title']:<{tw}}  {fmt_time(r['cellax']['median_s']):>9}  "
                f"{fmt_time(r['jax']['median_s']):>9}  {ratio:>10}  "
                f"{'<=' + format(r['target'], '.2f'):>7}  {verdict:4}  {paired:>6}  {spr:>6}")
        if r["note"]:
            line = line.rstrip() + "  " + r["note"]
        print(line.rstrip())
    print("\ncellax/jax = median cellax time / median JAX time (OVER: above target). "
          "paired = median over rounds\nof the same round's cellax/jax (steadier on a busy "
          "machine). spread = interquartile range / median\nover rounds, worse of the two "
          "libraries.\n")


if __name__ == "__main__":
    sys.exit(main())
