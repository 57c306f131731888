"""Extremes of a Littlewood-Paley sum on the N-point grid at a cost independent of N.

For ``J`` real filters of length ``T`` the Littlewood-Paley sum is a cosine polynomial of
degree ``n = T - 1``,

    LP(theta) = sum_{|tau| < T} r[tau] e^{-i tau theta}
              = c_0 + sum_{tau=1}^{n} c_tau cos(tau theta),

with ``r`` the autocorrelation of the filters summed over ``j``, ``c_0 = r[0]`` and
``c_tau = 2 r[tau]``. The frame bounds at stride 1 are its extremes over the ``N`` DFT
bins, ``theta_k = 2 pi k / N`` (``k = 0..N/2`` by symmetry). When ``T << N`` they follow
from ``O(T)`` work per layer, not ``O(N log N)``:

1. **Fine grid.** ``LP`` on ``L ~ 32 T`` equispaced points (one FFT of length ``L``).
2. **Certified pruning.** Bernstein's inequality applied to the oscillating part
   ``p = LP - c_0`` (a trigonometric polynomial of degree ``n`` with ``p'' = LP''``)
   gives ``|LP''| <= n^2 ||p||_inf``, and
   ``||p||_inf <= G = max|p(grid)| / (1 - n^2 h^2 / 8)`` (``h = 2 pi / L``: at an
   extremum of ``p``, ``p' = 0``, so the nearer grid point is within
   ``n^2 ||p|| h^2 / 8``). On a cell ``[a, b]`` of width ``w`` (bins), the largest value
   of ``LP`` is either at an end or at a critical point, which is then within
   ``M w^2 / 8`` of the nearer end's value, ``M = n^2 G (2 pi / N)^2``. So a cell whose
   ends are both below the best N-grid value found so far minus ``M w^2 / 8`` holds no
   bin that beats it, and is dropped. A cell holding several local extrema is never
   assumed to hold one: it is kept or dropped by the same bound, and subdivided.
3. **Refinement.** Every kept cell is cut at ``s - 1`` integer bins, evaluated exactly;
   the sub-cells are pruned with the same bound (now ``s^2`` times smaller), and so on
   until a cell holds at most ``2 s`` bins, which are all evaluated. Each exact value
   costs ``O(T)``: ``LP(2 pi k / N) = Re(u^T C v)`` with the coefficients arranged as a
   ``T1 x T2`` matrix ``C`` (``tau = tau1 + T1 tau2``, ``T1 ~ sqrt(T)``),
   ``u = (e^{i tau1 theta})`` and ``v = (e^{i T1 tau2 theta})``, the phases ``k`` and
   ``T1 k mod N`` reduced exactly in integers.

The result is the extremes over the N-grid exactly, to floating point: every comparison
allows for the round-off ``tol`` of the values (about ``1e-13 sum|c_tau|``), and a cell
is kept only if it could hold a bin beating the best one by more than ``tol``, so that
a flat sum (a tight frame, or zero filters) is not refined to every bin. Used by
:func:`randfb.frame_bounds` (stride 1), :func:`randfb.simulate_frame_bounds` and the
calculator, through the cost rule :func:`use_fine_grid`.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.fft

#: Fine-grid points per filter tap: ``L >= OVERSAMPLE * T``.
OVERSAMPLE = 32
#: Sub-cells per refined cell; cells of at most ``2 * SPLIT`` bins are evaluated whole.
SPLIT = 8
#: The fine-grid method is used when ``N >= FINE_GRID_RATIO * L`` (see :func:`use_fine_grid`).
FINE_GRID_RATIO = 4
#: Bound on ``N T1`` under which the phases ``k T1 mod N`` are reduced exactly in int64.
_EXACT_PHASE_N = 2**62
#: Planning figure for the exact evaluations per layer and call (memory estimates).
EVALUATIONS_PER_LAYER = 1000
#: Elements of the evaluator's largest temporary (points x taps), 8 bytes each.
_EVAL_BUDGET = 2**18


def fine_grid_length(T) -> int:
    """Length ``L`` of the fine grid: even, ``>= OVERSAMPLE * T`` and FFT-friendly."""
    L = scipy.fft.next_fast_len(max(OVERSAMPLE * T, 8), real=True)
    while L % 2:
        L = scipy.fft.next_fast_len(L + 1, real=True)
    return L


def evaluation_bytes(T, n_layers) -> int:
    """Upper estimate of the exact evaluations' temporaries for ``n_layers`` layers at once.

    About 80 bytes per (point, tap factor) pair, at most ``_EVAL_BUDGET`` pairs per call;
    measured here: up to a few thousand points per layer and call at ``T = 8..1024``,
    typically a few hundred (:data:`EVALUATIONS_PER_LAYER` is the planning figure).
    """
    T1 = math.isqrt(max(T - 1, 0)) + 1
    T2 = -(-T // T1)
    return 80 * min(_EVAL_BUDGET, n_layers * EVALUATIONS_PER_LAYER * (T1 + T2))


def use_fine_grid(T, N) -> bool:
    """The cost rule: extremes from the fine grid (``True``) or from an N-point FFT.

    The N-point FFT costs about ``N log N`` per layer; the fine grid about ``L log L``
    (``L = fine_grid_length(T)``) plus a few hundred exact evaluations of ``O(T)`` each.
    Measured on a 2-core machine at ``T = 8..1024``, the fine grid is faster from
    ``N ~ 2 L``; the rule takes it from ``N >= 4 L``, where the N-point path also starts
    to leave the cache.
    """
    return N >= FINE_GRID_RATIO * fine_grid_length(T)


def lag_sums(w, length=None):
    """Summed autocorrelation ``r[tau] = sum_j sum_t w_j[t] w_j[t + tau]``, ``tau = 0..T-1``.

    From real FFTs of length ``length >= 2T - 1`` (default: the next fast length), in the
    precision of ``w``. Shape ``(..., T)``.
    """
    T = w.shape[-1]
    M = scipy.fft.next_fast_len(2 * T - 1, real=True) if length is None else length
    spectrum = scipy.fft.rfft(w, n=M, axis=-1)
    power = (spectrum.real**2 + spectrum.imag**2).sum(axis=-2)
    return scipy.fft.irfft(power, n=M, axis=-1)[..., :T]


def _coefficients(r):
    """Cosine coefficients ``c_0 = r[0]``, ``c_tau = 2 r[tau]``, float64."""
    c = np.array(r, dtype=np.float64)
    c[..., 1:] *= 2.0
    return c


class _Evaluator:
    """Exact values ``LP(2 pi k / N)`` at integer bins ``k``, ``O(T)`` each."""

    def __init__(self, c, N):
        D, T = c.shape
        self.N = N
        self.T1 = max(1, math.isqrt(T - 1) + 1) if T > 1 else 1
        self.T2 = -(-T // self.T1)
        padded = np.zeros((D, self.T1 * self.T2))
        padded[:, :T] = c
        # C[d, tau1, tau2] = c_d[tau1 + T1 tau2]
        self.C = padded.reshape(D, self.T2, self.T1).swapaxes(1, 2).copy()
        self.exact = N * max(self.T1, 2) <= _EXACT_PHASE_N

    def _powers(self, k, count):
        """``exp(i m 2 pi k / N)`` for ``m = 0..count-1``, shape ``k.shape + (count,)``.

        ``exp(i 2 pi k / N)`` from the exactly reduced phase, its powers by products
        (relative error about ``m`` ulps).
        """
        if self.exact:
            angle = (2.0 * np.pi / self.N) * (k % self.N).astype(np.float64)
        else:
            angle = 2.0 * np.pi * np.fmod(k.astype(np.float64) / self.N, 1.0)
        out = np.empty((*k.shape, count), dtype=complex)
        out[..., 0] = 1.0
        out[..., 1:] = np.exp(1j * angle)[..., None]
        return np.cumprod(out, axis=-1, out=out)

    def __call__(self, draw, k):
        """Values at bins ``k`` (int64) of the layers ``draw`` (int), flat arrays."""
        out = np.empty(k.size)
        if k.size == 0:
            return out
        order = np.argsort(draw, kind="stable")
        draws_sorted = draw[order]
        ks = k[order]
        unique, starts, counts = np.unique(draws_sorted, return_index=True,
                                           return_counts=True)
        width = int(counts.max())
        if width * (self.T1 + self.T2) > _EVAL_BUDGET:  # one layer, many points: pieces
            step = max(1, _EVAL_BUDGET // (self.T1 + self.T2))
            for start in range(0, k.size, step):
                out[start:start + step] = self(draw[start:start + step],
                                               k[start:start + step])
            return out
        per_group = max(1, _EVAL_BUDGET // (width * (self.T1 + self.T2)))
        if unique.size > per_group:  # bound the temporaries: evaluate groups of layers
            cut = starts[per_group::per_group]
            for d_part, k_part, idx in zip(np.split(draws_sorted, cut), np.split(ks, cut),
                                           np.split(order, cut), strict=True):
                out[idx] = self(d_part, k_part)
            return out
        # Pad every layer's points to the same count (repeating its first bin).
        slot = np.arange(ks.size) - np.repeat(starts, counts)
        kk = np.repeat(ks[starts], width).reshape(unique.size, width)
        kk[np.repeat(np.arange(unique.size), counts), slot] = ks
        u1 = self._powers(kk, self.T1)                             # (U, P, T1)
        kB = (kk * self.T1) % self.N if self.exact else kk * self.T1
        u2 = self._powers(kB, self.T2)                             # (U, P, T2)
        # LP = Re sum_{tau1, tau2} C[tau1, tau2] e^{i tau1 theta} e^{i T1 tau2 theta}
        P = kk.shape[1]
        y = np.concatenate([u1.real, u1.imag], axis=1) @ self.C[unique]  # (U, 2P, T2)
        values = (np.einsum("upi,upi->up", y[:, :P], u2.real)
                  - np.einsum("upi,upi->up", y[:, P:], u2.imag))
        out[order] = values[np.repeat(np.arange(unique.size), counts), slot]
        return out


def _best_over_bins(draw_of_cell, f_a, f_b, a, b, lo, hi, evaluate,
                    best, margin_per_width2, tol):
    """Refine cells ``[a, b]`` (bin ranges ``lo..hi`` not yet evaluated) for the maximum."""
    while True:
        keep = (np.maximum(f_a, f_b) + margin_per_width2[draw_of_cell] * (b - a) ** 2 / 8
                > best[draw_of_cell] + tol[draw_of_cell])
        keep &= hi >= lo
        draw_of_cell, f_a, f_b, a, b, lo, hi = (v[keep] for v in
                                                (draw_of_cell, f_a, f_b, a, b, lo, hi))
        if draw_of_cell.size == 0:
            return best
        count = hi - lo + 1
        small = count <= 2 * SPLIT
        # Small cells: evaluate every bin.
        if small.any():
            n = count[small]
            d = np.repeat(draw_of_cell[small], n)
            first = np.repeat(lo[small], n)
            offsets = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
            v = evaluate(d, first + offsets)
            np.maximum.at(best, d, v)
        big = ~small
        if not big.any():
            return best
        draw_of_cell, f_a, f_b, a, b, lo, hi, count = (
            v[big] for v in (draw_of_cell, f_a, f_b, a, b, lo, hi, count))
        j = np.arange(1, SPLIT)
        q = lo[:, None] + (j * count[:, None]) // SPLIT                # (C, SPLIT-1)
        d = np.repeat(draw_of_cell, SPLIT - 1)
        fq = evaluate(d, q.ravel()).reshape(q.shape)
        np.maximum.at(best, d, fq.ravel())
        # Sub-cells: [a, q1], [q1, q2], ..., [q_{s-1}, b].
        qf = q.astype(np.float64)
        a = np.concatenate([a[:, None], qf], axis=1).ravel()
        b = np.concatenate([qf, b[:, None]], axis=1).ravel()
        f_a = np.concatenate([f_a[:, None], fq], axis=1).ravel()
        f_b = np.concatenate([fq, f_b[:, None]], axis=1).ravel()
        lo = np.concatenate([lo[:, None], q + 1], axis=1).ravel()
        hi = np.concatenate([q - 1, hi[:, None]], axis=1).ravel()
        draw_of_cell = np.repeat(draw_of_cell, SPLIT)


class _WhereRecorder:
    """Wraps an evaluator and remembers, per draw, the bin of the best signed value seen.

    The refinement's running best is the maximum of the values it evaluated, so the bin
    of the largest value this recorder saw is a bin where the extreme is reached.
    """

    def __init__(self, evaluate, sign, n_draws):
        self.evaluate, self.sign = evaluate, sign
        self.best = np.full(n_draws, -np.inf)
        self.where = np.zeros(n_draws, dtype=np.int64)

    def __call__(self, d, k):
        v = self.evaluate(d, k)
        d, k = np.asarray(d), np.asarray(k)
        s = self.sign * v
        top = np.full(self.best.shape, -np.inf)
        np.maximum.at(top, d, s)
        hit = np.flatnonzero(s == top[d])
        draws, first = np.unique(d[hit], return_index=True)
        better = top[draws] > self.best[draws]
        draws, first = draws[better], hit[first[better]]
        self.best[draws] = s[first]
        self.where[draws] = k[first]
        return v


def lp_extremes_from_lags(r, N, *, return_bins=False):
    """``(min, max)`` of ``LP[k]`` over the bins ``k = 0..N/2``, from the summed lags ``r``.

    With ``return_bins=True``, also the bins where they are reached (the first one found
    when several bins share the extreme value): ``(A, B, A_bin, B_bin)``.

    Parameters
    ----------
    r : array_like, shape (..., T)
        Summed autocorrelation of the filters at lags ``0..T-1`` (:func:`lag_sums`).
    N : int, >= T
        Signal length.

    Returns
    -------
    A, B : ndarray, shape (...), float64

    Examples
    --------
    >>> import numpy as np
    >>> from randfb.lp_extremes import lag_sums, lp_extremes_from_lags
    >>> w = np.random.default_rng(0).standard_normal((3, 4, 16))
    >>> A, B = lp_extremes_from_lags(lag_sums(w), 10**6)
    >>> lp = np.abs(np.fft.rfft(w, n=10**6)) ** 2
    >>> bool(np.allclose(A, lp.sum(-2).min(-1)) and np.allclose(B, lp.sum(-2).max(-1)))
    True
    """
    r = np.asarray(r, dtype=np.float64)
    batch = r.shape[:-1]
    T = r.shape[-1]
    c = _coefficients(r.reshape(-1, T))
    D = c.shape[0]
    if T == 1:
        A, B = c[:, 0].reshape(batch).copy(), c[:, 0].reshape(batch).copy()
        if return_bins:
            zero = np.zeros(batch, dtype=np.int64)
            return A, B, zero, zero.copy()
        return A, B
    L = fine_grid_length(T)
    if L >= N:  # nothing to gain: the exact N-point transform
        lags = r.reshape(-1, T)
        full = np.concatenate([lags[:, :0:-1], lags], axis=1)  # lags -(T-1)..T-1
        circular = np.zeros((D, N))  # folded onto N points (aliased when 2T - 1 > N)
        np.add.at(circular, (slice(None), np.arange(1 - T, T) % N), full)
        lp = scipy.fft.rfft(circular, axis=-1).real
        A, B = lp.min(axis=-1).reshape(batch), lp.max(axis=-1).reshape(batch)
        if return_bins:
            return A, B, lp.argmin(axis=-1).reshape(batch), lp.argmax(axis=-1).reshape(batch)
        return A, B
    circular = np.zeros((D, L))
    circular[:, :T] = r.reshape(-1, T)
    circular[:, L - T + 1:] = r.reshape(-1, T)[:, 1:][:, ::-1]
    grid = scipy.fft.rfft(circular, axis=-1).real                   # (D, L/2 + 1)
    n = T - 1
    h = 2.0 * np.pi / L
    scale = np.abs(c).sum(axis=-1)                                  # >= ||LP||_inf
    tol = 64 * np.finfo(np.float64).eps * math.log2(L) * scale
    # Bernstein on the oscillating part LP - c_0 (same second derivative, smaller norm).
    G = (np.abs(grid - c[:, :1]).max(axis=-1) + tol) / (1.0 - (n * h) ** 2 / 8)
    margin = n**2 * G * (2.0 * np.pi / N) ** 2                      # bound on |LP''| per bin^2
    evaluate = _Evaluator(c, N)
    half = N // 2
    positions = np.arange(L // 2 + 1) * (N / L)
    positions[-1] = N / 2
    bins = np.arange(D)
    results, where = [], []
    for sign in (-1.0, 1.0):
        f = sign * grid
        i_best = f.argmax(axis=-1)
        k0 = np.clip(np.rint(positions[i_best]), 0, half).astype(np.int64)
        exact = _WhereRecorder(evaluate, sign, D) if return_bins else evaluate
        best = sign * exact(bins, k0)

        def signed(d, k, sign=sign, exact=exact):
            return sign * exact(d, k)

        # Level 0, pruned on the grid itself: cell i is [x_i, x_{i+1}], width N / L.
        keep = (np.maximum(f[:, :-1], f[:, 1:])
                > (best - margin * (N / L) ** 2 / 8 + tol)[:, None])
        draw, cell = np.nonzero(keep)
        a, b = positions[cell], positions[cell + 1]
        lo = np.ceil(a).astype(np.int64)
        hi = np.minimum(np.floor(b).astype(np.int64), half)
        best = _best_over_bins(draw, f[draw, cell], f[draw, cell + 1], a, b, lo, hi,
                               signed, best, margin, tol)
        results.append(sign * best)
        if return_bins:
            where.append(exact.where.reshape(batch))
    A, B = results
    if return_bins:
        return A.reshape(batch), B.reshape(batch), where[0], where[1]
    return A.reshape(batch), B.reshape(batch)
