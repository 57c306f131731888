"""Hand-crafted FIR filterbanks: gammatone (ERB-spaced) and mel (triangular) banks.

These are the *targets* a learned first layer is fitted to in the chapter on gradient
descent, and the reference banks of the chapter on trained layers. Both return ``J``
real FIR filters of length ``T`` samples, shape ``(J, T)``, float64, at sample rate
``fs`` Hz, with centre frequencies increasing with ``j`` inside ``[fmin, fmax]``.

Normalisation (both banks). First each filter is scaled to unit gain at its own centre
frequency ``f_j``, ``|w_hat_j(f_j)| = |sum_t w_j[t] exp(-2 pi i f_j t / fs)| = 1``; then
the whole bank is scaled so that

    sum_j ||w_j||^2 = 1,

which by Parseval, ``(1/N) sum_k |w_hat_j[k]|^2 = ||w_j||^2`` for every ``N >= T``, is
the statement that the Littlewood-Paley sum ``LP[k] = sum_j |w_hat_j[k]|^2`` has mean 1
over the ``N`` DFT bins. It is the same normalisation as the energy-preserving random
initialisation, ``E sum_j ||w_j||^2 = J T sigma^2 = 1`` at ``sigma^2 = 1/(JT)``.

Used by: book/gradient_descent.ipynb, book/trained_layers.ipynb.
"""

from __future__ import annotations

import numpy as np
import scipy.fft
import scipy.signal

from ._validation import check_filter_shape, check_filters, check_int, check_positive

__all__ = [
    "erb_centre_frequencies",
    "filter_peak_frequencies",
    "gammatone_filterbank",
    "mel_centre_frequencies",
    "mel_filterbank",
]

#: Order of the gammatone filters (the usual auditory choice, scipy's default).
GAMMATONE_ORDER = 4


def _check_band(fs, fmin, fmax):
    """Check ``0 < fmin < fmax < fs / 2``; return the three as floats."""
    fs = check_positive(fs, "fs")
    fmin = check_positive(fmin, "fmin")
    fmax = check_positive(fmax, "fmax")
    if not fmin < fmax:
        raise ValueError(f"fmin must be < fmax, got fmin={fmin} and fmax={fmax}")
    if not fmax < fs / 2:
        raise ValueError(f"fmax must be < fs / 2 = {fs / 2} (Nyquist), got fmax={fmax}")
    return fs, fmin, fmax


#: Glasberg & Moore's ERB constants as in scipy.signal.gammatone: ERB(f) = f / Q + B.
ERB_Q, ERB_MIN_BANDWIDTH = 9.26449, 24.7


def _erb(f):
    """Equivalent rectangular bandwidth ``ERB(f) = f / 9.26449 + 24.7`` Hz."""
    return np.asarray(f, dtype=float) / ERB_Q + ERB_MIN_BANDWIDTH


def _erb_rate(f):
    """ERB-rate ``E(f) = Q ln(1 + f / (Q B))``, the integral of ``1 / ERB(f)``."""
    return ERB_Q * np.log1p(np.asarray(f, dtype=float) / (ERB_Q * ERB_MIN_BANDWIDTH))


def _erb_rate_inverse(e):
    return ERB_Q * ERB_MIN_BANDWIDTH * np.expm1(np.asarray(e, dtype=float) / ERB_Q)


def _mel(f):
    """Mel scale (HTK form): ``m(f) = 2595 log10(1 + f / 700)``."""
    return 2595.0 * np.log10(1.0 + np.asarray(f, dtype=float) / 700.0)


def _mel_inverse(m):
    return 700.0 * (10.0 ** (np.asarray(m, dtype=float) / 2595.0) - 1.0)


def erb_centre_frequencies(J, fmin, fmax) -> np.ndarray:
    """Centres of ``J`` bands of equal width on the ERB-rate scale covering ``[fmin, fmax]``.

    With ``ERB(f) = f / Q + B`` (``Q = 9.26449``, ``B = 24.7`` Hz; Glasberg & Moore 1990,
    the constants of :func:`scipy.signal.gammatone`) and the ERB-rate
    ``E(f) = Q ln(1 + f / (Q B))`` (the number of ERBs below ``f``), the interval
    ``[E(fmin), E(fmax)]`` is cut into ``J`` equal parts of width ``Delta`` and

        f_j = E^{-1}(E(fmin) + (j + 1/2) Delta),   j = 0..J-1,

    the midpoints, strictly inside ``(fmin, fmax)``.

    Parameters
    ----------
    J : int, >= 1
    fmin, fmax : float, 0 < fmin < fmax, Hz

    Returns
    -------
    f : ndarray, shape (J,), Hz, increasing

    Examples
    --------
    >>> from randfb.handcrafted import erb_centre_frequencies
    >>> erb_centre_frequencies(3, 100.0, 6000.0).round(1).tolist()
    [308.1, 1202.3, 3586.2]
    """
    J = check_int(J, "J", minimum=1)
    fmin = check_positive(fmin, "fmin")
    fmax = check_positive(fmax, "fmax")
    if not fmin < fmax:
        raise ValueError(f"fmin must be < fmax, got fmin={fmin} and fmax={fmax}")
    low, high = _erb_rate(fmin), _erb_rate(fmax)
    return _erb_rate_inverse(low + (np.arange(J) + 0.5) * (high - low) / J)


def mel_centre_frequencies(J, fmin, fmax) -> np.ndarray:
    """Band edges and peaks of ``J`` triangular mel bands covering ``[fmin, fmax]``.

    ``J + 2`` frequencies equally spaced on the mel scale ``m(f) = 2595 log10(1 + f/700)``
    from ``fmin`` to ``fmax``: band ``j`` rises from ``e_j`` to its peak ``e_{j+1}`` and
    falls to ``e_{j+2}``. The peaks ``e_1 .. e_J`` lie strictly inside ``(fmin, fmax)``.

    Parameters
    ----------
    J : int, >= 1
    fmin, fmax : float, 0 < fmin < fmax, Hz

    Returns
    -------
    edges : ndarray, shape (J + 2,), Hz, increasing; ``edges[1:-1]`` are the peaks

    Examples
    --------
    >>> from randfb.handcrafted import mel_centre_frequencies
    >>> mel_centre_frequencies(2, 100.0, 6000.0).round(1).tolist()
    [100.0, 924.6, 2599.2, 6000.0]
    """
    J = check_int(J, "J", minimum=1)
    fmin = check_positive(fmin, "fmin")
    fmax = check_positive(fmax, "fmax")
    if not fmin < fmax:
        raise ValueError(f"fmin must be < fmax, got fmin={fmin} and fmax={fmax}")
    edges = _mel_inverse(np.linspace(_mel(fmin), _mel(fmax), J + 2))
    edges[0], edges[-1] = fmin, fmax
    return edges


def _normalise(w, centres, fs):
    """Unit gain at each filter's centre, then ``sum_j ||w_j||^2 = 1`` (mean LP sum 1)."""
    t = np.arange(w.shape[-1])
    phasor = np.exp(-2j * np.pi * np.outer(centres, t) / fs)
    gain = np.abs(np.sum(w * phasor, axis=-1))
    w = w / gain[:, None]
    return w / np.sqrt(np.sum(w**2))


def gammatone_filterbank(J, T, fs, *, fmin, fmax) -> np.ndarray:
    """``J`` gammatone FIR filters of length ``T`` with ERB-spaced centre frequencies.

    Filter ``j`` is the order-4 gammatone impulse response of :func:`scipy.signal.gammatone`
    (``ftype='fir'``), truncated to ``T`` taps:

        w_j[t] = c_j (t/fs)^3 exp(-2 pi b_j t / fs) cos(2 pi f_j t / fs),  t = 0..T-1,

    with bandwidth ``b_j = 1.019 ERB(f_j)``, ``ERB(f) = f / 9.26449 + 24.7`` Hz, centres
    ``f_j`` from :func:`erb_centre_frequencies` (midpoints of ``J`` equal ERB-rate bands
    covering ``[fmin, fmax]``), and ``c_j`` the normalisation of the module docstring (unit gain
    at ``f_j``, then ``sum_j ||w_j||^2 = 1``, i.e. mean Littlewood-Paley sum 1). The
    formula is evaluated for all ``j`` at once; ``tests/test_handcrafted.py`` checks it
    equals scipy's filters up to the scale ``c_j``.

    Truncation: the gammatone envelope peaks at ``t = 3 / (2 pi b_j)`` seconds (10 ms at
    130 Hz), so when ``T / fs`` is shorter than a few times that, the lowest filters are
    cut and their magnitude peak moves away from ``f_j``. Measured with
    :func:`filter_peak_frequencies` at fs = 16 kHz, J = 16, 100-6000 Hz: the peaks are
    within 1 % of the centres at ``T = 256``, while at ``T = 64`` the two lowest filters
    peak at 0 Hz.

    Parameters
    ----------
    J : int, >= 1
        Number of filters.
    T : int, >= 1
        Filter length in samples.
    fs : float > 0
        Sample rate in Hz.
    fmin, fmax : float, 0 < fmin < fmax < fs / 2, Hz
        The band the ``J`` ERB-rate bands cover (centres strictly inside).

    Returns
    -------
    w : ndarray, float64, shape (J, T)

    Examples
    --------
    >>> import numpy as np
    >>> from randfb.handcrafted import gammatone_filterbank
    >>> w = gammatone_filterbank(16, 256, 16000, fmin=100.0, fmax=6000.0)
    >>> w.shape, round(float(np.sum(w**2)), 12)
    ((16, 256), 1.0)
    """
    J, T = check_filter_shape(J, T)
    fs, fmin, fmax = _check_band(fs, fmin, fmax)
    centres = erb_centre_frequencies(J, fmin, fmax)
    if T == 1:  # t = 0 only: (t/fs)^3 = 0; keep the only tap instead of dividing 0 by 0
        return _normalise(np.ones((J, 1)), centres, fs)
    t = np.arange(T) / fs
    bandwidth = 1.019 * _erb(centres)
    w = (t ** (GAMMATONE_ORDER - 1) * np.exp(-2 * np.pi * np.outer(bandwidth, t))
         * np.cos(2 * np.pi * np.outer(centres, t)))
    return _normalise(w, centres, fs)


def mel_filterbank(J, T, fs, *, fmin, fmax) -> np.ndarray:
    """``J`` mel-spaced triangular bands turned into linear-phase FIR filters of length ``T``.

    Band ``j`` has the desired magnitude response (``e`` from :func:`mel_centre_frequencies`)

        D_j(f) = max(0, min((f - e_j) / (e_{j+1} - e_j), (e_{j+2} - f) / (e_{j+2} - e_{j+1}))),

    a triangle rising from ``e_j`` to its peak 1 at ``e_{j+1}`` and falling to
    ``e_{j+2}``. It is made into an FIR filter by frequency sampling, exactly as
    :func:`scipy.signal.firwin2` with its defaults does (computed here for all bands at
    once; ``tests/test_handcrafted.py`` checks the two agree): ``D_j`` is sampled at
    ``M + 1 = 1 + 2^ceil(log2 T)`` frequencies from 0 to ``fs / 2``, given the linear
    phase ``exp(-i pi (T - 1) f / fs)`` of a delay of ``(T - 1) / 2`` samples, inverted
    by a real inverse DFT of length ``2M``, cut to ``T`` taps and multiplied by a
    Hamming window. Then the normalisation of the module docstring
    (unit gain at the peak ``e_{j+1}``, then ``sum_j ||w_j||^2 = 1``).

    Parameters
    ----------
    J : int, >= 1
        Number of filters.
    T : int, >= 1
        Filter length in samples.
    fs : float > 0
        Sample rate in Hz.
    fmin, fmax : float, 0 < fmin < fmax < fs / 2, Hz
        Lower edge of the first band and upper edge of the last.

    Returns
    -------
    w : ndarray, float64, shape (J, T)

    Raises
    ------
    ValueError
        For a bad argument, or when ``T`` is so short that a band falls between two
        frequency-sampling points (its filter would be zero).

    Examples
    --------
    >>> import numpy as np
    >>> from randfb.handcrafted import mel_filterbank, filter_peak_frequencies
    >>> w = mel_filterbank(8, 256, 16000, fmin=100.0, fmax=6000.0)
    >>> w.shape, round(float(np.sum(w**2)), 12)
    ((8, 256), 1.0)
    >>> bool(np.all(np.diff(filter_peak_frequencies(w, 16000)) > 0))
    True
    """
    J, T = check_filter_shape(J, T)
    fs, fmin, fmax = _check_band(fs, fmin, fmax)
    edges = mel_centre_frequencies(J, fmin, fmax)
    low, peak, high = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    n_half = 2 ** int(np.ceil(np.log2(T))) if T > 1 else 1
    nyquist = fs / 2
    f = np.linspace(0.0, nyquist, n_half + 1)
    desired = np.clip(np.minimum((f - low) / (peak - low), (high - f) / (high - peak)),
                      0.0, None)
    phase = np.exp(-1j * np.pi * (T - 1) / 2 * f / nyquist)
    empty = ~np.any(desired > 0, axis=-1)
    if np.any(empty):
        j = int(np.argmax(empty))
        raise ValueError(
            f"T = {T} is too short for the mel band {j} ({edges[j]:.1f}-{edges[j + 2]:.1f}"
            f" Hz): no frequency-sampling point (step {nyquist / n_half:.1f} Hz) falls"
            " inside it; use a larger T, fewer filters or a wider band")
    impulse = scipy.fft.irfft(desired * phase, n=2 * n_half, axis=-1)[:, :T]
    window = scipy.signal.get_window("hamming", T, fftbins=False)
    return _normalise(impulse * window, peak[:, 0], fs)


def filter_peak_frequencies(w, fs, *, n_fft=None) -> np.ndarray:
    """Frequency (Hz) of the maximum of each filter's magnitude response ``|w_hat_j(f)|``.

    Evaluated on the grid ``f = k fs / n_fft``, ``k = 0..n_fft/2``, by a zero-padded FFT;
    the grid step is ``fs / n_fft``.

    Parameters
    ----------
    w : array_like, shape (..., J, T)
    fs : float > 0
        Sample rate in Hz.
    n_fft : int >= T, optional
        FFT length; default the power of two ``>= max(16 T, 2^14)`` (step <= fs / 16384).

    Returns
    -------
    peaks : ndarray, shape (..., J), Hz

    Examples
    --------
    >>> import numpy as np
    >>> from randfb.handcrafted import filter_peak_frequencies
    >>> t = np.arange(64)
    >>> filter_peak_frequencies(np.cos(2 * np.pi * 0.25 * t)[None, :], 8000.0).tolist()
    [2000.0]
    """
    w = check_filters(w)
    fs = check_positive(fs, "fs")
    T = w.shape[-1]
    if n_fft is None:
        n_fft = 2 ** int(np.ceil(np.log2(max(16 * T, 2**14))))
    n_fft = check_int(n_fft, "n_fft", minimum=T)
    magnitude = np.abs(scipy.fft.rfft(w, n=n_fft, axis=-1))
    return np.argmax(magnitude, axis=-1) * (fs / n_fft)
