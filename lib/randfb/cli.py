"""``randfb``: the command-line stability calculator.

Two commands (``randfb --help``, ``randfb init --help``, ``randfb bounds --help``):

* ``randfb init --J 40 --T 1024 --N 1024``: frame bounds ``A``, ``B`` and condition number
  ``kappa = B / A`` of random Gaussian layers of that shape at the energy-preserving
  initialisation, the paper's prediction ``kappa_tilde``, and the smallest ``J`` whose mean
  ``kappa`` stays at or below ``--kappa``.
* ``randfb bounds weights.npy --N 1024``: the frame bounds and ``kappa`` of your own filters.

Tables by default, JSON with ``--json``; a progress bar on stderr when stderr is a terminal
(or with ``--progress``); bad input gives one line ``randfb: error: ...`` on stderr and exit
status 2. The computations live in :mod:`randfb.calculator`; this module parses, checks
and prints. Documented on the book page "A stability calculator".
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time

import numpy as np

from . import __version__
from ._validation import check_filter_shape, check_filters, check_stride
from .calculator import (
    FLOAT32_KAPPA_LIMIT,
    check_memory,
    estimate_filterbank_bounds,
    estimate_simulation,
    filterbank_bounds,
    first_J_with_finite_mean,
    format_bytes,
    format_seconds,
    kappa_moments,
    random_layer_summary,
    smallest_J_for_kappa,
)
from .weights import describe_weights, load_weights

PROG = "randfb"
#: Exit status for bad input (the argparse convention).
EXIT_USAGE = 2
#: Above this condition number, A is at round-off level relative to B.
NUMERICALLY_SINGULAR = 1e12
#: An estimated run time above this (seconds) is announced on stderr even without a bar.
ANNOUNCE_SECONDS = 30.0


class UsageError(Exception):
    """Bad input: reported as one line ``randfb: error: <message>`` with exit status 2."""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser that raises :class:`UsageError` instead of printing usage and exiting."""

    def error(self, message):
        raise UsageError(message)


# ------------------------------------------------------------------ argument types


def _integer(minimum, meaning):
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{meaning} must be an integer >= {minimum}, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(
                f"{meaning} must be an integer >= {minimum}, got {value}")
        return value

    return parse


def _kappa_target(text):
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 1):
        raise argparse.ArgumentTypeError(
            f"the target condition number must be a finite number > 1 (kappa = B / A is never "
            f"below 1), got {text!r}")
    return value


# ------------------------------------------------------------------ progress bar


class ProgressBar:
    """A one-line progress bar on stderr, usable as ``progress(done, total)``.

    ``transient=True`` erases the line when the task completes; otherwise it ends with a
    newline and stays.
    """

    WIDTH = 24

    def __init__(self, label, unit, *, transient=False):
        self.label, self.unit, self.transient = label, unit, transient
        self.start = time.perf_counter()
        self._last = -math.inf
        self._length = 0

    def __call__(self, done, total):
        now = time.perf_counter()
        finished = done >= total
        if 0 < done and not finished and now - self._last < 0.1:
            return
        self._last = now
        filled = int(self.WIDTH * done / total)
        elapsed = now - self.start
        left = (f", about {format_seconds(elapsed * (total - done) / done)} left"
                if 0 < done < total else "")
        line = (f"{self.label} [{'#' * filled}{'.' * (self.WIDTH - filled)}] "
                f"{done}/{total} {self.unit}, {elapsed:.1f} s{left}")
        stream = sys.stderr
        stream.write("\r" + line.ljust(self._length))
        self._length = max(self._length, len(line))
        if finished:
            stream.write("\r" + " " * self._length + "\r" if self.transient else "\n")
        stream.flush()


def _show_progress(args) -> bool:
    return sys.stderr.isatty() if args.progress is None else args.progress


# ------------------------------------------------------------------ formatting


def _fmt(x) -> str:
    """Four significant digits, trailing zeros kept (``3.000e+05`` next to ``2.227e+05``);
    an exact 0 as ``0``; ``inf`` and ``nan`` spelt out."""
    if x is None:
        return "-"
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf"
    if x == 0:
        return "0"
    return _significant(x, 4)


def _significant(x, digits) -> str:
    text = f"{x:#.{digits}g}"
    return text[:-1] if text.endswith(".") else text  # '1234.' -> '1234'


def _fmt_se(x) -> str:
    """A standard error to two significant digits, trailing zeros kept."""
    return _fmt(x) if not math.isfinite(x) or x == 0 else _significant(x, 2)


def _draws(n) -> str:
    return f"{n} draw" if n == 1 else f"{n} draws"


def _json_safe(obj):
    """Replace non-finite floats by None (strict JSON has no inf or NaN)."""
    if isinstance(obj, dict):
        return {k: _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_safe(v) for v in obj]
    if isinstance(obj, (float, np.floating)):
        return float(obj) if math.isfinite(obj) else None
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    return obj


def _print_json(payload, out):
    out.write(json.dumps(_json_safe(payload), indent=2, allow_nan=False) + "\n")


def _filters(J) -> str:
    return "filter" if J == 1 else "filters"


def _not_a_frame_reason(J, T, stride) -> str:
    """Why a layer of this shape can never be a frame ("" if it can)."""
    if J < stride:
        return f"J = {J} < stride = {stride}: fewer filters than the stride are never a frame"
    if T < stride:
        return (f"T = {T} < stride = {stride}: filters shorter than the stride never read "
                "some input samples")
    return ""


def _percent(fraction) -> str:
    return f"{100 * fraction:.3g} %"


# ------------------------------------------------------------------ randfb init


def _sigma_line(s) -> str:
    """What sigma = sqrt(d / (J T)) is: energy-preserving only when d divides T."""
    text = f"sigma = sqrt(stride / (J T)) = {_fmt(s.sigma)}"
    if s.energy_preserving:
        why = "" if s.stride == 1 else f", as the stride {s.stride} divides T = {s.T}"
        return (f"{text}, energy-preserving: E||Phi x||^2 = ||x||^2 for every x{why}")
    lo, hi = s.gain_range
    return (f"{text}, not energy-preserving for every x, as the stride {s.stride} does not "
            f"divide T = {s.T}: E||Phi x||^2 / ||x||^2 ranges over [{_fmt(lo)}, {_fmt(hi)}] "
            "(d n_c / T for the n_c taps of each polyphase component), 1 on average over x")


def _mean_kappa_line(s) -> str:
    """The mean of kappa, with a standard error only where Var[kappa] is proved finite."""
    n_frames = round(s.frame_fraction * s.n_draws)
    m = s.moments
    if m.threshold == 0:  # never a frame
        reason = _not_a_frame_reason(s.J, s.T, s.stride)
        return (f"mean kappa: inf (not a frame: A = 0 in {s.n_draws - n_frames} of "
                f"{_draws(s.n_draws)}; {reason})")
    d, p = s.stride, m.threshold
    moments = (f"E[kappa^p] < inf only for p < (J - d + 1) / 2 = {p:g}" if p is not None
               else "")
    if m.mean_finite is False:
        return (f"mean kappa: inf. E[kappa] is infinite for J <= stride + 1 = {d + 1} "
                f"({moments}): a sample mean estimates nothing here; read the median and "
                "the quantiles")
    sample = _fmt(s.kappa.mean)
    if s.n_draws == 1:
        return f"mean kappa: {sample} (one draw: no standard error)"
    if m.variance_finite is False:
        return (f"mean kappa: {sample} over the draws, with no standard error: Var[kappa] is "
                f"infinite for J <= stride + 3 = {d + 3} ({moments}); the median and the "
                "quantiles are the stable summary")
    if m.variance_finite is None:
        return (f"mean kappa: {sample} over the draws, with no standard error: whether "
                "E[kappa] and Var[kappa] are finite is not established for this shape (the "
                "book proves it for a stride that divides T, with T >= 2 stride or "
                "T = stride); read the median and the quantiles")
    return f"mean kappa: {sample} +- {_fmt_se(s.kappa.standard_error)} (Monte Carlo standard error)"


def _kappa_tilde_line(s) -> str:
    if math.isnan(s.kappa_tilde):
        value = f"undefined (J <= 4 ln T = {4 * math.log(s.T):.3g})"
        note = ""
    else:
        value = _fmt(s.kappa_tilde)
        note = "; loose at moderate J and T, to be read as a trend"
        if math.isfinite(s.kappa.median):
            ratio = s.kappa_tilde / s.kappa.median
            note = (f"; loose at moderate J and T: {_significant(ratio, 3)} times the "
                    "simulated median here, to be read as a trend")
    scope = "stride-1 model, the stride is not accounted for" if s.stride > 1 else "stride 1"
    return (f"kappa_tilde(J, T) = {value}: the paper's asymptotic prediction for large J "
            f"({scope}){note}")


def _init_table(summary, search, out):
    s = summary
    write = out.write
    write(f"Random Gaussian layer: J = {s.J} {_filters(s.J)} of length T = {s.T}, signals of "
          f"N = {s.N} samples, stride {s.stride}\n")
    write(f"weights i.i.d. N(0, sigma^2), {_draws(s.n_draws)}, seed {s.seed}\n"
          f"{_sigma_line(s)}\n\n")
    write(f"  {'':<7}{'mean':>11}{'median':>11}{'5 %':>11}{'95 %':>11}\n")
    for name, stat in (("A", s.A), ("B", s.B), ("kappa", s.kappa)):
        write(f"  {name:<7}{_fmt(stat.mean):>11}{_fmt(stat.median):>11}"
              f"{_fmt(stat.q05):>11}{_fmt(stat.q95):>11}\n")
    write("\n")
    write(f"  {_mean_kappa_line(s)}\n")
    n_frames = round(s.frame_fraction * s.n_draws)
    write(f"  frames: {n_frames} of {_draws(s.n_draws)} ({_percent(s.frame_fraction)}) "
          "have A > 0\n")
    if s.moments.threshold != 0 and n_frames < s.n_draws:
        write(f"    (this shape is a frame with probability 1: A = 0 in {s.n_draws - n_frames}"
              " draws is round-off even in float64)\n")
    if s.precision == "float64":
        write(f"  computed in float64: some draws have kappa > {FLOAT32_KAPPA_LIMIT:g}, "
              "where float32 cannot resolve A\n")
    write(f"  {_kappa_tilde_line(s)}\n")
    if search is not None:
        _search_lines(search, s, out)


def _evaluation_text(search, J, summary) -> str:
    stat = search.evaluations[J]
    text = f"mean kappa {_fmt(stat.mean)}"
    if math.isfinite(stat.standard_error):
        text += f" +- {_fmt_se(stat.standard_error)}"
    elif math.isfinite(stat.mean) and stat.count > 1:
        m = kappa_moments(J, summary.T, summary.stride)
        text += (" (no standard error: Var[kappa] = inf)" if m.variance_finite is False else
                 " (no standard error: finiteness of Var[kappa] not established)")
    text += f" at J = {J}"
    if J == summary.J and stat.count == summary.n_draws:
        text += f" (the {_draws(stat.count)} above)"
    return text


def _search_lines(search, summary, out):
    target = f"{search.target_kappa:g}"
    head = f"  smallest J with mean kappa <= {target}:"
    if summary.T < summary.stride:
        out.write(f"{head} none: filters shorter than the stride are never a frame\n")
        return
    below = ("the mean of kappa is infinite below" if summary.moments.threshold is not None
             else "below it the mean of kappa is infinite where the book proves it, for a "
                  "stride dividing T with T >= 2 stride or T = stride")
    evaluated = (f"{len(search.evaluations)} values of J simulated, {_draws(search.n_draws)} "
                 f"each, from J = {search.J_start} = stride + 2: {below}")
    if search.memory_limited:
        evaluated += f"; J <= {search.J_max} only: larger J would not fit in memory"
    if search.J is None:
        last = max(search.evaluations)
        limit = "memory" if search.memory_limited else "raise --max-J"
        out.write(f"{head} not reached up to J = {search.J_max} ({limit})\n"
                  f"    ({_evaluation_text(search, last, summary)}; {evaluated})\n")
        return
    detail = _evaluation_text(search, search.J, summary)
    if search.J - 1 in search.evaluations:
        detail += f", {_fmt(search.evaluations[search.J - 1].mean)} at J = {search.J - 1}"
    out.write(f"{head} J = {search.J}\n    ({detail}; {evaluated})\n")


def _announce(estimate, what, show):
    """Say beforehand what a long computation will cost (stderr)."""
    if show or estimate.seconds > ANNOUNCE_SECONDS:
        hint = "" if show else "; --progress shows its progress"
        sys.stderr.write(f"{PROG}: {what}: about {format_seconds(estimate.seconds)} and "
                         f"{format_bytes(estimate.bytes)} of memory (estimated){hint}\n")
        sys.stderr.flush()


def _run_init(args, out):
    try:
        check_filter_shape(args.J, args.T, args.N)
        check_stride(args.stride, args.N)
    except (ValueError, TypeError) as exc:
        raise UsageError(str(exc)) from None
    start = first_J_with_finite_mean(args.stride)
    if not args.no_search and args.max_J < start:
        raise UsageError(f"--max-J must be >= stride + 2 = {start} (the mean of kappa is "
                         f"infinite for J <= stride + 1), got {args.max_J}")
    show = _show_progress(args)
    estimate = estimate_simulation(args.N, args.J, args.T, args.draws, args.stride, np.float32)
    check_memory(estimate, f"simulating {_draws(args.draws)} of J = {args.J} filters at "
                           f"N = {args.N}")
    _announce(estimate, f"simulating {_draws(args.draws)} of J = {args.J}", show)
    bar = ProgressBar(f"simulating J = {args.J}", "draws") if show else False
    if bar:
        bar(0, args.draws)
    summary = random_layer_summary(args.N, args.J, args.T, args.draws, stride=args.stride,
                                   seed=args.seed, progress=bar)
    search = None
    if not args.no_search:
        bars = {}

        def search_bar(J, done, total):
            if J not in bars:
                bars[J] = ProgressBar(f"search for mean kappa <= {args.kappa:g}: J = {J:<5}",
                                      "draws", transient=True)
            bars[J](done, total)

        known = {args.J: summary.kappa} if math.isfinite(summary.kappa.mean) else {}
        search = smallest_J_for_kappa(args.N, args.T, args.kappa, stride=args.stride,
                                      n_draws=args.search_draws, seed=args.seed,
                                      J_max=args.max_J, progress=search_bar if show else False,
                                      known=known)
    if args.json:
        payload = {"command": "init", "randfb_version": __version__, **summary.as_dict(),
                   "search": None if search is None else search.as_dict()}
        _print_json(payload, out)
    else:
        _init_table(summary, search, out)


# ------------------------------------------------------------------ randfb bounds


def read_weights(path, layer=None) -> tuple[np.ndarray, tuple, str]:
    """Filters ``(J, T)`` from a weights file, the stored shape and the tensor's name.

    Reads ``.npy``, ``.npz``, PyTorch zip checkpoints (``.pt``/``.pth``, without torch) and
    ``.safetensors`` with :func:`randfb.load_weights`; ``layer`` names the tensor in a file
    that holds several. Raises :class:`UsageError` with a one-line reason for a missing,
    unreadable, malformed or unsafe file, or a tensor of another layout.
    """
    try:
        info = describe_weights(path, layer)
        w = load_weights(path, layer)
    except (ValueError, TypeError) as exc:
        message = " ".join(str(exc).split())
        if "Object arrays cannot be loaded" in message:  # NumPy's words for dtype=object
            message = (f"{path} holds an array of Python objects (dtype object), not "
                       "numbers; expected floating-point weights: save them with "
                       "numpy.save(path, w.astype(numpy.float32))")
        raise UsageError(message) from None
    return w, tuple(info.shape), info.name


def _bounds_table(result, path, stored_shape, name, out):
    r = result
    write = out.write
    if len(stored_shape) == 3:
        layout = f" (a Conv1d weight of shape {stored_shape}, input-channel axis dropped)"
    elif len(stored_shape) == 4:
        layout = f" (a Conv2d weight of shape {stored_shape}, singleton axes dropped)"
    else:
        layout = ""
    tensor = f" [{name}]" if name else ""
    write(f"Filterbank {path}{tensor}: J = {r.J} {_filters(r.J)} of length T = {r.T}{layout}, "
          f"signals of N = {r.N} samples, stride {r.stride}\n\n")
    if r.is_zero:
        kappa = "undefined (0/0)"
    elif r.is_frame:
        kappa = _fmt(r.kappa)
    else:
        kappa = "inf (not a frame)"
    write(f"  {'A':<7}{_fmt(r.A):>18}   lower frame bound: ||Phi x||^2 >= A ||x||^2 for all x\n")
    write(f"  {'B':<7}{_fmt(r.B):>18}   upper frame bound: ||Phi x||^2 <= B ||x||^2 for all x\n")
    write(f"  {'kappa':<7}{kappa:>18}   condition number B / A (1 = tight frame)\n\n")
    if r.is_zero:
        write("  The layer is zero: every weight is 0, so Phi x = 0 for every x, A = B = 0,\n"
              "  and kappa = B / A = 0/0 is undefined.\n")
        return
    if not r.is_frame:
        reason = _not_a_frame_reason(r.J, r.T, r.stride)
        if reason:
            write(f"  {reason}.\n")
        else:
            write("  A = 0: some signal is mapped to zero (a frequency, or an aliased\n"
                  "  combination of frequencies, that no filter passes).\n")
    elif r.kappa > NUMERICALLY_SINGULAR:
        write("  A is at round-off level relative to B: numerically, not a frame.\n")
    write("  A and B scale with the square of the weights; kappa does not. Compare with a\n"
          f"  random layer of the same shape: randfb init --J {r.J} --T {r.T} --N {r.N} "
          f"--stride {r.stride}\n")


def _run_bounds(args, out):
    w, stored_shape, name = read_weights(args.weights, args.layer)
    try:
        check_filters(w, args.N, name="weights")
        check_stride(args.stride, args.N)
    except (ValueError, TypeError) as exc:
        raise UsageError(str(exc)) from None
    show = _show_progress(args)
    J, T = w.shape
    estimate = estimate_filterbank_bounds(args.N, J, T, args.stride)
    what = f"the frame bounds of {J} {_filters(J)} at N = {args.N}"
    check_memory(estimate, what)
    _announce(estimate, what, show)
    bar = ProgressBar("frame bounds", "filters") if show else False
    if bar:
        bar(0, J)
    result = filterbank_bounds(w, args.N, args.stride, progress=bar)
    if args.json:
        payload = {"command": "bounds", "randfb_version": __version__,
                   "weights": str(args.weights), "layer": name,
                   "stored_shape": list(stored_shape), **result.as_dict()}
        _print_json(payload, out)
    else:
        _bounds_table(result, args.weights, stored_shape, name, out)


# ------------------------------------------------------------------ parser and main


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``randfb`` (two subcommands, ``init`` and ``bounds``)."""
    parser = _Parser(
        prog=PROG, allow_abbrev=False,
        description="Stability calculator for the first layer of a convnet on raw audio: "
                    "frame bounds A, B and condition number kappa = B / A of random and of "
                    "trained filterbanks (circular convolution, J filters of length T, "
                    "signals of N samples, stride d).",
        epilog="Bad input: one line 'randfb: error: ...' on stderr and exit status 2.")
    parser.add_argument("--version", action="version", version=f"randfb {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="{init,bounds}")

    common = _Parser(add_help=False, allow_abbrev=False)
    common.add_argument("--N", type=_integer(1, "N (signal length in samples)"), required=True,
                        help="signal length in samples (required)")
    common.add_argument("--stride", type=_integer(1, "stride"), default=1,
                        help="stride (hop size) d, must divide N (default: 1)")
    common.add_argument("--json", action="store_true",
                        help="print JSON instead of a table (inf and undefined values as null)")
    common.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help="progress bar on stderr (default: only when stderr is a terminal)")

    init = sub.add_parser(
        "init", parents=[common], allow_abbrev=False,
        help="frame bounds of random Gaussian layers at initialisation",
        description="Simulate random Gaussian layers of J filters of length T at the "
                    "energy-preserving sigma = sqrt(stride / (J T)) and report the mean, "
                    "median, 5 % and 95 % quantiles of the frame bounds A, B and of "
                    "kappa = B / A (inf when A = 0: not a frame, certain when J < stride or "
                    "T < stride), the paper's prediction kappa_tilde, and the smallest J "
                    "whose mean kappa is at most --kappa (doubling then bisection over J, by "
                    "simulation, from J = stride + 2: below it the mean is infinite). Where "
                    "the variance of kappa is infinite (J <= stride + 3) no standard error "
                    "is printed. Memory and time are estimated first; a layer that would not "
                    "fit in memory is refused.")
    init.add_argument("--J", type=_integer(1, "J (number of filters)"), required=True,
                      help="number of filters (required)")
    init.add_argument("--T", type=_integer(1, "T (filter length)"), required=True,
                      help="filter length in samples, <= N (required)")
    init.add_argument("--draws", type=_integer(1, "the number of draws"), default=1000,
                      help="random layers simulated (default: 1000)")
    init.add_argument("--seed", type=_integer(0, "the seed"), default=0,
                      help="seed of the random generator (default: 0)")
    init.add_argument("--kappa", type=_kappa_target, default=3.0,
                      help="target mean condition number for the search over J, > 1 "
                           "(default: 3)")
    init.add_argument("--search-draws", type=_integer(1, "the number of search draws"),
                      default=200, help="random layers per J visited by the search (default: 200)")
    init.add_argument("--max-J", dest="max_J", type=_integer(1, "--max-J"), default=4096,
                      help="largest J the search tries (default: 4096)")
    init.add_argument("--no-search", action="store_true", help="skip the search over J")
    init.set_defaults(run=_run_init)

    bounds = sub.add_parser(
        "bounds", parents=[common], allow_abbrev=False,
        help="frame bounds of your own filters (.npy, .npz, .pt/.pth, .safetensors)",
        description="Exact frame bounds A, B and kappa = B / A of a first layer read from a "
                    "weights file: .npy (numpy.save), .npz, a PyTorch zip checkpoint "
                    "(.pt/.pth: a tensor or a state dict, read without torch by a "
                    "restricted unpickler that runs no code from the file) or .safetensors. "
                    "The weight may have the shape (J, T), (J, 1, T) (PyTorch Conv1d(1, J, "
                    "T)) or (J, 1, T, 1) (Conv2d with the kernel along the first axis, as "
                    "in CREPE); other layouts are refused. Conv1d's cross-correlation has "
                    "the same frame bounds as the convolution (each filter reversed). "
                    "Example: randfb bounds data/crepe-tiny.pth --layer conv1.weight "
                    "--N 1024 --stride 4")
    bounds.add_argument("weights", help="a weights file: .npy, .npz, .pt/.pth or .safetensors")
    bounds.add_argument("--layer", default=None, metavar="NAME",
                        help="the tensor to read in a file that holds several, e.g. "
                             "conv1.weight (a dotted key of a state dict, or a key of the "
                             ".npz or .safetensors file); without it a file with several "
                             "candidates is refused with their names and shapes")
    bounds.set_defaults(run=_run_bounds)
    return parser


def main(argv=None) -> int:
    """Run ``randfb`` with the arguments ``argv`` (default ``sys.argv[1:]``); return the exit
    status (0 success, 2 bad input, 130 interrupted)."""
    parser = build_parser()
    try:
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:  # --help and --version
            return exc.code if isinstance(exc.code, int) else 0
        if args.command is None:
            raise UsageError("choose a command: 'randfb init ...' (random layers) or "
                             "'randfb bounds weights.npy ...' (your filters); see randfb --help")
        args.run(args, sys.stdout)
    except UsageError as exc:
        sys.stdout.flush()
        message = " ".join(str(exc).split())  # always one line
        sys.stderr.write(f"{PROG}: error: {message}\n")
        return EXIT_USAGE
    except MemoryError as exc:  # InsufficientMemory (estimated) or an allocation that failed
        sys.stdout.flush()
        reason = " ".join(str(exc).split()) or "an allocation failed"
        sys.stderr.write(f"{PROG}: error: out of memory: {reason}; reduce --N, the number of "
                         "filters or the number of draws\n")
        return EXIT_USAGE
    except BrokenPipeError:
        # The reader of stdout has gone (``randfb ... | head -1``): stop quietly. Point
        # stdout at /dev/null so that the interpreter's final flush does not fail again.
        _silence_stdout()
        return 0
    except KeyboardInterrupt:
        sys.stderr.write(f"\n{PROG}: interrupted\n")
        return 130
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
    return 0


def _silence_stdout():
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no file descriptor (e.g. in tests)
        pass
