"""Benchmark the task model of randfb.frontend against a loop over clips and filters.

Run from the repository root::

    python benchmarks/frontend_bench.py            # 300 / 250 clips, 5 rounds
    python benchmarks/frontend_bench.py --quick    # 60 / 50 clips, 2 rounds: a smoke test

Workloads (J = 32 filters of T = 128 taps, stride d = 32, K = 4 segments, clips of
N = 8192 samples; the spoken digits of ``randfb.load_digits`` when the package has
them, otherwise Gaussian clips of the same shape):

* frozen features of 300 clips: ``randfb.log_energy_features`` (target: under 0.5 s)
  against ``loop_features``, the same features with a Python loop over clips and, inside
  it, over filters (one matrix-vector product of a clip's frames per filter);
* both also with ``dtype=float32`` (frames and the two large products in single
  precision);
* one epoch of learned training on 250 clips in minibatches of 128 (Adam):
  ``FrontEnd(learn_filters=True)``, timed as the difference between a 3-epoch and a
  1-epoch fit divided by 2 (so the standardisation pass at the start of ``fit`` is not
  counted; the whole 1-epoch fit is reported too) (target: under 0.2 s), against
  ``loop_epochs``, which computes the same minibatch gradients clip by clip, filter by
  filter, and takes the same Adam steps.

Agreement is checked first: the loop's features and the loop's filters after two epochs
equal randfb's to 1e-9 relative, else the command exits with status 1. Timings are the
best of the rounds, all in this process, interleaved round by round; compare ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np

import randfb
from randfb.frontend import ADAM_BETA1, ADAM_BETA2, ADAM_EPSILON

J, T, STRIDE, K, N = 32, 128, 32, 4, 8192
FEATURE_CLIPS, EPOCH_CLIPS, BATCH = 300, 250, 128
FEATURE_TARGET, EPOCH_TARGET = 0.5, 0.2  # seconds
EPS_REL = randfb.frontend.EPS_REL


def clips(n_clips, seed):
    """``n_clips`` spoken digits if the package ships them, else Gaussian clips."""
    if hasattr(randfb, "load_digits"):
        data = randfb.load_digits(N=N)
        if data.x.shape[0] >= n_clips:  # spread over speakers and digits (files are sorted)
            pick = np.linspace(0, data.x.shape[0] - 1, n_clips).round().astype(int)
            return data.x[pick], data.y[pick], "spoken digits (randfb.load_digits)"
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n_clips, N)), np.arange(n_clips) % 10, "Gaussian clips"


# --------------------------------------------------------------------------- the loops
def _clip_frames(x_c):
    padded = np.concatenate([x_c[N - T + 1 :], x_c])
    return np.lib.stride_tricks.sliding_window_view(padded, T)[::STRIDE].copy()


def loop_features(x, W):
    """Log-energy features with a Python loop over clips and filters."""
    out = np.empty((x.shape[0], W.shape[0], K))
    for c in range(x.shape[0]):
        frames = _clip_frames(x[c])
        power = x[c] @ x[c] / N
        for j in range(W.shape[0]):
            y = frames @ W[j, ::-1]
            floor = EPS_REL * (W[j] @ W[j]) * power
            out[c, j] = np.log(np.mean(y.reshape(K, -1) ** 2, axis=1) + floor)
    return out.reshape(x.shape[0], -1)


def loop_epochs(x, labels, W, coef, intercept, mean, scale, orders, rates):
    """Epochs of Adam on the model, the gradients clip by clip and filter by filter."""
    params = {"filters": W.copy(), "coef": coef.copy(), "intercept": intercept.copy()}
    m = {k: 0.0 for k in params}
    v = {k: 0.0 for k in params}
    L = (N // STRIDE) // K
    batches = [order[start : start + BATCH] for order in orders
               for start in range(0, len(order), BATCH)]
    for step, idx in enumerate(batches, start=1):
        grads = {k: np.zeros_like(p) for k, p in params.items()}
        Wc = params["filters"]
        for c in idx:
            frames = _clip_frames(x[c])
            power = x[c] @ x[c] / N
            ys, totals = [], np.empty((J, K))
            for j in range(J):
                y = frames @ Wc[j, ::-1]
                ys.append(y)
                floor = EPS_REL * (Wc[j] @ Wc[j]) * power
                totals[j] = np.mean(y.reshape(K, -1) ** 2, axis=1) + floor
            z = (np.log(totals).ravel() - mean) / scale
            logits = params["coef"] @ z + params["intercept"]
            p = np.exp(logits - logits.max())
            p /= p.sum()
            p[labels[c]] -= 1.0
            p /= len(idx)
            grads["coef"] += np.outer(p, z)
            grads["intercept"] += p
            a = ((params["coef"].T @ p) / scale).reshape(J, K) / totals
            for j in range(J):
                d_y = (2.0 / L) * np.repeat(a[j], L) * ys[j]
                grads["filters"][j] += (d_y @ frames)[::-1]
                grads["filters"][j] += 2.0 * EPS_REL * a[j].sum() * power * Wc[j]
        grads["coef"] += 1e-3 * params["coef"]  # alpha, FrontEnd's default
        for key, g in grads.items():
            m[key] = ADAM_BETA1 * m[key] + (1 - ADAM_BETA1) * g
            v[key] = ADAM_BETA2 * v[key] + (1 - ADAM_BETA2) * g * g
            m_hat, v_hat = m[key] / (1 - ADAM_BETA1**step), v[key] / (1 - ADAM_BETA2**step)
            params[key] -= rates[key] * m_hat / (np.sqrt(v_hat) + ADAM_EPSILON)
    return params


# --------------------------------------------------------------------------- timing
def best_time(fn, rounds):
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), times


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="60 / 50 clips, 2 rounds")
    parser.add_argument("--rounds", type=int, default=None, help="rounds (default 5)")
    parser.add_argument("--json", help="also write the timings to this file")
    parser.add_argument("--threads", type=int, default=None,
                        help="BLAS threads (default: the library's own default)")
    args = parser.parse_args(argv)
    if args.threads is not None:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(args.threads):
            return run(args)
    return run(args)


def run(args):
    rounds = args.rounds or (2 if args.quick else 5)
    n_feat, n_epoch = (60, 50) if args.quick else (FEATURE_CLIPS, EPOCH_CLIPS)
    print(f"load average before: {os.getloadavg()}; BLAS threads: "
          f"{args.threads or 'default'}", flush=True)
    W = randfb.random_filterbank(J, T, rng=0)
    x, y, source = clips(max(n_feat, n_epoch), seed=1)
    print(f"clips: {source}; J = {J}, T = {T}, d = {STRIDE}, K = {K}, N = {N}")

    # agreement first
    f = randfb.log_energy_features(x[:n_feat], W, stride=STRIDE, n_segments=K)
    f_loop = loop_features(x[:n_feat], W)
    feature_error = float(np.max(np.abs(f - f_loop)) / np.max(np.abs(f_loop)))
    kw = dict(stride=STRIDE, n_segments=K, learn_filters=True, optimizer="adam",
              batch_size=BATCH, learning_rate=0.01, random_state=0)
    xe, ye = x[:n_epoch], y[:n_epoch]
    two = randfb.FrontEnd(W, n_epochs=2, **kw).fit(xe, ye)  # the first step cannot
    classes, labels = np.unique(ye, return_inverse=True)   # move W (coef_ starts at 0)
    gen = np.random.default_rng(np.random.SeedSequence(0))  # FrontEnd's minibatch orders
    orders = [gen.permutation(n_epoch) for _ in range(2)]
    rms = float(np.sqrt(np.mean(W * W)))
    rates = {"filters": 0.01 * rms, "coef": 0.01, "intercept": 0.01}
    zero = np.zeros((classes.size, J * K))
    looped = loop_epochs(xe, labels, W, zero, np.zeros(classes.size), two.mean_,
                         two.scale_, orders, rates)
    epoch_error = float(np.max(np.abs(looped["filters"] - two.filters_))
                        / np.max(np.abs(two.filters_ - W)))
    print(f"agreement: features {feature_error:.2e}, filters after two epochs "
          f"{epoch_error:.2e} (relative to their movement)")
    ok = feature_error <= 1e-9 and epoch_error <= 1e-9

    results = {"rounds": rounds, "threads": args.threads, "source": source, "feature_clips": n_feat,
               "epoch_clips": n_epoch, "feature_error": feature_error,
               "epoch_error": epoch_error}
    names = ("features", "features32", "features_loop", "fit1", "fit3", "fit1_32", "fit3_32",
             "epoch_loop")
    timings = {name: [] for name in names}
    for _ in range(rounds):  # interleaved: load hits every implementation alike
        for name, fn in (
            ("features", lambda: randfb.log_energy_features(x[:n_feat], W, stride=STRIDE,
                                                            n_segments=K)),
            ("features32", lambda: randfb.log_energy_features(
                x[:n_feat], W, stride=STRIDE, n_segments=K, dtype=np.float32)),
            ("features_loop", lambda: loop_features(x[:n_feat], W)),
            ("fit1", lambda: randfb.FrontEnd(W, n_epochs=1, **kw).fit(xe, ye)),
            ("fit3", lambda: randfb.FrontEnd(W, n_epochs=3, **kw).fit(xe, ye)),
            ("fit1_32", lambda: randfb.FrontEnd(W, n_epochs=1, dtype="float32", **kw).fit(xe, ye)),
            ("fit3_32", lambda: randfb.FrontEnd(W, n_epochs=3, dtype="float32", **kw).fit(xe, ye)),
            ("epoch_loop", lambda: loop_epochs(xe, labels, W, zero, np.zeros(classes.size),
                                               two.mean_, two.scale_, orders[:1], rates)),
        ):
            timings[name].append(best_time(fn, 1)[0])
    best = {name: min(t) for name, t in timings.items()}
    epoch = max((best["fit3"] - best["fit1"]) / 2, 0.0)
    epoch32 = max((best["fit3_32"] - best["fit1_32"]) / 2, 0.0)
    results.update({"best": best, "epoch": epoch, "epoch32": epoch32, "timings": timings})
    print(f"load average after: {os.getloadavg()}")
    print(f"frozen features, {n_feat} clips: randfb {best['features']:.3f} s "
          f"(target {FEATURE_TARGET} s at 300 clips), loop {best['features_loop']:.3f} s, "
          f"ratio {best['features_loop'] / best['features']:.1f}x; float32 "
          f"{best['features32']:.3f} s, ratio {best['features_loop'] / best['features32']:.1f}x")
    print(f"one learned epoch, {n_epoch} clips: randfb {epoch:.3f} s (3-epoch minus 1-epoch "
          f"fit, / 2; target {EPOCH_TARGET} s at 250 clips); whole 1-epoch fit "
          f"{best['fit1']:.3f} s; loop {best['epoch_loop']:.3f} s, ratio "
          f"{best['epoch_loop'] / max(epoch, 1e-9):.1f}x; float32 {epoch32:.3f} s, ratio "
          f"{best['epoch_loop'] / max(epoch32, 1e-9):.1f}x")
    if not args.quick:
        print(f"targets met (float64): features {best['features'] < FEATURE_TARGET}, "
              f"epoch {epoch < EPOCH_TARGET}; (float32): features "
              f"{best['features32'] < FEATURE_TARGET}, epoch {epoch32 < EPOCH_TARGET}")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(results, handle, indent=2)
    if not ok:
        print("DISAGREEMENT: randfb and the loop differ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
