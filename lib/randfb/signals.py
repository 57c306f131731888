"""Artificial test signals of the paper: impulse, Nyquist sine and Brownian noise.

All signals have unit energy, ``||x||_2 = 1``, so that the energy-preserving filterbank
has ``E||Phi x||^2 = 1``. Used by the chapters *The energy response and its variance*
and
*Large deviations*.
"""

from __future__ import annotations

import numpy as np

from ._validation import as_generator, check_int, check_positive


def impulse(N, at=None) -> np.ndarray:
    """Unit impulse (Dirac) of length ``N``.

    ``x[n] = 1`` if ``n == at`` else ``0``. Its circular autocorrelation vanishes at
    every non-zero lag, so it is the *least* adversarial unit-energy input: the variance
    of ``||Phi x||^2`` reaches its minimum ``2 / (J T)``.

    Parameters
    ----------
    N : int, >= 1
        Signal length in samples.
    at : int in [0, N), optional
        Position of the impulse. Defaults to ``N // 2`` (the paper puts it at n = 513
        for N = 1024; circular convolution makes the position irrelevant to every
        statistic).

    Returns
    -------
    x : ndarray, shape (N,)

    Examples
    --------
    >>> from randfb import impulse
    >>> impulse(4, at=1)
    array([0., 1., 0., 0.])
    """
    N = check_int(N, "N", minimum=1)
    at = N // 2 if at is None else check_int(at, "at", minimum=0, maximum=N - 1)
    x = np.zeros(N)
    x[at] = 1.0
    return x


def nyquist_sine(N) -> np.ndarray:
    """The alternating signal ``x[n] = (-1)^n / sqrt(N)``: a sine at the Nyquist rate.

    For even ``N`` its circular autocorrelation is ``R(tau) = (-1)^tau``, of full
    magnitude at every lag: the variance of ``||Phi x||^2`` reaches its maximum ``2 /
    J``.

    Parameters
    ----------
    N : int, >= 2 and even
        Signal length in samples (even, so that the alternation is circularly
        consistent).

    Returns
    -------
    x : ndarray, shape (N,)

    Examples
    --------
    >>> from randfb import nyquist_sine
    >>> nyquist_sine(4)
    array([ 0.5, -0.5,  0.5, -0.5])
    """
    N = check_int(N, "N", minimum=2)
    if N % 2:
        raise ValueError(f"N must be even for the Nyquist sine to be periodic, got {N}")
    return np.where(np.arange(N) % 2 == 0, 1.0, -1.0) / np.sqrt(N)


def brownian_noise(N, rng=None, step_probability=0.15) -> np.ndarray:
    """Brownian noise: a lazy random walk, centred and normalised to unit energy.

    Each step is ``+1`` or ``-1`` with probability ``step_probability / 2`` each and
    ``0`` otherwise (the generator the paper's figures used, with probability 0.15). The
    walk ``s[n] = sum_{m <= n} step[m]`` is centred, ``x = (s - mean(s)) / ||s -
    mean(s)||``. Its energy sits at low frequencies, so its autocorrelation decays
    slowly: it lies between the impulse and the Nyquist sine.

    Parameters
    ----------
    N : int, >= 2
        Signal length in samples.
    rng : int, numpy.random.Generator or None
        Seed or generator; the same seed gives the same signal.
    step_probability : float in (0, 1]
        Probability that the walk moves at a given sample.

    Returns
    -------
    x : ndarray, shape (N,)

    Examples
    --------
    >>> from randfb import brownian_noise
    >>> x = brownian_noise(1024, rng=0)
    >>> round(float(x @ x), 12), round(float(x.sum()), 12)
    (1.0, 0.0)
    """
    N = check_int(N, "N", minimum=2)
    step_probability = check_positive(step_probability, "step_probability")
    if step_probability > 1:
        raise ValueError(f"step_probability must lie in (0, 1], got {step_probability}")
    gen = as_generator(rng)
    steps = gen.choice(
        np.array([-1.0, 0.0, 1.0]),
        size=N,
        p=[step_probability / 2, 1 - step_probability, step_probability / 2],
    )
    walk = np.cumsum(steps)
    walk -= walk.mean()
    energy = walk @ walk
    if (
        energy == 0
    ):  # only possible for a walk that never moved: draw again deterministically
        return brownian_noise(N, rng=gen, step_probability=step_probability)
    return walk / np.sqrt(energy)
