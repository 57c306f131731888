"""randfb: random filterbanks — exact theory and fast simulation.

The numeric companion of the book on *Instabilities in Convnets for Raw Audio*
(Haider, Lostanlen, Ehler, Balazs; IEEE SPL 2024). One module per topic:

* :mod:`randfb.signals`     test signals (impulse, Nyquist sine, Brownian noise)
* :mod:`randfb.recordings`  real recordings shipped in ``data/``
* :mod:`randfb.filterbank`  random filterbanks, their energy response, the dense operator
* :mod:`randfb.energy`      mean, variance and spectrum of the energy response
* :mod:`randfb.gchisq`      its exact law (generalised chi-squared): tail, density, quantile
* :mod:`randfb.deviations`  Cantelli and Chernoff (Laurent-Massart) deviation bounds
* :mod:`randfb.deviation_curves` deviation curves against T (the paper's figures)
* :mod:`randfb.periodicity` autocorrelation and periodicity measures of a signal
* :mod:`randfb.frames`      frame bounds and condition numbers (any stride)
* :mod:`randfb.extremes`    expected chi-squared extremes, asymptotic bounds, kappa tilde
* :mod:`randfb.lpsum`       per-frequency law of the Littlewood-Paley sum, exact sampler at T = N
* :mod:`randfb.bound_variance` variances of A and B: Poincare bounds, chi-squared model
* :mod:`randfb.scaling`     condition numbers along J = c log T, filters needed for a target
* :mod:`randfb.simulate`    vectorised, chunked, threaded Monte Carlo
* :mod:`randfb.strided`     strided layers: mean polyphase matrix, sweeps, tail indices
* :mod:`randfb.handcrafted` hand-crafted gammatone and mel FIR filterbanks
* :mod:`randfb.training`    gradient descent towards a target bank: closed form, SGD, penalty
* :mod:`randfb.relu`        the energy after a ReLU: exact mean and variance
* :mod:`randfb.depth`       pooling and a second random layer, by simulation
* :mod:`randfb.calculator`  the stability calculator behind ``python -m randfb``
* :mod:`randfb.weights`     trained first layers from .npy, .npz, .pt/.pth, .safetensors
* :mod:`randfb.checks`      the chapters' checks: record each comparison, assert them all
* :mod:`randfb.parameters`  validation of a chapter's parameters (the cell after `parameters`)
* :mod:`randfb.formatting`  numbers as the pages print them, 3.19 × 10⁴ (glued as text)
* :mod:`randfb.plotting`    the book's plotting style (imports matplotlib; not loaded here)
"""

from .bound_variance import (
    chi2_extremes_variance,
    frame_bound_variance_bounds,
    lp_extremes_model_variance,
    sample_variance_se,
)
from .checks import Checks
from .depth import DepthEnergies, depth_energy_means, simulate_depth
from .deviation_curves import DeviationCurves, deviation_curves, plot_deviation_curves
from .deviations import cantelli_alpha, chernoff_alpha, notebook_chernoff_alpha
from .energy import (
    autocorrelation,
    autocorrelation_matrix,
    energy_eigenvalues,
    energy_mean,
    energy_variance,
)
from .extremes import (
    asymptotic_bounds,
    chi2_extremes,
    independent_chi2_extremes,
    kappa_tilde,
    lp_extremes_model,
)
from .filterbank import filterbank_energy, filterbank_matrix, random_filterbank
from .frames import (
    can_be_frame,
    condition_number,
    frame_bounds,
    kappa_from_bounds,
    kappa_moment_threshold,
    littlewood_paley,
    polyphase_matrices,
)
from .gchisq import energy_pdf, energy_quantile, energy_tail, gchisq_pdf, gchisq_sf
from .handcrafted import filter_peak_frequencies, gammatone_filterbank, mel_filterbank
from .lpsum import (
    lp_bin_correlation,
    lp_bin_variance,
    lp_bin_weights,
    lp_maximal_bounds,
    sample_full_length_bounds,
)
from .periodicity import autocorrelation_energy, autocorrelation_peak, spectral_flatness
from .recordings import available_recordings, load_recording
from .relu import (
    relu_energy_moments,
    relu_energy_variance_dense,
    relu_impulse_moments,
    relu_pooled_energy_mean,
    relu_square_covariance,
    relu_variance_parts,
    simulate_relu_energy,
)
from .scaling import (
    FiltersNeeded,
    condition_summary,
    filters_for_condition,
    fit_log_constant,
    large_deviation_limit,
    log_constant_for_limit,
    nested_frame_bounds,
    simulate_frame_bounds_nested,
)
from .signals import brownian_noise, impulse, nyquist_sine
from .simulate import simulate_energy, simulate_frame_bounds
from .training import (
    DescentCurves,
    descent_curves,
    filterbank_fit_loss,
    gradient_descent_filters,
    penalised_descent_filters,
    preconditioned_descent_filters,
    sgd_filters,
    tightness_penalty,
    tightness_penalty_gradient,
)
from .weights import load_weights

__version__ = "0.1.0"

__all__ = [
    "asymptotic_bounds",
    "autocorrelation",
    "autocorrelation_energy",
    "autocorrelation_matrix",
    "autocorrelation_peak",
    "available_recordings",
    "brownian_noise",
    "can_be_frame",
    "cantelli_alpha",
    "Checks",
    "chernoff_alpha",
    "chi2_extremes",
    "chi2_extremes_variance",
    "condition_number",
    "condition_summary",
    "depth_energy_means",
    "DepthEnergies",
    "deviation_curves",
    "descent_curves",
    "DescentCurves",
    "DeviationCurves",
    "energy_eigenvalues",
    "energy_mean",
    "energy_pdf",
    "energy_quantile",
    "energy_tail",
    "energy_variance",
    "filterbank_energy",
    "filterbank_matrix",
    "filter_peak_frequencies",
    "filterbank_fit_loss",
    "filters_for_condition",
    "FiltersNeeded",
    "fit_log_constant",
    "frame_bound_variance_bounds",
    "frame_bounds",
    "gradient_descent_filters",
    "gammatone_filterbank",
    "gchisq_pdf",
    "gchisq_sf",
    "impulse",
    "independent_chi2_extremes",
    "kappa_from_bounds",
    "kappa_moment_threshold",
    "kappa_tilde",
    "large_deviation_limit",
    "littlewood_paley",
    "load_recording",
    "load_weights",
    "log_constant_for_limit",
    "lp_bin_correlation",
    "lp_bin_variance",
    "lp_bin_weights",
    "lp_extremes_model",
    "lp_extremes_model_variance",
    "lp_maximal_bounds",
    "mel_filterbank",
    "nested_frame_bounds",
    "notebook_chernoff_alpha",
    "nyquist_sine",
    "penalised_descent_filters",
    "plot_deviation_curves",
    "polyphase_matrices",
    "preconditioned_descent_filters",
    "random_filterbank",
    "relu_energy_moments",
    "relu_energy_variance_dense",
    "relu_impulse_moments",
    "relu_pooled_energy_mean",
    "relu_square_covariance",
    "relu_variance_parts",
    "sample_full_length_bounds",
    "sgd_filters",
    "sample_variance_se",
    "simulate_depth",
    "simulate_energy",
    "simulate_frame_bounds",
    "simulate_frame_bounds_nested",
    "simulate_relu_energy",
    "spectral_flatness",
    "tightness_penalty",
    "tightness_penalty_gradient",
]
