"""Bad input: every public function of the numeric core fails at the door.

Each case calls one function with one bad argument and expects ValueError or TypeError
with a message naming the parameter (``match`` is a regular expression on the message).
"""

import numpy as np
import pytest

import randfb
from randfb import (
    asymptotic_bounds,
    autocorrelation,
    autocorrelation_matrix,
    brownian_noise,
    cantelli_alpha,
    chernoff_alpha,
    chi2_extremes,
    condition_number,
    energy_eigenvalues,
    energy_mean,
    energy_pdf,
    energy_quantile,
    energy_tail,
    energy_variance,
    filterbank_energy,
    filterbank_matrix,
    frame_bounds,
    gchisq_pdf,
    gchisq_sf,
    impulse,
    independent_chi2_extremes,
    kappa_tilde,
    littlewood_paley,
    lp_extremes_model,
    notebook_chernoff_alpha,
    nyquist_sine,
    polyphase_matrices,
    random_filterbank,
    simulate_energy,
    simulate_frame_bounds,
)

X = impulse(16)
W = np.ones((2, 4))
BAD_P = [0, 1, -0.1, 1.5, np.nan, [0.5, 1.0]]

# The signal-taking functions, each as f(x) with valid other arguments.
SIGNAL_FUNCTIONS = {
    "autocorrelation": lambda x: autocorrelation(x),
    "autocorrelation_matrix": lambda x: autocorrelation_matrix(x, 2),
    "energy_eigenvalues": lambda x: energy_eigenvalues(x, 2),
    "energy_mean": lambda x: energy_mean(x, 2, 2),
    "energy_variance": lambda x: energy_variance(x, 2, 2),
    "energy_tail": lambda x: energy_tail(x, 2, 2, 0.1),
    "energy_pdf": lambda x: energy_pdf(x, 2, 2, 1.0),
    "energy_quantile": lambda x: energy_quantile(x, 2, 2, 0.1),
    "cantelli_alpha": lambda x: cantelli_alpha(x, 2, 2, 0.1),
    "chernoff_alpha": lambda x: chernoff_alpha(x, 2, 2, 0.1),
    "notebook_chernoff_alpha": lambda x: notebook_chernoff_alpha(x, 2, 2, 0.1),
    "filterbank_energy": lambda x: filterbank_energy(x, np.ones((2, 2))),
    "filterbank_energy_stride": lambda x: filterbank_energy(x, np.ones((2, 2)), 2),
    "simulate_energy": lambda x: simulate_energy(x, 2, 2, 3),
    "simulate_energy_spectral": lambda x: simulate_energy(x, 2, 2, 3, method="spectral"),
}

BAD_SIGNALS = [
    pytest.param([], ValueError, r"\bx\b.*empty", id="empty"),
    pytest.param(np.zeros(8), ValueError, r"\bx\b.*zero", id="all-zero"),
    pytest.param(np.r_[1.0, np.nan, 0.0, 0.0], ValueError, r"\bx\b.*finite", id="nan"),
    pytest.param(np.r_[1.0, np.inf, 0.0, 0.0], ValueError, r"\bx\b.*finite", id="inf"),
    pytest.param(np.ones((2, 4)), ValueError, r"\bx\b.*1-D", id="2-D"),
    pytest.param(3.0, ValueError, r"\bx\b.*1-D", id="scalar"),
    pytest.param(None, TypeError, r"\bx\b", id="None"),
    pytest.param("abcd", TypeError, r"\bx\b", id="string"),
    pytest.param(np.ones(8) * (1 + 1j), TypeError, r"\bx\b.*real", id="complex"),
]


@pytest.mark.parametrize(("bad", "error", "match"), BAD_SIGNALS)
@pytest.mark.parametrize("name", SIGNAL_FUNCTIONS)
def test_bad_signals_are_rejected(name, bad, error, match):
    with pytest.raises(error, match=match):
        SIGNAL_FUNCTIONS[name](bad)


# The functions taking sizes (J, T) for a signal of length N = 16.
SIZE_FUNCTIONS = {
    "energy_mean": lambda J, T: energy_mean(X, J, T),
    "energy_variance": lambda J, T: energy_variance(X, J, T),
    "energy_tail": lambda J, T: energy_tail(X, J, T, 0.1),
    "energy_pdf": lambda J, T: energy_pdf(X, J, T, 1.0),
    "energy_quantile": lambda J, T: energy_quantile(X, J, T, 0.1),
    "cantelli_alpha": lambda J, T: cantelli_alpha(X, J, T, 0.1),
    "chernoff_alpha": lambda J, T: chernoff_alpha(X, J, T, 0.1),
    "notebook_chernoff_alpha": lambda J, T: notebook_chernoff_alpha(X, J, T, 0.1),
    "simulate_energy": lambda J, T: simulate_energy(X, J, T, 3),
    "simulate_frame_bounds": lambda J, T: simulate_frame_bounds(16, J, T, 3),
}
BAD_SIZES = [
    pytest.param(2, 17, ValueError, r"\bT\b.*\bN\b", id="T>N"),
    pytest.param(0, 4, ValueError, r"\bJ\b", id="J=0"),
    pytest.param(-3, 4, ValueError, r"\bJ\b", id="J<0"),
    pytest.param(2, 0, ValueError, r"\bT\b", id="T=0"),
    pytest.param(2.5, 4, TypeError, r"\bJ\b.*integer", id="J=2.5"),
    pytest.param(2, 3.5, TypeError, r"\bT\b.*integer", id="T=3.5"),
    pytest.param("2", 4, TypeError, r"\bJ\b", id="J-string"),
    pytest.param(True, 4, TypeError, r"\bJ\b", id="J-bool"),
]


@pytest.mark.parametrize(("J", "T", "error", "match"), BAD_SIZES)
@pytest.mark.parametrize("name", SIZE_FUNCTIONS)
def test_bad_sizes_are_rejected(name, J, T, error, match):
    with pytest.raises(error, match=match):
        SIZE_FUNCTIONS[name](J, T)


@pytest.mark.parametrize(("T", "match"), [(17, r"\bT\b"), (0, r"\bT\b"), (2.5, r"\bT\b")])
@pytest.mark.parametrize("function", [autocorrelation_matrix, energy_eigenvalues])
def test_bad_T_for_the_toeplitz_matrix(function, T, match):
    with pytest.raises((ValueError, TypeError), match=match):
        function(X, T)


P_FUNCTIONS = {
    "energy_quantile": energy_quantile,
    "cantelli_alpha": cantelli_alpha,
    "chernoff_alpha": chernoff_alpha,
    "notebook_chernoff_alpha": notebook_chernoff_alpha,
}


@pytest.mark.parametrize("p", BAD_P)
@pytest.mark.parametrize("name", P_FUNCTIONS)
def test_probabilities_outside_the_open_unit_interval_are_rejected(name, p):
    with pytest.raises(ValueError, match=r"\bp\b.*\(0, 1\)"):
        P_FUNCTIONS[name](X, 2, 4, p)


@pytest.mark.parametrize("name", P_FUNCTIONS)
def test_empty_probabilities_are_rejected(name):
    with pytest.raises(ValueError, match=r"\bp\b.*empty"):
        P_FUNCTIONS[name](X, 2, 4, [])


@pytest.mark.parametrize("alpha", [np.nan, np.inf, [0.1, np.nan]])
def test_non_finite_alpha_is_rejected_by_energy_tail(alpha):
    with pytest.raises(ValueError, match=r"\balpha\b"):
        energy_tail(X, 2, 4, alpha)


@pytest.mark.parametrize("q", [np.nan, -np.inf])
def test_non_finite_energies_are_rejected_by_energy_pdf(q):
    with pytest.raises(ValueError, match=r"\bq\b"):
        energy_pdf(X, 2, 4, q)


@pytest.mark.parametrize("sigma", [0, -1.0, np.nan, np.inf, "a"])
@pytest.mark.parametrize("function", [
    lambda s: random_filterbank(2, 4, sigma=s),
    lambda s: energy_mean(X, 2, 4, sigma=s),
    lambda s: energy_variance(X, 2, 4, sigma=s),
    lambda s: energy_tail(X, 2, 4, 0.1, sigma=s),
    lambda s: energy_quantile(X, 2, 4, 0.1, sigma=s),
    lambda s: cantelli_alpha(X, 2, 4, 0.1, sigma=s),
    lambda s: chernoff_alpha(X, 2, 4, 0.1, sigma=s),
    lambda s: simulate_energy(X, 2, 4, 3, sigma=s),
    lambda s: simulate_frame_bounds(16, 2, 4, 3, sigma=s),
])
def test_bad_sigma_is_rejected(function, sigma):
    with pytest.raises((ValueError, TypeError), match=r"\bsigma\b"):
        function(sigma)


# ------------------------------------------------------------------------- strides

STRIDE_FUNCTIONS = {
    "filterbank_energy": lambda s: filterbank_energy(X, W, s),
    "filterbank_matrix": lambda s: filterbank_matrix(W, 16, s),
    "frame_bounds": lambda s: frame_bounds(W, 16, s),
    "condition_number": lambda s: condition_number(W, 16, s),
    "polyphase_matrices": lambda s: polyphase_matrices(W, 16, s),
    "simulate_frame_bounds": lambda s: simulate_frame_bounds(16, 2, 4, 3, stride=s),
}


@pytest.mark.parametrize(("stride", "error", "match"), [
    pytest.param(3, ValueError, r"\bstride\b.*divide", id="not-dividing"),
    pytest.param(32, ValueError, r"\bstride\b", id="larger-than-N"),
    pytest.param(0, ValueError, r"\bstride\b", id="zero"),
    pytest.param(2.5, TypeError, r"\bstride\b", id="non-integer"),
])
@pytest.mark.parametrize("name", STRIDE_FUNCTIONS)
def test_bad_strides_are_rejected(name, stride, error, match):
    with pytest.raises(error, match=match):
        STRIDE_FUNCTIONS[name](stride)


# ------------------------------------------------------------------------- filters

FILTER_FUNCTIONS = {
    "filterbank_energy": lambda w: filterbank_energy(X, w),
    "filterbank_matrix": lambda w: filterbank_matrix(w, 16),
    "frame_bounds": lambda w: frame_bounds(w, 16),
    "condition_number": lambda w: condition_number(w, 16),
    "littlewood_paley": lambda w: littlewood_paley(w, 16),
    "polyphase_matrices": lambda w: polyphase_matrices(w, 16, 2),
}


@pytest.mark.parametrize(("w", "error", "match"), [
    pytest.param(np.ones(4), ValueError, r"\bw\b", id="1-D"),
    pytest.param(np.ones((2, 17)), ValueError, r"\bT\b.*\bN\b", id="T>N"),
    pytest.param(np.ones((2, 0)), ValueError, r"\bw\b", id="T=0"),
    pytest.param(np.ones((0, 4)), ValueError, r"\bw\b", id="J=0"),
    pytest.param(np.full((2, 4), np.nan), ValueError, r"\bw\b.*finite", id="nan"),
    pytest.param(np.ones((2, 4)) * 1j, TypeError, r"\bw\b.*real", id="complex"),
    pytest.param(None, TypeError, r"\bw\b", id="None"),
])
@pytest.mark.parametrize("name", FILTER_FUNCTIONS)
def test_bad_filters_are_rejected(name, w, error, match):
    with pytest.raises(error, match=match):
        FILTER_FUNCTIONS[name](w)


@pytest.mark.parametrize("N", [0, 2.5, 3])
@pytest.mark.parametrize("function", [filterbank_matrix, frame_bounds, condition_number,
                                      littlewood_paley])
def test_bad_signal_length_for_filters_is_rejected(function, N):
    # N = 3 is shorter than the filters (T = 4).
    with pytest.raises((ValueError, TypeError), match=r"\bN\b"):
        function(W, N)


def test_filterbank_matrix_wants_one_filterbank():
    with pytest.raises(ValueError, match=r"\bw\b.*\(J, T\)"):
        filterbank_matrix(np.ones((3, 2, 4)), 16)


# ---------------------------------------------------------------------- simulation


@pytest.mark.parametrize("n_draws", [0, -5, 2.5])
@pytest.mark.parametrize("function", [
    lambda n: simulate_energy(X, 2, 4, n),
    lambda n: simulate_frame_bounds(16, 2, 4, n),
])
def test_bad_numbers_of_draws_are_rejected(function, n_draws):
    with pytest.raises((ValueError, TypeError), match=r"\bn_draws\b"):
        function(n_draws)


@pytest.mark.parametrize("method", ["fft", "", None, "Spectral"])
def test_bad_method_is_rejected(method):
    with pytest.raises(ValueError, match=r"\bmethod\b.*convolution.*spectral"):
        simulate_energy(X, 2, 4, 3, method=method)


@pytest.mark.parametrize(("rng", "error"), [("seed", TypeError), (1.5, TypeError),
                                            (-1, ValueError), ([1, 2], TypeError),
                                            (True, TypeError),
                                            (np.random.RandomState(0), TypeError)])
@pytest.mark.parametrize("function", [
    lambda r: random_filterbank(2, 4, rng=r),
    lambda r: brownian_noise(16, rng=r),
    lambda r: simulate_energy(X, 2, 4, 3, rng=r),
    lambda r: simulate_energy(X, 2, 4, 3, rng=r, method="spectral"),
    lambda r: simulate_frame_bounds(16, 2, 4, 3, rng=r),
])
def test_bad_rng_is_rejected(function, rng, error):
    with pytest.raises(error, match=r"\brng\b"):
        function(rng)


@pytest.mark.parametrize("progress", ["yes", 3, 0.5])
@pytest.mark.parametrize("function", [
    lambda p: simulate_energy(X, 2, 4, 3, progress=p),
    lambda p: simulate_frame_bounds(16, 2, 4, 3, progress=p),
])
def test_bad_progress_is_rejected(function, progress):
    with pytest.raises(TypeError, match=r"\bprogress\b"):
        function(progress)


# ------------------------------------------------------------------------- signals


@pytest.mark.parametrize(("call", "error", "match"), [
    pytest.param(lambda: impulse(0), ValueError, r"\bN\b", id="impulse-N=0"),
    pytest.param(lambda: impulse(2.5), TypeError, r"\bN\b", id="impulse-N=2.5"),
    pytest.param(lambda: impulse(4, at=4), ValueError, r"\bat\b", id="impulse-at=N"),
    pytest.param(lambda: impulse(4, at=-1), ValueError, r"\bat\b", id="impulse-at<0"),
    pytest.param(lambda: nyquist_sine(5), ValueError, r"\bN\b.*even", id="nyquist-odd"),
    pytest.param(lambda: nyquist_sine(0), ValueError, r"\bN\b", id="nyquist-N=0"),
    pytest.param(lambda: brownian_noise(1), ValueError, r"\bN\b", id="brownian-N=1"),
    pytest.param(lambda: brownian_noise(8, step_probability=0), ValueError,
                 r"\bstep_probability\b", id="brownian-p=0"),
    pytest.param(lambda: brownian_noise(8, step_probability=1.5), ValueError,
                 r"\bstep_probability\b", id="brownian-p>1"),
    pytest.param(lambda: random_filterbank(2, 4, size=-1), ValueError, r"\bsize\b",
                 id="size<0"),
    pytest.param(lambda: random_filterbank(2, 4, size=2.5), ValueError, r"\bsize\b",
                 id="size=2.5"),
    pytest.param(lambda: random_filterbank(2, 4, dtype=np.int64), ValueError, r"\bdtype\b",
                 id="dtype"),
])
def test_bad_signal_and_filterbank_parameters(call, error, match):
    with pytest.raises(error, match=match):
        call()


# --------------------------------------------------------- laws, extremes, models


@pytest.mark.parametrize(("call", "match"), [
    pytest.param(lambda f: f(1.0, [], 1), r"\bweights\b", id="weights-empty"),
    pytest.param(lambda f: f(1.0, [1.0, -1.0], 1), r"\bweights\b", id="weights-negative"),
    pytest.param(lambda f: f(1.0, [0.0, 0.0], 1), r"\bweights\b", id="weights-zero"),
    pytest.param(lambda f: f(1.0, [1.0, np.nan], 1), r"\bweights\b", id="weights-nan"),
    pytest.param(lambda f: f(1.0, [1.0, 2.0], 0), r"\bdf\b", id="df-zero"),
    pytest.param(lambda f: f(1.0, [1.0, 2.0], [1, 2, 3]), r"\bdf\b", id="df-shape"),
    pytest.param(lambda f: f(np.nan, [1.0, 2.0], 1), r"\bq\b", id="q-nan"),
])
@pytest.mark.parametrize("function", [gchisq_sf, gchisq_pdf])
def test_bad_generalised_chi_squared_arguments(function, call, match):
    with pytest.raises(ValueError, match=match):
        call(function)


@pytest.mark.parametrize(("call", "error", "match"), [
    pytest.param(lambda: chi2_extremes(0, 3), ValueError, r"\bdf\b", id="df=0"),
    pytest.param(lambda: chi2_extremes(-1, 3), ValueError, r"\bdf\b", id="df<0"),
    pytest.param(lambda: chi2_extremes(2, 0), ValueError, r"\bn\b", id="n=0"),
    pytest.param(lambda: chi2_extremes(2, 2.5), TypeError, r"\bn\b", id="n=2.5"),
    pytest.param(lambda: independent_chi2_extremes([]), ValueError, r"\bgroups\b",
                 id="groups-empty"),
    pytest.param(lambda: lp_extremes_model(40, 8, "exact"), ValueError, r"\bmodel\b",
                 id="model"),
    pytest.param(lambda: lp_extremes_model(0, 8), ValueError, r"\bJ\b", id="model-J=0"),
    pytest.param(lambda: lp_extremes_model(4, 2.5), TypeError, r"\bT\b", id="model-T=2.5"),
    pytest.param(lambda: asymptotic_bounds(0, 8), ValueError, r"\bJ\b", id="asymptotic-J=0"),
    pytest.param(lambda: asymptotic_bounds(4, 0.5), ValueError, r"\bT\b", id="asymptotic-T<1"),
    pytest.param(lambda: kappa_tilde(-1, 8), ValueError, r"\bJ\b", id="kappa-J<0"),
    pytest.param(lambda: kappa_tilde(4, np.nan), ValueError, r"\bT\b", id="kappa-T-nan"),
])
def test_bad_extremes_arguments(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_unknown_recording_names_the_available_ones():
    if not hasattr(randfb, "load_recording"):
        pytest.skip("randfb.load_recording is not there yet")
    with pytest.raises(ValueError, match=r"\bname\b") as info:
        randfb.load_recording("no such recording")
    for name in randfb.available_recordings():
        assert name in str(info.value)
