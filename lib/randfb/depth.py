"""Pooling and a second random layer after the first ReLU, by simulation.

The network simulated here is

    x --(J filters, length T)--> y --ReLU--> r --AvgPool_P--> q
      --(J2 x J filters, length T2)--> z --ReLU--> ReLU(z),

with circular convolutions, i.i.d. Gaussian weights at the energy-preserving scales
``sigma^2 = 1 / (J T)`` and ``sigma2^2 = 1 / (J2 T2)`` (each output channel ``k`` of the
second layer sums the convolutions of its ``J`` input channels), and non-overlapping
average pooling ``q_j[m] = (1/P) sum_{i<P} r_j[mP + i]``. The energy is recorded at
every stage. The means are exact (:func:`depth_energy_means`): conditionally on ``q``,
the second layer's outputs are centred Gaussian, so
``E||z||^2 = J2 T2 sigma2^2 E||q||^2`` and every ReLU halves the mean. The variances
beyond the first ReLU are measured only.

Used by: book/after_first_layer.ipynb.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.fft

from ._validation import (
    as_generator,
    check_filter_shape,
    check_int,
    check_n_draws,
    check_pool,
    check_sigma,
    check_signal,
)
from .relu import _filter_outputs, relu_pooled_energy_mean

__all__ = ["STAGES", "DepthEnergies", "depth_energy_means", "simulate_depth"]

#: The stages at which the energy is recorded, in order.
STAGES = ("linear1", "relu1", "pooled", "linear2", "relu2")
#: Bytes of temporaries one chunk of draws may hold.
CHUNK_BUDGET_BYTES = 48 * 2**20


@dataclass(frozen=True)
class DepthEnergies:
    """Energies of the same draws at each stage (arrays of shape ``(n_draws,)``).

    Attributes
    ----------
    linear1 : ``||Phi x||^2``, the first layer.
    relu1 : ``||ReLU(Phi x)||^2``.
    pooled : ``||AvgPool_P(ReLU(Phi x))||^2`` (equal to ``relu1`` when ``P = 1``).
    linear2 : ``||Psi q||^2``, the second layer applied to the pooled channels.
    relu2 : ``||ReLU(Psi q)||^2``.
    """

    linear1: np.ndarray
    relu1: np.ndarray
    pooled: np.ndarray
    linear2: np.ndarray
    relu2: np.ndarray

    def stage(self, name: str) -> np.ndarray:
        """The energies at stage ``name`` (one of :data:`STAGES`)."""
        if name not in STAGES:
            raise ValueError(f"name must be one of {STAGES}, got {name!r}")
        return getattr(self, name)


def _check_network(x, J, T, pool, J2, T2, sigma, sigma2):
    x = check_signal(x)
    N = x.size
    J, T = check_filter_shape(J, T, N)
    pool = check_pool(pool, N)
    M = N // pool
    J2 = check_int(J2, "J2", minimum=1)
    T2 = check_int(T2, "T2", minimum=1, maximum=M)
    sigma = check_sigma(sigma, J, T)
    sigma2 = check_sigma(sigma2, J2, T2)
    return x, N, J, T, pool, M, J2, T2, sigma, sigma2


def depth_energy_means(x, J, T, *, pool=1, J2=10, T2=8, sigma=None, sigma2=None):
    """Exact mean energy at every stage of the network of :func:`simulate_depth`.

    ``E||Phi x||^2 = J T sigma^2 ||x||^2``; ``E||ReLU(Phi x)||^2`` is half of it;
    ``E||q||^2`` is :func:`randfb.relu.relu_pooled_energy_mean`; conditionally on ``q``
    each second-layer output ``z_k[m]`` is ``N(0, sigma2^2 sum_j sum_{t<T2}
    q_j[m - t]^2)``, so ``E||Psi q||^2 = J2 T2 sigma2^2 E||q||^2`` and the last ReLU
    halves it again.

    Parameters
    ----------
    x : array_like, shape (N,)
    J : int, >= 1
    T : int, 1 <= T <= N
    pool : int, >= 1, dividing N
    J2 : int, >= 1
        Output channels of the second layer.
    T2 : int, 1 <= T2 <= N / pool
        Its filter length.
    sigma, sigma2 : float > 0, optional
        Weight scales; defaults ``1 / sqrt(J T)`` and ``1 / sqrt(J2 T2)``.

    Returns
    -------
    means : dict of str to float, keyed by :data:`STAGES`

    Examples
    --------
    >>> from randfb import impulse
    >>> from randfb.depth import depth_energy_means
    >>> {k: round(v, 12) for k, v in depth_energy_means(impulse(64), 4, 8).items()}
    {'linear1': 1.0, 'relu1': 0.5, 'pooled': 0.5, 'linear2': 0.5, 'relu2': 0.25}
    """
    x, N, J, T, pool, M, J2, T2, sigma, sigma2 = _check_network(
        x, J, T, pool, J2, T2, sigma, sigma2)
    linear1 = J * T * sigma**2 * float(x @ x)
    pooled = relu_pooled_energy_mean(x, J, T, pool, sigma)  # half of linear1 at P = 1
    linear2 = J2 * T2 * sigma2**2 * pooled
    return {"linear1": linear1, "relu1": linear1 / 2, "pooled": pooled,
            "linear2": linear2, "relu2": linear2 / 2}


def simulate_depth(x, J, T, n_draws, *, pool=1, J2=10, T2=8, sigma=None, sigma2=None,
                   rng=None) -> DepthEnergies:
    """Simulate the energy through ReLU, average pooling, a second layer and its ReLU.

    For each draw: ``y_j = x * w_j`` (``J`` filters of length ``T``), ``r = ReLU(y)``,
    ``q_j[m] = mean_{i<P} r_j[mP + i]``, ``z_k = sum_j q_j * v_{kj}`` (``J2 x J``
    filters of length ``T2``, circular of length ``N / P``) and ``ReLU(z)``; all
    convolutions by FFT, vectorised over draws and filters, in chunks of draws that fit
    :data:`CHUNK_BUDGET_BYTES`. The draws depend only on ``rng`` and ``n_draws``.

    Parameters
    ----------
    x : array_like, shape (N,)
    J : int, >= 1
    T : int, 1 <= T <= N
    n_draws : int, >= 1
    pool : int, >= 1, dividing N
    J2 : int, >= 1
    T2 : int, 1 <= T2 <= N / pool
    sigma, sigma2 : float > 0, optional
        Defaults ``1 / sqrt(J T)`` and ``1 / sqrt(J2 T2)``.
    rng : int, numpy.random.Generator or None

    Returns
    -------
    DepthEnergies

    Examples
    --------
    >>> import numpy as np
    >>> from randfb import impulse
    >>> from randfb.depth import simulate_depth
    >>> e = simulate_depth(impulse(64), J=4, T=8, n_draws=3000, J2=4, T2=4, rng=0)
    >>> z = (e.relu2.mean() - 0.25) / (e.relu2.std() / np.sqrt(3000))
    >>> bool(abs(z) < 5)                      # the exact mean 1/4, within 5 SE
    True
    """
    x, N, J, T, pool, M, J2, T2, sigma, sigma2 = _check_network(
        x, J, T, pool, J2, T2, sigma, sigma2)
    n_draws = check_n_draws(n_draws)
    gen = as_generator(rng)
    x_hat = scipy.fft.rfft(x)
    F = M // 2 + 1
    per_draw = 8 * 3 * J * N + 16 * (J2 * J * F + 2 * J * F + J2 * F) + 8 * 2 * J2 * M
    step = max(1, CHUNK_BUDGET_BYTES // per_draw)
    out = {name: np.empty(n_draws) for name in STAGES}
    for start in range(0, n_draws, step):
        count = min(step, n_draws - start)
        rows = slice(start, start + count)
        w = sigma * gen.standard_normal((count, J, T))
        v = sigma2 * gen.standard_normal((count, J2, J, T2))
        y = _filter_outputs(x_hat, w, N)
        out["linear1"][rows] = np.einsum("djn,djn->d", y, y)
        np.maximum(y, 0.0, out=y)
        out["relu1"][rows] = np.einsum("djn,djn->d", y, y)
        q = y.reshape(count, J, M, pool).mean(axis=-1) if pool > 1 else y
        out["pooled"][rows] = np.einsum("djm,djm->d", q, q)
        z_hat = np.einsum("dkjf,djf->dkf", scipy.fft.rfft(v, n=M, axis=-1),
                          scipy.fft.rfft(q, axis=-1))
        z = scipy.fft.irfft(z_hat, n=M, axis=-1)
        out["linear2"][rows] = np.einsum("dkm,dkm->d", z, z)
        np.maximum(z, 0.0, out=z)
        out["relu2"][rows] = np.einsum("dkm,dkm->d", z, z)
    return DepthEnergies(**out)
