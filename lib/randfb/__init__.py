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
* :mod:`randfb.strided_energy` Monte Carlo energy response of a strided layer
* :mod:`randfb.block_transform` strided layers with T = d: kappa of a Wishart matrix
* :mod:`randfb.handcrafted` hand-crafted gammatone and mel FIR filterbanks
* :mod:`randfb.training`    gradient descent towards a target bank: closed form, SGD, penalty
* :mod:`randfb.relu`        the energy after a ReLU: exact mean and variance
* :mod:`randfb.depth`       pooling and a second random layer, by simulation
* :mod:`randfb.calculator`  the stability calculator behind ``python -m randfb``
* :mod:`randfb.weights`     trained first layers from .npy, .npz, .pt/.pth, .safetensors
* :mod:`randfb.tasks`       downstream tasks: spoken digits, pitched notes, their folds
* :mod:`randfb.frontend`    a first layer on a task: log-energy features, softmax, gradients
* :mod:`randfb.controlled_kappa` random banks whose median condition number is set
* :mod:`randfb.layer_measures` a task layer's kappa, its input's kappa(Q_T), its movement
* :mod:`randfb.parallel`    independent units of a sweep through joblib (or Dask)
* :mod:`randfb.task_stats`  intervals over independent units, paired tests, Holm, equivalence
* :mod:`randfb.checks`      the chapters' checks: record each comparison, assert them all
* :mod:`randfb.parameters`  validation of a chapter's parameters (the cell after `parameters`)
* :mod:`randfb.formatting`  numbers as the pages print them, 3.19 × 10⁴ (glued as text)
* :mod:`randfb.plotting`    the book's plotting style (imports matplotlib; not loaded here)

Importing the package is cheap: it loads no submodule (and neither NumPy nor SciPy).
Each public name is imported from its module on first use (PEP 562 ``__getattr__``), so
``randfb.frame_bounds``, ``from randfb import frame_bounds`` and ``randfb.frames`` all
work as if imported eagerly, and ``randfb --version`` answers at once.
"""

from __future__ import annotations

import importlib
import sys
import types

__version__ = "0.1.0"

#: Public names, by module: ``"module": "name name ..."``. To export a module's names,
#: add its one line here (nothing else: ``__all__``, ``dir()`` and the lazy import follow).
_EXPORTS = {
    "bound_variance": "chi2_extremes_variance frame_bound_variance_bounds lp_extremes_model_variance sample_variance_se",
    "checks": "Checks",
    "controlled_kappa": "controlled_kappa_filterbank controlled_kappa_strength",
    "depth": "depth_energy_means DepthEnergies simulate_depth",
    "deviation_curves": "deviation_curves DeviationCurves plot_deviation_curves",
    "deviations": "cantelli_alpha chernoff_alpha notebook_chernoff_alpha",
    "energy": "autocorrelation autocorrelation_matrix energy_eigenvalues energy_mean energy_variance strided_energy_matrix",
    "extremes": "asymptotic_bounds chi2_extremes independent_chi2_extremes kappa_tilde lp_extremes_model",
    "filterbank": "filterbank_energy filterbank_matrix random_filterbank",
    "frames": "can_be_frame condition_number frame_bounds kappa_from_bounds kappa_moment_threshold littlewood_paley polyphase_matrices",
    "frontend": "FrontEnd frozen_fold_accuracies log_energy_features log_energy_gradients",
    "gchisq": "energy_pdf energy_quantile energy_tail gchisq_pdf gchisq_sf",
    "handcrafted": "filter_peak_frequencies gammatone_filterbank mel_filterbank",
    "layer_measures": "bank_kappa input_kappa relative_movement steps_to_threshold",
    "lpsum": "lp_bin_correlation lp_bin_variance lp_bin_weights lp_maximal_bounds sample_full_length_bounds",
    "parallel": "run_parallel unit_seeds",
    "periodicity": "autocorrelation_energy autocorrelation_peak spectral_flatness",
    "recordings": "available_recordings load_recording",
    "relu": "relu_energy_moments relu_energy_variance_dense relu_impulse_moments relu_minimising_signal relu_minimum_relative_variance relu_pooled_energy_mean relu_square_covariance relu_variance_parts simulate_relu_energy",
    "scaling": "condition_summary filters_for_condition FiltersNeeded fit_log_constant large_deviation_limit log_constant_for_limit nested_frame_bounds simulate_frame_bounds_nested",
    "signals": "brownian_noise impulse nyquist_sine",
    "simulate": "simulate_energy simulate_frame_bounds",
    "strided_energy": "simulate_strided_energy",
    "task_stats": "bootstrap_ci equivalence_margin group_means holm Interval paired_difference sign_flip_pvalue slope_ci steps_summary unit_slopes",
    "tasks": "load_digits load_notes task_folds TaskData",
    "training": "descent_curves DescentCurves filterbank_fit_loss gradient_descent_filters penalised_descent_filters preconditioned_descent_filters sgd_filters tightness_penalty tightness_penalty_gradient",
    "weights": "load_weights",
}

#: Public name -> the module that defines it.
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names.split()}

__all__ = sorted(_MODULE_OF, key=str.lower)


def __getattr__(name):
    """Import a public name's module on first use, and cache the name here."""
    if name in _MODULE_OF:
        value = getattr(importlib.import_module(f".{_MODULE_OF[name]}", __name__), name)
    elif name.isidentifier() and not name.startswith("__"):  # a submodule: randfb.frames
        try:
            value = importlib.import_module(f".{name}", __name__)
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise  # the submodule exists but one of its imports is missing
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_MODULE_OF))


class _Package(types.ModuleType):
    """The package, kept from binding a submodule over a public name of the same name.

    Importing ``randfb.deviation_curves`` sets the package attribute
    ``deviation_curves`` to the module; the public name is the function of that module.
    """

    def __setattr__(self, name, value):
        if (name in _MODULE_OF and isinstance(value, types.ModuleType)
                and value.__name__ == f"{__name__}.{name}"):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
