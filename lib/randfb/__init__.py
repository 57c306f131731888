"""randfb: random filterbanks — exact theory and fast simulation.

The numeric companion of the book on *Instabilities in Convnets for Raw Audio*
(Haider, Lostanlen, Ehler, Balazs; IEEE SPL 2024). One module per topic:

* :mod:`randfb.signals`     test signals (impulse, Nyquist sine, Brownian noise)
* :mod:`randfb.recordings`  real recordings shipped in ``data/``
* :mod:`randfb.filterbank`  random filterbanks, their energy response, the dense operator
* :mod:`randfb.energy`      mean, variance and spectrum of the energy response
* :mod:`randfb.gchisq`      its exact law (generalised chi-squared): tail, density, quantile
* :mod:`randfb.deviations`  Cantelli and Chernoff (Laurent-Massart) deviation bounds
* :mod:`randfb.frames`      frame bounds and condition numbers (any stride)
* :mod:`randfb.extremes`    expected chi-squared extremes, asymptotic bounds, kappa tilde
* :mod:`randfb.simulate`    vectorised, chunked, threaded Monte Carlo
* :mod:`randfb.strided`     strided layers: expected polyphase matrix, redundancy sweeps
* :mod:`randfb.calculator`  the stability calculator behind ``python -m randfb``
* :mod:`randfb.plotting`    the book's plotting style (imports matplotlib; not loaded here)
"""

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
    littlewood_paley,
    polyphase_matrices,
)
from .gchisq import energy_pdf, energy_quantile, energy_tail, gchisq_pdf, gchisq_sf
from .recordings import available_recordings, load_recording
from .signals import brownian_noise, impulse, nyquist_sine
from .simulate import simulate_energy, simulate_frame_bounds

__version__ = "0.1.0"

__all__ = [
    "asymptotic_bounds",
    "autocorrelation",
    "available_recordings",
    "autocorrelation_matrix",
    "brownian_noise",
    "can_be_frame",
    "cantelli_alpha",
    "chernoff_alpha",
    "chi2_extremes",
    "condition_number",
    "energy_eigenvalues",
    "energy_mean",
    "energy_pdf",
    "energy_quantile",
    "energy_tail",
    "energy_variance",
    "filterbank_energy",
    "filterbank_matrix",
    "frame_bounds",
    "gchisq_pdf",
    "gchisq_sf",
    "impulse",
    "independent_chi2_extremes",
    "kappa_from_bounds",
    "kappa_tilde",
    "littlewood_paley",
    "load_recording",
    "lp_extremes_model",
    "notebook_chernoff_alpha",
    "nyquist_sine",
    "polyphase_matrices",
    "random_filterbank",
    "simulate_energy",
    "simulate_frame_bounds",
]
