"""Benchmark randfb's simulators against the per-draw, per-filter baselines.

Run from the repository root::

    python benchmarks/run.py            # the paper's workloads, a few minutes
    python benchmarks/run.py --quick    # fewer draws, one repeat: a smoke test

Workloads (the paper's, see benchmarks/README.md):

* frame bounds, N = 1024, J = 40, T = 2^3 .. 2^10, 1000 draws per T:
  ``baseline.simulate_frame_bounds_loop`` against ``randfb.simulate_frame_bounds``
  (target: at least 3x faster), and the floor: drawing the same number of Gaussian
  normals as fast as NumPy can (float32, two threads with independent generators).
* energy of a unit-energy Brownian walk of N = 22050 samples, J = 10, T = 2^3 .. 2^10,
  1000 draws per T: ``baseline.simulate_energy_loop`` against
  ``randfb.simulate_energy(method="spectral")`` (target: at least 100x) and
  ``method="convolution"``.

All timings run in this one process (``time.perf_counter``), interleaved round by round
so that the load from other work on the machine hits every implementation alike. Peak
memory is measured separately: each implementation runs its whole sweep once more in a
fresh child process, which reports its own peak resident set size (Linux ``VmHWM``).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import baseline  # noqa: E402

REQUIRED = ("simulate_frame_bounds", "simulate_energy", "brownian_noise")

FRAME_N, FRAME_J = 1024, 40
ENERGY_N, ENERGY_J = 22050, 10
FRAME_TARGET = 3.0  # issue: randfb.simulate_frame_bounds at least 3x the baseline
SPECTRAL_TARGET = 100.0  # issue: simulate_energy(method="spectral") at least 100x
Z_TOLERANCE = 5.0  # agreement of means: |difference| within 5 standard errors


# --------------------------------------------------------------------------- helpers


def _log(message: str = "", end: str = "\n") -> None:
    print(message, end=end, flush=True)


def _rng(seed: int, *tags: int) -> np.random.Generator:
    """An independent generator for each (implementation, T), reproducible from ``seed``."""
    return np.random.default_rng([seed, *tags])


def _peak_rss_mib() -> float:
    """Peak resident set size of this process so far, in MiB.

    On Linux this is ``VmHWM`` from ``/proc/self/status``: the high-water mark of this
    process's own address space. ``getrusage(RUSAGE_SELF).ru_maxrss`` is not used there
    because a child started by ``subprocess`` inherits the parent's peak at ``exec`` (the
    kernel carries the pre-exec high-water mark over), so every child would report at
    least the parent's peak. Elsewhere ``ru_maxrss`` is the fallback.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20


def draw_normals_floor(n_total: int, seed: int, n_threads: int = 2, chunk: int = 2**16) -> None:
    """Draw ``n_total`` standard normals as fast as NumPy can, and throw them away.

    float32, ``Generator.standard_normal(out=..., dtype=np.float32)`` into a small
    reused buffer (it stays in cache), one thread per core, each thread with its own
    generator spawned from one ``SeedSequence`` (NumPy's recipe for multithreaded
    generation). This is the floor: no simulator that draws the Gaussian weights can
    be faster.
    """
    generators = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(n_threads)]
    counts = [n_total // n_threads + (i < n_total % n_threads) for i in range(n_threads)]

    def fill(generator: np.random.Generator, count: int) -> None:
        buffer = np.empty(min(chunk, max(count, 1)), dtype=np.float32)
        done = 0
        while done < count:
            m = min(chunk, count - done)
            generator.standard_normal(out=buffer[:m], dtype=np.float32)
            done += m

    with ThreadPoolExecutor(n_threads) as pool:
        list(pool.map(fill, generators, counts))


def draw_normals_float64(n_total: int, seed: int, chunk: int = 2**16) -> None:
    """Draw ``n_total`` float64 normals in one thread (what the baseline draws), for context."""
    generator = np.random.default_rng(seed)
    buffer = np.empty(chunk)
    done = 0
    while done < n_total:
        m = min(chunk, n_total - done)
        generator.standard_normal(out=buffer[:m])
        done += m


# ------------------------------------------------------------------------ workloads


@dataclass
class Sweep:
    """One implementation run over all T of a workload."""

    name: str
    run_one: Callable[[int, np.random.Generator, np.ndarray], object]  # (T, rng, x) -> result
    tag: int  # seeds the generators, distinct per implementation
    per_T: bool = True  # False: one call for the whole sweep (the floors)
    times: list[list[float]] = field(default_factory=list)  # [repeat][T]
    results: dict[int, object] = field(default_factory=dict)  # from the first repeat

    def totals(self) -> list[float]:
        return [sum(t) for t in self.times]


def energy_signal(randfb, seed: int, round_index: int) -> np.ndarray:
    """The unit-energy Brownian walk of the energy workload, a fresh one for each round.

    randfb caches the eigenvalues of ``Q_T`` per signal and ``T``; a new signal in every
    round makes every timing of ``method="spectral"`` pay for them, as a first call does.
    """
    return randfb.brownian_noise(ENERGY_N, rng=np.random.default_rng([seed, 100, round_index]))


def build_sweeps(randfb, args, Ts: list[int]) -> dict[str, Sweep]:
    draws = args.draws
    n_normals = sum(draws * FRAME_J * T for T in Ts)
    return {
        "frame_baseline": Sweep(
            "baseline (loop)",
            lambda T, rng, x: baseline.simulate_frame_bounds_loop(
                FRAME_N, FRAME_J, T, draws, rng=rng
            ),
            tag=1,
        ),
        "frame_randfb": Sweep(
            "randfb.simulate_frame_bounds",
            lambda T, rng, x: randfb.simulate_frame_bounds(FRAME_N, FRAME_J, T, draws, rng=rng),
            tag=2,
        ),
        "frame_floor": Sweep(
            f"floor: {n_normals / 1e6:.1f} M float32 normals, 2 threads",
            lambda T, rng, x: draw_normals_floor(n_normals, seed=args.seed),
            tag=3,
            per_T=False,
        ),
        "frame_draws64": Sweep(
            f"context: {n_normals / 1e6:.1f} M float64 normals, 1 thread",
            lambda T, rng, x: draw_normals_float64(n_normals, seed=args.seed),
            tag=4,
            per_T=False,
        ),
        "energy_baseline": Sweep(
            "baseline (loop)",
            lambda T, rng, x: baseline.simulate_energy_loop(x, ENERGY_J, T, draws, rng=rng),
            tag=5,
        ),
        "energy_spectral": Sweep(
            'randfb.simulate_energy(method="spectral")',
            lambda T, rng, x: randfb.simulate_energy(
                x, ENERGY_J, T, draws, rng=rng, method="spectral"
            ),
            tag=6,
        ),
        "energy_convolution": Sweep(
            'randfb.simulate_energy(method="convolution")',
            lambda T, rng, x: randfb.simulate_energy(
                x, ENERGY_J, T, draws, rng=rng, method="convolution"
            ),
            tag=7,
        ),
    }


def run_sweep(sweep: Sweep, Ts: list[int], seed: int, x: np.ndarray, label: str) -> float:
    """Time one pass of ``sweep`` over ``Ts`` (each T timed alone); print progress."""
    first = not sweep.times
    _log(f"  {label:<58}", end="")
    times = []
    if sweep.per_T:
        for T in Ts:
            rng = _rng(seed, sweep.tag, T)
            start = time.perf_counter()
            result = sweep.run_one(T, rng, x)
            times.append(time.perf_counter() - start)
            if first:
                sweep.results[T] = result
            _log(f" T={T}:{times[-1]:.2f}s", end="")
    else:
        start = time.perf_counter()
        sweep.run_one(0, None, x)
        times.append(time.perf_counter() - start)
    sweep.times.append(times)
    _log(f"  total {sum(times):.2f} s")
    return sum(times)


def time_all(randfb, sweeps: dict[str, Sweep], Ts: list[int], args) -> np.ndarray:
    """Interleave the repeats: round r runs every implementation once, in the same order.

    Returns the energy workload's signal of the first round (the one the results kept
    for the agreement check were computed on).
    """
    for r in range(args.repeats):
        _log(f"round {r + 1}/{args.repeats}")
        x = energy_signal(randfb, args.seed, r)
        if r == 0:
            first_signal = x
        for key, sweep in sweeps.items():
            group = "frame bounds" if key.startswith("frame") else "energy"
            run_sweep(sweep, Ts, args.seed, x, f"[{group}] {sweep.name}")
    return first_signal


# ------------------------------------------------------------------------ agreement


def _z(a: np.ndarray, b: np.ndarray) -> float:
    """Difference of sample means in units of its standard error."""
    se = np.sqrt(np.var(a, ddof=1) / len(a) + np.var(b, ddof=1) / len(b))
    return float((np.mean(a) - np.mean(b)) / se) if se > 0 else 0.0


def check_agreement(randfb, sweeps: dict[str, Sweep], Ts: list[int], x: np.ndarray) -> dict:
    """Means of A, B (frame bounds) and of the energy agree across implementations."""
    rows = []
    base, fast = sweeps["frame_baseline"].results, sweeps["frame_randfb"].results
    _log(
        "\nAgreement of the simulations (first repeat; |z| < "
        f"{Z_TOLERANCE:g} standard errors passes)"
    )
    _log(
        f"  frame bounds  {'T':>5} {'mean A base':>12} {'mean A randfb':>14} {'z':>6}"
        f" {'mean B base':>12} {'mean B randfb':>14} {'z':>6}"
    )
    for T in Ts:
        (A0, B0), (A1, B1) = base[T], fast[T]
        A1, B1 = np.asarray(A1, dtype=np.float64), np.asarray(B1, dtype=np.float64)
        zA, zB = _z(A0, A1), _z(B0, B1)
        rows.append(
            {
                "workload": "frame bounds",
                "T": T,
                "mean_A": [A0.mean(), A1.mean()],
                "mean_B": [B0.mean(), B1.mean()],
                "z_A": zA,
                "z_B": zB,
                "ok": abs(zA) < Z_TOLERANCE and abs(zB) < Z_TOLERANCE and bool(np.all(A1 <= B1)),
            }
        )
        _log(
            f"  {'':13} {T:>5} {A0.mean():12.4f} {A1.mean():14.4f} {zA:6.2f}"
            f" {B0.mean():12.4f} {B1.mean():14.4f} {zB:6.2f}"
        )

    exact = hasattr(randfb, "energy_mean") and hasattr(randfb, "energy_variance")
    names = {
        "energy_baseline": "base",
        "energy_spectral": "spectral",
        "energy_convolution": "convol.",
    }
    header = "".join(f" {'mean ' + n:>14}" for n in names.values())
    _log(
        f"  energy        {'T':>5}{header} {'exact mean':>11} {'z spec-base':>12}"
        f" {'z conv-base':>12} {'max z vs exact':>15}"
    )
    for T in Ts:
        e = {k: np.asarray(sweeps[k].results[T], dtype=np.float64) for k in names}
        z_spec = _z(e["energy_spectral"], e["energy_baseline"])
        z_conv = _z(e["energy_convolution"], e["energy_baseline"])
        row = {
            "workload": "energy",
            "T": T,
            "means": {names[k]: float(v.mean()) for k, v in e.items()},
            "z_spectral_vs_baseline": z_spec,
            "z_convolution_vs_baseline": z_conv,
        }
        zs = [z_spec, z_conv]
        text = "".join(f" {v.mean():14.5f}" for v in e.values())
        if exact:
            mean = float(randfb.energy_mean(x, ENERGY_J, T))
            se = np.sqrt(float(randfb.energy_variance(x, ENERGY_J, T)) / len(e["energy_baseline"]))
            z_exact = [float((v.mean() - mean) / se) for v in e.values()]
            row.update(exact_mean=mean, z_vs_exact=z_exact)
            zs += z_exact
            text += f" {mean:11.5f} {z_spec:12.2f} {z_conv:12.2f} {max(map(abs, z_exact)):15.2f}"
        else:
            text += f" {'n/a':>11} {z_spec:12.2f} {z_conv:12.2f} {'n/a':>15}"
        row["ok"] = all(abs(z) < Z_TOLERANCE for z in zs)
        rows.append(row)
        _log(f"  {'':13} {T:>5}{text}")
    ok = all(r["ok"] for r in rows)
    _log(f"  => {'all agree' if ok else 'DISAGREEMENT: see the rows above'}")
    return {"ok": ok, "tolerance_z": Z_TOLERANCE, "rows": rows}


# --------------------------------------------------------------------------- memory


def probe_memory(key: str, args) -> None:
    """Child process: set up, run the sweep ``key`` once, print peak RSS as JSON."""
    randfb = _import_randfb()
    Ts = _Ts(args)
    x = energy_signal(randfb, args.seed, 0)
    sweep = build_sweeps(randfb, args, Ts)[key]
    before = _peak_rss_mib()
    for T in Ts if sweep.per_T else [0]:
        sweep.run_one(T, _rng(args.seed, sweep.tag, T), x)
    print(json.dumps({"key": key, "setup_mib": before, "peak_mib": _peak_rss_mib()}))


def measure_memory(keys: list[str], args) -> dict[str, dict]:
    """Run each sweep once in its own child process and collect its peak RSS."""
    out = {}
    _log("\nPeak memory: each sweep once more, each in its own process")
    for key in keys:
        _log(f"  {key:<20}", end="")
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--probe-memory",
            key,
            "--draws",
            str(args.draws),
            "--t-max",
            str(args.t_max),
            "--seed",
            str(args.seed),
        ]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            _log(f" failed (exit {done.returncode}): {done.stderr.strip()[-300:]}")
            out[key] = {"error": done.stderr.strip()[-2000:]}
            continue
        out[key] = json.loads(done.stdout.strip().splitlines()[-1])
        _log(
            f" peak {out[key]['peak_mib']:8.1f} MiB "
            f"(+{out[key]['peak_mib'] - out[key]['setup_mib']:.1f} over setup)"
        )
    return out


# ----------------------------------------------------------------------------- main


def _import_randfb():
    try:
        import randfb
    except ImportError as error:  # pragma: no cover - depends on the environment
        sys.exit(f"cannot import randfb ({error}); run `pip install -e .` from the repository root")
    missing = [name for name in REQUIRED if not hasattr(randfb, name)]
    if missing:
        sys.exit(f"randfb lacks {', '.join(missing)}: nothing to benchmark yet")
    return randfb


def _Ts(args) -> list[int]:
    return [2**k for k in range(3, int(np.log2(args.t_max)) + 1)]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke test: 100 draws per T and one repeat (unless given)",
    )
    parser.add_argument(
        "--draws",
        type=int,
        default=None,
        help="draws per T (default 1000, the paper's; 100 with --quick)",
    )
    parser.add_argument(
        "--t-max",
        type=int,
        default=1024,
        help="largest filter length, a power of two in 8..1024 (default 1024)",
    )
    parser.add_argument(
        "--repeats", type=int, default=None, help="timing rounds (default 3; 1 with --quick)"
    )
    parser.add_argument("--seed", type=int, default=20240, help="base seed (default 20240)")
    parser.add_argument(
        "--no-memory", action="store_true", help="skip the peak-memory child processes"
    )
    parser.add_argument(
        "--json",
        type=Path,
        default=None,
        metavar="PATH",
        help="also write all results to PATH as JSON",
    )
    parser.add_argument("--probe-memory", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.draws is None:
        args.draws = 100 if args.quick else 1000
    if args.repeats is None:
        args.repeats = 1 if args.quick else 3
    if args.draws < 2:
        parser.error(f"--draws must be at least 2, got {args.draws}")
    if args.repeats < 1:
        parser.error(f"--repeats must be at least 1, got {args.repeats}")
    if args.t_max not in [2**k for k in range(3, 11)]:
        parser.error(f"--t-max must be a power of two from 8 to 1024, got {args.t_max}")
    return args


def _fmt_ratio(r: float) -> str:
    return f"{r:.1f}x" if r < 100 else f"{r:.0f}x"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.probe_memory:
        probe_memory(args.probe_memory, args)
        return 0
    randfb = _import_randfb()
    Ts = _Ts(args)
    _log("randfb benchmark: randfb's simulators against a per-draw, per-filter loop")
    _log(
        f"  python {platform.python_version()}, numpy {np.__version__}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} (1 min)"
    )
    _log(
        f"  T = {Ts[0]}..{Ts[-1]}, {args.draws} draws per T, {args.repeats} "
        f"round(s), seed {args.seed}\n"
    )
    sweeps = build_sweeps(randfb, args, Ts)
    load_before = os.getloadavg()
    x = time_all(randfb, sweeps, Ts, args)
    load_after = os.getloadavg()
    agreement = check_agreement(randfb, sweeps, Ts, x)
    memory = (
        {}
        if args.no_memory
        else measure_memory(
            [
                "frame_baseline",
                "frame_randfb",
                "energy_baseline",
                "energy_spectral",
                "energy_convolution",
            ],
            args,
        )
    )

    best = {k: min(s.totals()) for k, s in sweeps.items()}
    median = {k: statistics.median(s.totals()) for k, s in sweeps.items()}
    rows = [
        ("frame bounds", "frame_baseline", "frame_randfb", FRAME_TARGET),
        ("energy, spectral", "energy_baseline", "energy_spectral", SPECTRAL_TARGET),
        ("energy, convolution", "energy_baseline", "energy_convolution", None),
    ]
    _log(
        f"\nResults (best of {args.repeats} round(s); {args.draws} draws per T, "
        f"T = {Ts[0]}..{Ts[-1]}; ratio = best baseline / best randfb)"
    )
    _log(
        f"  {'workload':<21} {'baseline s':>10} {'randfb s':>9} {'ratio':>7} "
        f"{'per round':>13} {'target':>8}  {'status':<8} {'peak MiB base/randfb':>20}"
    )
    summary = []
    for label, kb, kr, target in rows:
        ratio = best[kb] / best[kr]
        per_round = [b / r for b, r in zip(sweeps[kb].totals(), sweeps[kr].totals(), strict=True)]
        spread = f"{_fmt_ratio(min(per_round))}-{_fmt_ratio(max(per_round))}"
        status = "-" if target is None else ("met" if ratio >= target else "NOT MET")
        mem = "/".join(
            f"{memory[k]['peak_mib']:.0f}" if "peak_mib" in memory.get(k, {}) else "n/a"
            for k in (kb, kr)
        )
        _log(
            f"  {label:<21} {best[kb]:10.2f} {best[kr]:9.3f} {_fmt_ratio(ratio):>7} "
            f"{spread:>13} "
            f"{'-' if target is None else '>= ' + format(target, 'g') + 'x':>8}  "
            f"{status:<8} {mem:>20}"
        )
        summary.append(
            {
                "workload": label,
                "baseline_s": best[kb],
                "randfb_s": best[kr],
                "baseline_median_s": median[kb],
                "randfb_median_s": median[kr],
                "ratio": ratio,
                "ratio_of_medians": median[kb] / median[kr],
                "ratios_per_round": per_round,
                "target": target,
                "met": None if target is None else ratio >= target,
            }
        )
    floor_ratio = best["frame_randfb"] / best["frame_floor"]
    floor_rounds = [
        r / f
        for r, f in zip(
            sweeps["frame_randfb"].totals(), sweeps["frame_floor"].totals(), strict=True
        )
    ]
    _log(
        f"\n  {sweeps['frame_floor'].name}: {best['frame_floor']:.3f} s; "
        f"randfb.simulate_frame_bounds / floor = {floor_ratio:.2f} "
        f"(per round {min(floor_rounds):.2f}-{max(floor_rounds):.2f})"
    )
    _log(
        f"  {sweeps['frame_draws64'].name}: {best['frame_draws64']:.3f} s "
        f"({100 * best['frame_draws64'] / best['frame_baseline']:.0f} % of the frame-bound "
        "baseline)"
    )
    _log("\n  Per T (best of the rounds), seconds:")
    _log(
        f"  {'T':>6} {'frame base':>11} {'randfb':>8} {'ratio':>6}   {'energy base':>11} "
        f"{'spectral':>9} {'ratio':>6} {'convol.':>8} {'ratio':>6}"
    )
    per_T = []
    for i, T in enumerate(Ts):
        b = {k: min(t[i] for t in s.times) for k, s in sweeps.items() if s.per_T}
        per_T.append({"T": T, **b})
        _log(
            f"  {T:>6} {b['frame_baseline']:11.3f} {b['frame_randfb']:8.3f} "
            f"{b['frame_baseline'] / b['frame_randfb']:6.1f}   {b['energy_baseline']:11.3f} "
            f"{b['energy_spectral']:9.4f} {b['energy_baseline'] / b['energy_spectral']:6.0f} "
            f"{b['energy_convolution']:8.3f} "
            f"{b['energy_baseline'] / b['energy_convolution']:6.1f}"
        )
    _log(
        f"\n  load average (1 min) {load_before[0]:.2f} before, {load_after[0]:.2f} after the "
        "timings: higher load makes every time longer; compare the ratios."
    )
    _log(f"  peak RSS of this process: {_peak_rss_mib():.0f} MiB")
    _log(f"  statistical agreement: {'ok' if agreement['ok'] else 'FAILED'}")

    if args.json:
        report = {
            "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "python": platform.python_version(),
            "numpy": np.__version__,
            "cpu_count": os.cpu_count(),
            "argv": sys.argv[1:],
            "load_average": {"before": load_before, "after": load_after},
            "settings": {
                "draws": args.draws,
                "T": Ts,
                "repeats": args.repeats,
                "seed": args.seed,
                "frame": {"N": FRAME_N, "J": FRAME_J},
                "energy": {"N": ENERGY_N, "J": ENERGY_J},
            },
            "summary": summary,
            "floor": {
                "seconds": best["frame_floor"],
                "randfb_over_floor": floor_ratio,
                "randfb_over_floor_per_round": floor_rounds,
                "float64_one_thread_seconds": best["frame_draws64"],
            },
            "times": {
                k: {"name": s.name, "per_T": s.per_T, "seconds": s.times} for k, s in sweeps.items()
            },
            "per_T_best": per_T,
            "memory_mib": memory,
            "agreement": agreement,
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=1, default=float))
        _log(f"  wrote {args.json}")
    return 0 if agreement["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
