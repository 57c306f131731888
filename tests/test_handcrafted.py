"""Tests for randfb.handcrafted (hand-crafted gammatone and mel filterbanks).

The vectorised formulas are checked against scipy's one-filter constructions
(scipy.signal.gammatone, scipy.signal.firwin2) to floating-point precision; the
normalisation is checked through Parseval against the Littlewood-Paley sum.
"""

import numpy as np
import pytest
import scipy.signal

import randfb
from randfb.handcrafted import (
    _normalise,
    erb_centre_frequencies,
    filter_peak_frequencies,
    gammatone_filterbank,
    mel_centre_frequencies,
    mel_filterbank,
)

BANKS = [gammatone_filterbank, mel_filterbank]
FS = 16000


@pytest.mark.parametrize("bank", BANKS)
@pytest.mark.parametrize(("J", "T", "fs", "fmin", "fmax"),
                         [(16, 256, 16000, 100.0, 6000.0), (40, 1024, 16000, 50.0, 7000.0),
                          (8, 512, 22050, 200.0, 8000.0), (4, 256, 16000, 300.0, 4000.0)])
def test_peaks_increase_inside_the_band(bank, J, T, fs, fmin, fmax):
    w = bank(J, T, fs, fmin=fmin, fmax=fmax)
    n_fft = 2**16
    peaks = filter_peak_frequencies(w, fs, n_fft=n_fft)
    assert np.all(np.diff(peaks) > 0)
    assert fmin < peaks[0] and peaks[-1] < fmax


@pytest.mark.parametrize("bank", BANKS)
def test_peaks_near_the_nominal_centres_at_the_chapter_sizes(bank):
    J, T, fmin, fmax = 16, 256, 100.0, 6000.0
    w = bank(J, T, FS, fmin=fmin, fmax=fmax)
    if bank is gammatone_filterbank:
        centres = erb_centre_frequencies(J, fmin, fmax)
    else:
        centres = mel_centre_frequencies(J, fmin, fmax)[1:-1]
    peaks = filter_peak_frequencies(w, FS, n_fft=2**16)
    assert np.max(np.abs(peaks / centres - 1)) < 0.02  # measured 1.3 % / 1.7 %


@pytest.mark.parametrize("bank", BANKS)
@pytest.mark.parametrize("N", [256, 300, 4096])
def test_mean_littlewood_paley_sum_is_one(bank, N):
    w = bank(16, 256, FS, fmin=100.0, fmax=6000.0)
    assert w.shape == (16, 256) and w.dtype == np.float64
    np.testing.assert_allclose(np.sum(w**2), 1.0, rtol=1e-12)
    lp = randfb.littlewood_paley(w, N)  # bins 0..N/2; mean over all N bins by symmetry
    full = np.concatenate([lp, lp[1:(N + 1) // 2][::-1]])
    assert full.size == N
    np.testing.assert_allclose(full.mean(), 1.0, rtol=1e-12)


@pytest.mark.parametrize("bank", BANKS)
def test_unit_gain_at_each_centre_before_the_global_scale(bank):
    J, T = 12, 256
    w = bank(J, T, FS, fmin=100.0, fmax=6000.0)
    if bank is gammatone_filterbank:
        centres = erb_centre_frequencies(J, 100.0, 6000.0)
    else:
        centres = mel_centre_frequencies(J, 100.0, 6000.0)[1:-1]
    gain = np.abs(w @ np.exp(-2j * np.pi * np.outer(np.arange(T), centres) / FS))
    gain = np.diag(gain)
    np.testing.assert_allclose(gain / gain[0], 1.0, rtol=1e-12)


@pytest.mark.parametrize("T", [2, 31, 256])
def test_gammatone_equals_scipy_up_to_scale(T):
    J, fmin, fmax = 10, 100.0, 6000.0
    centres = erb_centre_frequencies(J, fmin, fmax)
    reference = np.array([scipy.signal.gammatone(f, "fir", numtaps=T, fs=FS)[0]
                          for f in centres])
    np.testing.assert_allclose(gammatone_filterbank(J, T, FS, fmin=fmin, fmax=fmax),
                               _normalise(reference, centres, FS), rtol=0, atol=1e-12)


@pytest.mark.parametrize("T", [64, 255, 256])
def test_mel_equals_firwin2_up_to_scale(T):
    J, fmin, fmax = 6, 300.0, 6000.0
    edges = mel_centre_frequencies(J, fmin, fmax)
    reference = np.array([
        scipy.signal.firwin2(T, [0, edges[j], edges[j + 1], edges[j + 2], FS / 2],
                             [0, 0, 1, 0, 0], fs=FS) for j in range(J)])
    np.testing.assert_allclose(mel_filterbank(J, T, FS, fmin=fmin, fmax=fmax),
                               _normalise(reference, edges[1:-1], FS), rtol=0, atol=1e-12)


def test_centre_frequencies_are_equally_spaced_on_their_scales():
    f = erb_centre_frequencies(9, 100.0, 6000.0)
    erb_rate = 9.26449 * np.log(1 + f / (9.26449 * 24.7))
    np.testing.assert_allclose(np.diff(erb_rate), np.diff(erb_rate)[0], rtol=1e-10)
    assert 100.0 < f[0] and f[-1] < 6000.0
    e = mel_centre_frequencies(9, 100.0, 6000.0)
    mel = 2595 * np.log10(1 + e / 700)
    np.testing.assert_allclose(np.diff(mel), np.diff(mel)[0], rtol=1e-10)
    assert e.size == 11 and e[0] == 100.0 and e[-1] == 6000.0
    assert erb_centre_frequencies(1, 100.0, 6000.0).shape == (1,)


@pytest.mark.parametrize("bank", BANKS)
def test_one_filter_and_one_tap(bank):
    w = bank(1, 512, FS, fmin=500.0, fmax=2000.0)
    assert w.shape == (1, 512)
    np.testing.assert_allclose(np.sum(w**2), 1.0)
    w1 = gammatone_filterbank(3, 1, FS, fmin=100.0, fmax=6000.0)
    assert w1.shape == (3, 1) and np.all(np.isfinite(w1))


@pytest.mark.parametrize("bank", BANKS)
@pytest.mark.parametrize(("kwargs", "exc", "word"), [
    (dict(J=0), ValueError, "J"),
    (dict(J=2.5), TypeError, "J"),
    (dict(T=0), ValueError, "T"),
    (dict(T="256"), TypeError, "T"),
    (dict(fs=-1.0), ValueError, "fs"),
    (dict(fs="16k"), TypeError, "fs"),
    (dict(fmin=0.0), ValueError, "fmin"),
    (dict(fmin=7000.0), ValueError, "fmin"),
    (dict(fmax=8000.0), ValueError, "fmax"),
    (dict(fmax=float("nan")), ValueError, "fmax"),
])
def test_bad_input(bank, kwargs, exc, word):
    args = dict(J=8, T=256, fs=FS, fmin=100.0, fmax=6000.0) | kwargs
    J, T, fs = args.pop("J"), args.pop("T"), args.pop("fs")
    with pytest.raises(exc, match=word):
        bank(J, T, fs, **args)


def test_mel_refuses_a_band_between_sampling_points():
    with pytest.raises(ValueError, match="too short"):
        mel_filterbank(40, 8, FS, fmin=100.0, fmax=6000.0)


def test_peak_frequencies_bad_input():
    with pytest.raises(ValueError, match="n_fft"):
        filter_peak_frequencies(np.ones((2, 16)), FS, n_fft=8)
    with pytest.raises(ValueError, match="fs"):
        filter_peak_frequencies(np.ones((2, 16)), 0.0)


def test_exported():
    assert randfb.gammatone_filterbank is gammatone_filterbank
    assert randfb.mel_filterbank is mel_filterbank
