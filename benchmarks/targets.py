"""Benchmark the size-independent frame bounds, strided layers and ReLU moments.

Run from the repository root (``randfb`` importable, e.g. ``PYTHONPATH=lib``)::

    python benchmarks/targets.py             # every workload below, a few minutes
    python benchmarks/targets.py --quick     # smaller sweeps, one round: a smoke test
    python benchmarks/targets.py --json targets.json

Workloads (see the table in benchmarks/README.md):

* ``randfb init --J 40 --T 1024 --N 1000000000`` and ``--N 1048576`` (default options:
  1000 draws and the search over J), each run as a child process: wall time
  (``time.perf_counter``) and peak resident memory (``resource.getrusage``).
* stride 4, N = 16000, J = 128, T = 512, 200 draws, and stride 4 on the paper's sweep
  (N = 1024, J = 40, T = 8..1024, 1000 draws per T): ``simulate_frame_bounds`` against
  the draws floor (the time to draw as many float32 normals as fast as NumPy can, see
  ``run.py``), and against the per-filter Gram path of this version (the cost rule
  switched off), with the largest relative difference of A and B between the two.
* ``relu_energy_moments`` at N = 22050 (a unit-energy Brownian walk), J = 10, T = 1024,
  against the previous implementation kept as the reference in
  ``tests/test_relu_fast.py``, with their relative difference; CPU time
  (``time.process_time``) as well as wall time, since the machine may be shared.
* stride-1 frame bounds at J = 40, T = 1024, 1000 draws, N = 2^20 and 10^9: the fine
  grid against the N-point FFT path (N = 2^20 only) and the largest relative
  difference of A and B.
* the thread-pool limit: entering and leaving ``threadpoolctl.threadpool_limits``
  against the package's reused controller.

Ratios are taken within one round (rounds interleave the implementations); the median
over rounds is reported with the range.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import draw_normals_floor  # noqa: E402


def _log(message=""):
    print(message, flush=True)


def _reference_relu():
    spec = importlib.util.spec_from_file_location("test_relu_fast",
                                                  ROOT / "tests" / "test_relu_fast.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.reference_variance_parts


def time_cli(argv, lib=ROOT / "lib"):
    """Wall seconds and peak RSS (MiB) of ``python -m randfb ARGV`` in a child process,
    with ``randfb`` imported from ``lib``."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(lib), env.get("PYTHONPATH")]))
    code = ("import resource, subprocess, sys, time\n"
            "t = time.perf_counter()\n"
            "r = subprocess.run([sys.executable, '-m', 'randfb', *sys.argv[1:]],"
            " capture_output=True, text=True)\n"
            "dt = time.perf_counter() - t\n"
            "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
            "print(r.returncode, dt, peak)\n"
            "sys.stderr.write(r.stdout[-400:] + r.stderr[-400:])\n")
    out = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True,
                         text=True, env=env, check=True)
    status, seconds, peak = out.stdout.split()
    if int(status) != 0:
        raise RuntimeError(f"randfb {' '.join(argv)} failed: {out.stderr}")
    return float(seconds), float(peak)


def best_of(rounds, functions):
    """Interleaved rounds; returns per-name lists of times (seconds)."""
    times = {name: [] for name in functions}
    for _ in range(rounds):
        for name, f in functions.items():
            start = time.perf_counter()
            f()
            times[name].append(time.perf_counter() - start)
    return times


def ratio_summary(times, numerator, denominator):
    """The median over rounds of the ratio within each round, and its range."""
    ratios = [a / b for a, b in zip(times[numerator], times[denominator], strict=True)]
    return {"best": min(times[numerator]), "ratio": float(np.median(ratios)),
            "ratio_range": [min(ratios), max(ratios)]}


def strided_workload(randfb, frames, cases, rounds):
    """``simulate_frame_bounds`` at stride 4 against the floor and the Gram path."""
    def run(use_correlation):
        saved = frames._use_correlation
        if not use_correlation:
            frames._use_correlation = lambda *args: False
        try:
            return [randfb.simulate_frame_bounds(N, J, T, n, stride=4, rng=k)
                    for k, (N, J, T, n) in enumerate(cases)]
        finally:
            frames._use_correlation = saved

    times = best_of(rounds, {
        "floor": lambda: draw_normals_floor(sum(n * J * T for N, J, T, n in cases), 0),
        "randfb": lambda: run(True),
        "gram path": lambda: run(False),
    })
    new, old = run(True), run(False)
    diff = max(float(np.max(np.abs(a - b) / b.max()))
               for pair_new, pair_old in zip(new, old, strict=True)
               for a, b in zip(pair_new, pair_old, strict=True))
    return {"floor": min(times["floor"]),
            "randfb / floor": ratio_summary(times, "randfb", "floor"),
            "gram path / floor": ratio_summary(times, "gram path", "floor"),
            "max relative difference": diff}


def stride1_workload(randfb, frames, n_draws, rounds):
    out = {}
    for N in (2**20, 10**9):
        functions = {"fine grid": lambda N=N: randfb.simulate_frame_bounds(
            N, 40, 1024, n_draws, rng=0, dtype=np.float64)}
        if N <= 2**20:
            def fft(N=N):
                saved = frames.use_fine_grid
                frames.use_fine_grid = lambda T, N: False
                try:
                    return randfb.simulate_frame_bounds(N, 40, 1024, n_draws, rng=0,
                                                        dtype=np.float64)
                finally:
                    frames.use_fine_grid = saved
            functions["N-point FFT"] = fft
        times = best_of(rounds, functions)
        entry = {name: min(t) for name, t in times.items()}
        if "N-point FFT" in functions:
            (A, B), (A0, B0) = functions["fine grid"](), functions["N-point FFT"]()
            entry["max relative difference"] = float(max(np.max(np.abs(A - A0) / B0),
                                                         np.max(np.abs(B - B0) / B0)))
            entry["FFT / fine grid"] = ratio_summary(times, "N-point FFT", "fine grid")
        out[str(N)] = entry
    return out


def relu_workload(randfb, rounds):
    reference = _reference_relu()
    x = randfb.brownian_noise(22050, rng=0)
    x = x / np.linalg.norm(x)
    J, T = 10, 1024
    wall = {"randfb": [], "reference": []}
    cpu = {"randfb": [], "reference": []}
    results = {}
    for _ in range(rounds):
        for name, f in (("randfb", lambda: randfb.relu_variance_parts(x, J, T)),
                        ("reference", lambda: reference(x, J, T))):
            w0, c0 = time.perf_counter(), time.process_time()
            results[name] = f()
            wall[name].append(time.perf_counter() - w0)
            cpu[name].append(time.process_time() - c0)
    diff = max(abs(a / b - 1) for a, b in zip(results["randfb"], results["reference"],
                                               strict=True))
    return {"wall": ratio_summary(wall, "reference", "randfb"),
            "cpu": ratio_summary(cpu, "reference", "randfb"),
            "randfb wall best": min(wall["randfb"]), "randfb cpu best": min(cpu["randfb"]),
            "max relative difference": diff}


def threadpool_workload():
    import timeit

    from threadpoolctl import threadpool_limits

    from randfb._threads import single_blas_thread

    def per_call():
        with threadpool_limits(limits=1, user_api="blas"):
            pass

    def reused():
        with single_blas_thread():
            pass

    reused()
    n = 200
    return {"threadpool_limits ms": min(timeit.repeat(per_call, number=n, repeat=3)) / n * 1e3,
            "reused controller ms": min(timeit.repeat(reused, number=n, repeat=3)) / n * 1e3}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="fewer draws, one round (a smoke test)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--baseline-lib", type=Path,
                        help="the lib/ folder of another checkout (e.g. the previous "
                             "release): its `randfb init` at N = 2^20 is timed in the "
                             "same run, for a ratio")
    args = parser.parse_args(argv)
    rounds = 1 if args.quick else args.rounds
    sys.path.insert(0, str(ROOT / "lib"))
    import randfb
    import randfb.frames as frames
    from randfb.relu import relu_variance_parts
    randfb.relu_variance_parts = relu_variance_parts

    _log(f"randfb from {randfb.__file__}; load average {os.getloadavg()}")
    results = {"load_before": os.getloadavg()}
    draws = 100 if args.quick else 1000
    for N in (10**9, 2**20):
        argv_cli = ["init", "--J", "40", "--T", "1024", "--N", str(N)]
        if args.quick:
            argv_cli += ["--draws", "100", "--search-draws", "20"]
        seconds, peak = time_cli(argv_cli)
        entry = {"seconds": seconds, "peak_MiB": peak}
        _log(f"randfb {' '.join(argv_cli)}: {seconds:.1f} s, peak {peak:.0f} MiB")
        if args.baseline_lib and N <= 2**20:
            base, base_peak = time_cli(argv_cli, args.baseline_lib.resolve())
            entry.update(baseline_seconds=base, baseline_peak_MiB=base_peak)
            _log(f"  baseline ({args.baseline_lib}): {base:.1f} s, peak {base_peak:.0f} MiB,"
                 f" {base / seconds:.1f}x the time")
        results[f"randfb {' '.join(argv_cli)}"] = entry
    crepe = [(16000, 128, 512, 20 if args.quick else 200)]
    sweep = [(1024, 40, 2**k, draws) for k in range(3, 11)]
    for name, cases in (("stride 4, N = 16000, J = 128, T = 512", crepe),
                        ("stride 4, paper sweep", sweep)):
        r = strided_workload(randfb, frames, cases, rounds)
        results[name] = r
        _log(f"{name}: randfb {r['randfb / floor']['ratio']:.2f}x the draws floor "
             f"(rounds {r['randfb / floor']['ratio_range'][0]:.2f}-"
             f"{r['randfb / floor']['ratio_range'][1]:.2f}), Gram path "
             f"{r['gram path / floor']['ratio']:.2f}x; floor {r['floor']:.2f} s; "
             f"max rel. difference {r['max relative difference']:.1e}")
    r = stride1_workload(randfb, frames, draws, rounds)
    results["stride 1, J = 40, T = 1024"] = r
    for N, entry in r.items():
        _log(f"stride 1, N = {N}: " + ", ".join(
            f"{k} {v:.2f} s" for k, v in entry.items() if isinstance(v, float)
            and k != "max relative difference")
            + (f"; FFT / fine grid {entry['FFT / fine grid']['ratio']:.1f}x, max rel. "
               f"difference {entry['max relative difference']:.1e}"
               if "FFT / fine grid" in entry else ""))
    if not args.quick:
        r = relu_workload(randfb, max(1, rounds - 1))
        results["ReLU moments N = 22050, T = 1024"] = r
        _log(f"ReLU moments: randfb {r['randfb wall best']:.2f} s wall, "
             f"{r['randfb cpu best']:.2f} s CPU; reference / randfb {r['wall']['ratio']:.2f}x"
             f" (wall), {r['cpu']['ratio']:.2f}x (CPU); max rel. difference "
             f"{r['max relative difference']:.1e}")
    r = threadpool_workload()
    results["thread-pool limit"] = r
    _log(f"thread-pool limit: threadpool_limits {r['threadpool_limits ms']:.3f} ms, "
         f"reused controller {r['reused controller ms']:.3f} ms per enter/exit")
    results["load_after"] = os.getloadavg()
    _log(f"load average after: {results['load_after']}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
