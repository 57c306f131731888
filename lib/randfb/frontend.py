"""A first layer on a task: log-energy features of a filterbank and a softmax classifier.

The model. Clips ``x_c`` of ``N`` samples pass through the book's layer ``Phi``: ``J``
FIR filters ``w_j`` of length ``T`` applied by circular *convolution* at stride ``d``,

    y_c[m, j] = sum_{t < T} w_j[t] x_c[(d m - t) mod N],   m = 0..M-1,   M = N / d,

exactly the operator whose frame bounds :func:`randfb.frame_bounds` computes, so the
``kappa`` of a bank is the ``kappa`` of the layer the model uses. (Many toolkits apply a
cross-correlation, ``sum_t w_j[t] x[d m + t]``: that is the convolution with the
time-reversed filter ``w_j[T - 1 - t]``, read at outputs shifted by ``T - 1`` samples.
Reversal keeps ``|w_hat_j|`` (its DFT is ``conj(w_hat_j)`` times a phase), so the
Littlewood-Paley sum and the stride-1 bounds are unchanged; at stride ``d`` each
polyphase matrix becomes a diagonal-phase conjugate of its transpose, with the same
eigenvalues; and a shift of the input is unitary. The frame bounds are the same.)

Then the outputs are squared and averaged over ``K`` equal segments of the clip,
``e_c[j, k] = (1 / L) sum_{m in segment k} y_c[m, j]^2`` with ``L = M / K``, and

    f_c[j, k] = log(e_c[j, k] + epsilon_{c, j}),
    epsilon_{c, j} = eps_rel ||w_j||^2 ||x_c||^2 / N,

a floor ``eps_rel`` times the *typical energy* of that output: the mean of
``y_c[m, j]^2`` that filter ``j`` gives for a flat-spectrum (white) clip of the same
power as ``x_c``. Because the floor scales with ``||w_j||^2``, a gain ``g_j`` on filter
``j`` adds exactly ``2 log g_j`` to every ``f[j, k]``: a constant per feature, which the
standardisation below removes. Per-filter gains are invisible to this model; a bank's
condition number can only matter through the *shapes* of its filters' spectra.

Features are standardised, ``z = (f - mean_) / scale_``, with the mean and standard
deviation of each feature over the training clips, and fed to a linear softmax
classifier: ``p(class | x) = softmax(z coef_^T + intercept_)``. The training loss is

    mean_c CE(p_c, y_c) + alpha / 2 ||coef_||_F^2 + tightness mean_k (LP[k] - 1)^2,

the last term the tightness penalty of :func:`randfb.training.tightness_penalty` on the
``N``-bin grid. When the filters learn, ``mean_`` and ``scale_`` are fixed at the start
of :meth:`FrontEnd.fit` from the initial bank's features on the training set and held
constant (no gradient flows through them), as a fixed input normalisation.

Features are computed by matrix products over frames: all ``M`` frames of a chunk of
clips form one ``(clips * M, T)`` matrix, multiplied by the ``(T, J)`` filters in one
BLAS call; chunks bound the memory. The gradients with respect to the filters and the
classifier are written out in :func:`log_energy_gradients` and checked against central
finite differences in the tests.

Used by: book/downstream.ipynb.
"""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from ._threads import single_thread
from ._validation import (
    as_generator,
    check_filters,
    check_int,
    check_nonnegative,
    check_positive,
)
from .training import penalty_and_gradient

__all__ = [
    "FrontEnd",
    "frozen_fold_accuracies",
    "log_energy_features",
    "log_energy_gradients",
    "softmax_loss_gradients",
]

#: Default floor of the log-energy, relative to the typical output energy (-40 dB).
EPS_REL = 1e-4

#: Bytes of frames a chunk of clips may hold at once (the default ``chunk_clips``).
FRAME_BUDGET_BYTES = 32 * 2**20

#: Adam's constants (Kingma and Ba, 2015): decay of the first and second moments, floor.
ADAM_BETA1, ADAM_BETA2, ADAM_EPSILON = 0.9, 0.999, 1e-8


# --------------------------------------------------------------------------- validation
def _check_clips(x, name="x"):
    """``x`` as a float64 ``(n_clips, N)`` array of finite clips, none all zero."""
    if isinstance(x, (str, bytes)) or x is None:
        raise TypeError(f"{name} must be a 2-D array of clips (n_clips, N)")
    arr = np.asarray(x)
    if not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    arr = arr.astype(np.float64, copy=False)
    if arr.ndim != 2 or arr.shape[0] < 1 or arr.shape[1] < 1:
        raise ValueError(f"{name} must have shape (n_clips >= 1, N >= 1), got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must contain only finite values (no NaN or inf)")
    silent = np.flatnonzero(~np.any(arr, axis=1))
    if silent.size:
        raise ValueError(
            f"{name} must have no all-zero clip (its log-energy floor would be 0); "
            f"clip {int(silent[0])} is all zeros")
    return arr


def _check_bank(W, N, name="filters"):
    W = check_filters(W, N, name=name).astype(np.float64)
    if W.ndim != 2:
        raise ValueError(f"{name} must have shape (J, T), got {W.shape}")
    dead = np.flatnonzero(~np.any(W, axis=1))
    if dead.size:
        raise ValueError(f"{name} must have no all-zero filter; filter {int(dead[0])} is zero")
    return W


def _check_layout(N, T, stride, n_segments):
    """Check ``stride`` divides ``N`` and ``n_segments`` divides ``M = N / stride``."""
    stride = check_int(stride, "stride", minimum=1, maximum=N)
    if N % stride:
        raise ValueError(f"stride must divide the clip length N = {N}, got stride = {stride}")
    M = N // stride
    n_segments = check_int(n_segments, "n_segments", minimum=1, maximum=M)
    if M % n_segments:
        raise ValueError(
            f"n_segments must divide the number of outputs per filter M = N / stride = {M}, "
            f"got n_segments = {n_segments}")
    return stride, n_segments



def _default_chunk(M, T):
    return max(1, FRAME_BUDGET_BYTES // (8 * M * T))


def _check_dtype(dtype):
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise ValueError(f"dtype must be float32 or float64, got {dtype!r}") from None
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64, got {dtype}")
    return dtype.type


# --------------------------------------------------------------------------- features
def _frames(x, T, stride, dtype=np.float64, buffer=None):
    """Frames ``F[c, m, u] = x_c[(d m + u - (T - 1)) mod N]`` as a ``(n M, T)`` matrix.

    ``y_c[m, j] = sum_t w_j[t] x_c[(d m - t) mod N] = F[c, m] . w_j[::-1]``. Written into
    ``buffer`` (a 1-D array of ``dtype`` with room for them) if given: reusing one buffer
    across chunks saves the page faults of a fresh allocation (measured 4x faster).
    """
    n, N = x.shape
    M = N // stride
    if buffer is None:
        buffer = np.empty(n * M * T, dtype=dtype)
    if stride == T:
        # the windows tile the padded clip: frame m is padded[m T : (m + 1) T], so the
        # frames are the first N samples of the padded clips, written once (no copy of
        # a window view; measured 2x faster at N = 8192, T = d = 64)
        out = buffer[: n * N].reshape(n, N)
        out[:, : T - 1] = x[:, N - T + 1 :]
        out[:, T - 1 :] = x[:, : N - T + 1]
        return out.reshape(n * M, T)
    padded = np.concatenate([x[:, N - T + 1 :], x], axis=1)  # padded[i] = x[(i - T + 1) % N]
    windows = np.lib.stride_tricks.sliding_window_view(padded, T, axis=1)[:, ::stride]
    out = buffer[: n * M * T].reshape(n, M, T)
    np.copyto(out, windows, casting="same_kind")
    return out.reshape(n * M, T)


def _forward(x, W, stride, n_segments, eps_rel, dtype=np.float64, buffer=None):
    """Outputs, segment energies, floors and frames of a chunk of clips (no checks).

    Returns ``y (n, M, J)``, ``e (n, J, K)``, ``floor (n, J)``, ``frames (n * M, T)``;
    the frames and outputs in ``dtype``, the energies and floors in float64.
    """
    n, N = x.shape
    J, T = W.shape
    frames = _frames(x, T, stride, dtype, buffer)  # (n M, T)
    y = (frames @ W[:, ::-1].T.astype(dtype)).reshape(n, N // stride, J)
    e = np.square(y, dtype=np.float64).reshape(n, n_segments, -1, J).mean(axis=2)
    e = e.transpose(0, 2, 1)
    power = np.einsum("nt,nt->n", x, x) / N
    floor = eps_rel * power[:, None] * np.einsum("jt,jt->j", W, W)[None, :]
    return y, e, floor, frames


def log_energy_features(x, W, *, stride, n_segments, eps_rel=EPS_REL, chunk_clips=None,
                        dtype=np.float64):
    """Log-energy features ``f_c[j, k] = log(e_c[j, k] + eps_rel ||w_j||^2 ||x_c||^2 / N)``.

    ``e_c[j, k]`` is the mean of ``y_c[m, j]^2`` over the ``k``-th of ``K`` equal segments
    of the outputs ``y_c[m, j] = sum_t w_j[t] x_c[(d m - t) mod N]`` (module docstring).
    All clips of a chunk are one matrix product of their frames with the filters; no
    Python loop runs over clips or filters.

    Parameters
    ----------
    x : array_like, shape (n_clips, N)
        Clips; none may be all zeros.
    W : array_like, shape (J, T), T <= N
        Filters; none may be all zeros.
    stride : int, >= 1, dividing N
        ``d``.
    n_segments : int, >= 1, dividing M = N / d
        ``K``.
    eps_rel : float >= 0, default 1e-4
        Floor relative to the typical energy of each output (module docstring).
    chunk_clips : int >= 1, optional
        Clips per matrix product; default: as many as fit in 32 MiB of frames.
    dtype : {numpy.float64, numpy.float32}, default float64
        Precision of the frames and of the matrix product (the energies and logarithms
        are float64). float32 halves the time and memory; the features then agree with
        float64 to about 1e-6 relative.

    Returns
    -------
    f : ndarray, shape (n_clips, J * K)
        Column ``j K + k`` holds ``f[j, k]``.

    Examples
    --------
    >>> import numpy as np
    >>> from randfb import log_energy_features
    >>> x = np.random.default_rng(0).standard_normal((3, 64))
    >>> f = log_energy_features(x, np.eye(4)[:2], stride=2, n_segments=4, eps_rel=0.0)
    >>> f.shape     # a Dirac's outputs are every other sample of the clip
    (3, 8)
    >>> bool(np.isclose(f[0, 0], np.log(np.mean(x[0, 0:16:2] ** 2))))
    True
    """
    x = _check_clips(x)
    N = x.shape[1]
    W = _check_bank(W, N, name="W")
    stride, n_segments = _check_layout(N, W.shape[1], stride, n_segments)
    eps_rel = check_nonnegative(eps_rel, "eps_rel")
    M = N // stride
    dtype = _check_dtype(dtype)
    chunk = (_default_chunk(M, W.shape[1]) if chunk_clips is None
             else check_int(chunk_clips, "chunk_clips", minimum=1))
    chunk = min(chunk, x.shape[0])
    buffer = np.empty(chunk * M * W.shape[1], dtype=dtype)
    out = np.empty((x.shape[0], W.shape[0], n_segments))
    for start in range(0, x.shape[0], chunk):
        part = slice(start, start + chunk)
        _, e, floor, _ = _forward(x[part], W, stride, n_segments, eps_rel, dtype, buffer)
        _log_floor(e, floor, out=out[part])
        if not np.all(np.isfinite(out[part])):
            raise ValueError("eps_rel = 0 and a filter output is exactly zero on a segment: "
                             "its log-energy is -inf; use eps_rel > 0")
    return out.reshape(x.shape[0], -1)


def _log_floor(e, floor, out=None):
    with np.errstate(divide="ignore"):
        return np.log(e + floor[:, :, None], out=out)


# --------------------------------------------------------------------------- the loss
def _softmax(logits):
    shifted = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(shifted)
    p /= p.sum(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return p, log_p


def _check_classifier(labels, coef, intercept, n, D):
    """Check the classifier's arrays against ``n`` clips and ``D`` features."""
    def real(a, name, shape):
        a = np.asarray(a)
        if not np.issubdtype(a.dtype, np.number) or np.iscomplexobj(a):
            raise TypeError(f"{name} must hold real numbers, got dtype {a.dtype}")
        a = a.astype(np.float64)
        if a.shape != shape:
            raise ValueError(f"{name} must have shape {shape}, got {a.shape}")
        if not np.all(np.isfinite(a)):
            raise ValueError(f"{name} must contain only finite values")
        return a

    coef = np.asarray(coef)
    if coef.ndim != 2 or coef.shape[0] < 2:
        raise ValueError(f"coef must have shape (C >= 2 classes, {D}), got {coef.shape}")
    C = coef.shape[0]
    coef = real(coef, "coef", (C, D))
    intercept = real(intercept, "intercept", (C,))
    labels = np.asarray(labels)
    if labels.shape != (n,) or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be {n} integers (one per clip), got "
                         f"{labels.dtype} of shape {labels.shape}")
    if labels.min() < 0 or labels.max() >= C:
        raise ValueError(f"labels must lie in 0..C-1 = 0..{C - 1}, got "
                         f"{labels.min()}..{labels.max()}")
    return labels, coef, intercept, real


def softmax_loss_gradients(z, labels, coef, intercept, alpha):
    """Loss ``mean_c CE + alpha/2 ||coef||^2`` of a softmax classifier and its gradients.

    With ``p = softmax(z coef^T + b)`` and one-hot targets ``Y``, the gradient of the
    mean cross-entropy with respect to the logits is ``G = (p - Y) / n``; then
    ``d/d coef = G^T z + alpha coef``, ``d/d b = sum_c G_c`` and ``d/d z = G coef``.

    Parameters
    ----------
    z : ndarray, shape (n, D)
    labels : ndarray of int, shape (n,), values in 0..C-1
    coef : ndarray, shape (C, D)
    intercept : ndarray, shape (C,)
    alpha : float >= 0

    Returns
    -------
    loss : float
    d_coef : ndarray, shape (C, D)
    d_intercept : ndarray, shape (C,)
    d_z : ndarray, shape (n, D)
    n_correct : int
        Clips whose largest logit is their label.

    Examples
    --------
    >>> import numpy as np
    >>> from randfb.frontend import softmax_loss_gradients
    >>> loss, *_ = softmax_loss_gradients(np.ones((2, 1)), np.array([0, 1]),
    ...                                   np.zeros((2, 1)), np.zeros(2), 0.0)
    >>> bool(np.isclose(loss, np.log(2)))
    True
    """
    z = np.asarray(z, dtype=np.float64)
    if z.ndim != 2:
        raise ValueError(f"z must have shape (n, D), got {z.shape}")
    labels, coef, intercept, _ = _check_classifier(labels, coef, intercept, *z.shape)
    if not np.all(np.isfinite(z)):
        raise ValueError("z must contain only finite values")
    return _softmax_loss_gradients(z, labels, coef, intercept,
                                   check_nonnegative(alpha, "alpha"))


def _softmax_loss_gradients(z, labels, coef, intercept, alpha):
    n = z.shape[0]
    logits = z @ coef.T + intercept
    p, log_p = _softmax(logits)
    rows = np.arange(n)
    loss = -log_p[rows, labels].mean() + 0.5 * alpha * np.sum(coef * coef)
    G = p
    G[rows, labels] -= 1.0
    G /= n
    n_correct = int(np.sum(np.argmax(logits, axis=1) == labels))
    return float(loss), G.T @ z + alpha * coef, G.sum(axis=0), G @ coef, n_correct


def log_energy_gradients(x, labels, W, coef, intercept, mean, scale, *, stride,
                         n_segments, eps_rel=EPS_REL, alpha=0.0, tightness=0.0):
    """Loss of the whole model on a batch of clips and its gradients, written out.

    Forward: ``f = log(e + epsilon)`` (:func:`log_energy_features`),
    ``z = (f - mean) / scale``, loss as in the module docstring. Backward, with
    ``g = dLoss/dz`` from :func:`softmax_loss_gradients`:

    * ``dLoss/df = g / scale`` and ``a = (dLoss/df) / (e + epsilon)``;
    * through the energies, ``dLoss/dy_c[m, j] = (2 / L) a_c[j, k(m)] y_c[m, j]``, and
      ``dLoss/dw_j[t] = sum_{c, m} dLoss/dy_c[m, j] x_c[(d m - t) mod N]``: one matrix
      product of those output gradients with the frames;
    * through the floors, ``dLoss/dw_j += 2 eps_rel (sum_{c, k} a_c[j, k] ||x_c||^2 / N) w_j``;
    * the tightness penalty adds ``tightness`` times
      :func:`randfb.training.tightness_penalty_gradient` on the ``N``-bin grid.

    Parameters
    ----------
    x : ndarray, shape (n, N)
    labels : ndarray of int, shape (n,)
    W : ndarray, shape (J, T)
    coef : ndarray, shape (C, J * K)
    intercept : ndarray, shape (C,)
    mean, scale : ndarray, shape (J * K,)
        Standardisation constants (held fixed).
    stride, n_segments, eps_rel
        As in :func:`log_energy_features`.
    alpha, tightness : float >= 0

    Returns
    -------
    loss : float
    grads : dict
        ``"filters"`` (J, T), ``"coef"`` (C, J K), ``"intercept"`` (C,).
    n_correct : int

    Examples
    --------
    >>> import numpy as np
    >>> from randfb.frontend import log_energy_gradients
    >>> rng = np.random.default_rng(0)
    >>> x, W = rng.standard_normal((4, 16)), rng.standard_normal((2, 4))
    >>> loss, g, _ = log_energy_gradients(x, np.array([0, 1, 0, 1]), W, np.ones((2, 4)),
    ...     np.zeros(2), np.zeros(4), np.ones(4), stride=2, n_segments=2)
    >>> g["filters"].shape, g["coef"].shape
    ((2, 4), (2, 4))
    """
    x = _check_clips(x)
    N = x.shape[1]
    W = _check_bank(W, N, name="W")
    stride, n_segments = _check_layout(N, W.shape[1], stride, n_segments)
    eps_rel = check_nonnegative(eps_rel, "eps_rel")
    D = W.shape[0] * n_segments
    labels, coef, intercept, real = _check_classifier(labels, coef, intercept, x.shape[0], D)
    mean = real(mean, "mean", (D,))
    scale = real(scale, "scale", (D,))
    if np.any(scale <= 0):
        raise ValueError("scale must be > 0 everywhere (it divides the features)")
    return _loss_and_gradients(x, labels, W, coef, intercept, mean, scale, stride,
                               n_segments, eps_rel, check_nonnegative(alpha, "alpha"),
                               check_nonnegative(tightness, "tightness"))


def _loss_and_gradients(x, labels, W, coef, intercept, mean, scale, stride, n_segments,
                        eps_rel, alpha, tightness, dtype=np.float64, buffer=None):
    n, N = x.shape
    J, T = W.shape
    y, e, floor, frames = _forward(x, W, stride, n_segments, eps_rel, dtype, buffer)
    total = e + floor[:, :, None]
    z = (np.log(total).reshape(n, -1) - mean) / scale
    loss, d_coef, d_intercept, d_z, n_correct = _softmax_loss_gradients(
        z, labels, coef, intercept, alpha)
    grads = {"coef": d_coef, "intercept": d_intercept}
    a = (d_z / scale).reshape(n, J, n_segments) / total  # dLoss/de = dLoss/d(floor)
    L = y.shape[1] // n_segments
    d_y = y.reshape(n, n_segments, L, J) * ((2.0 / L) * a.transpose(0, 2, 1)[:, :, None, :])
    # frames^T d_y, (T, J): this orientation keeps BLAS on its fast path (measured 5x
    # faster than d_y^T frames); the frames hold the taps reversed
    d_w = (frames.T @ d_y.reshape(-1, J).astype(dtype, copy=False)).T[:, ::-1]
    d_w = d_w.astype(np.float64)
    power = np.einsum("nt,nt->n", x, x) / N
    d_w += (2.0 * eps_rel * np.einsum("njk,n->j", a, power))[:, None] * W
    if tightness:
        penalty, gradient = penalty_and_gradient(W, N)  # one set of FFTs for both
        loss += tightness * penalty
        d_w += tightness * gradient
    grads["filters"] = d_w
    return loss, grads, n_correct


# --------------------------------------------------------------------------- optimisers
class _Optimizer:
    """Plain SGD or Adam on a dict of arrays, with one step size per array."""

    def __init__(self, kind, rates):
        self.kind, self.rates, self.t = kind, rates, 0
        self.m = {key: 0.0 for key in rates}
        self.v = {key: 0.0 for key in rates}

    def step(self, params, grads):
        self.t += 1
        for key, g in grads.items():
            if self.kind == "sgd":
                params[key] -= self.rates[key] * g
                continue
            self.m[key] = ADAM_BETA1 * self.m[key] + (1 - ADAM_BETA1) * g
            self.v[key] = ADAM_BETA2 * self.v[key] + (1 - ADAM_BETA2) * g * g
            m_hat = self.m[key] / (1 - ADAM_BETA1**self.t)
            v_hat = self.v[key] / (1 - ADAM_BETA2**self.t)
            params[key] -= self.rates[key] * m_hat / (np.sqrt(v_hat) + ADAM_EPSILON)


# --------------------------------------------------------------------------- estimator
_OPTIMIZERS = ("auto", "lbfgs", "sgd", "adam")


class FrontEnd(ClassifierMixin, BaseEstimator):
    """A filterbank first layer, log-energy features and a softmax classifier.

    The model of the module docstring, as a scikit-learn estimator: hyper-parameters in
    ``__init__`` only, :meth:`fit` returns ``self``, fitted attributes end in ``_``, and
    :func:`sklearn.base.clone` works, so it fits in ``cross_val_score``, ``Pipeline``
    and the rest.

    Training. ``optimizer="lbfgs"`` (frozen filters only) fits the classifier with
    scikit-learn's ``LogisticRegression`` at ``C = 1 / (alpha n_train)``, the same
    objective (``C sum_c CE + 1/2 ||coef||^2`` is ``C n`` times the mean loss).
    ``"sgd"`` and ``"adam"`` run minibatch descent written out here: every epoch visits
    the training clips in a new random order, in minibatches of ``batch_size`` (the last
    one smaller); frozen filters use precomputed features, learned ones backpropagate
    through :func:`log_energy_gradients`. ``"auto"`` is ``"lbfgs"`` for frozen filters
    and ``"adam"`` for learned ones. All randomness (the minibatch orders) comes from
    one ``numpy.random.SeedSequence(random_state)``.

    Step sizes. The classifier's step is ``learning_rate``. The filters' step is
    ``learning_rate`` times ``rms(W0)`` (Adam) or ``rms(W0)^2`` (SGD), with ``rms(W0)``
    the root-mean-square tap of the initial bank: a bank ``c W0`` then follows the
    trajectory ``c W(t)`` with the same classifier (features shift by ``2 log c``, which
    the standardisation removes; the gradient scales by ``1 / c``), so the step size
    does not depend on the bank's overall gain: exactly for SGD (tested), for Adam up
    to its floor ``1e-8`` in the denominator, and not with ``tightness > 0``, whose
    penalty has a scale of its own.

    Parameters
    ----------
    filters : array_like, shape (J, T)
        The initial (or frozen) bank.
    stride : int, default 1
    n_segments : int, default 4
    learn_filters : bool, default False
    optimizer : {"auto", "lbfgs", "sgd", "adam"}, default "auto"
    learning_rate : float > 0, default 0.01
    n_epochs : int >= 1, default 20
    batch_size : int >= 1, default 32
    alpha : float >= 0, default 1e-3
        L2 penalty on ``coef_`` in the mean loss.
    tightness : float >= 0, default 0
        Weight of the tightness penalty ``mean_k (LP[k] - 1)^2`` on the filters.
    eps_rel : float >= 0, default 1e-4
    random_state : int, numpy.random.SeedSequence, Generator or None
    max_iter : int >= 1, default 1000
        Iterations of L-BFGS (``"lbfgs"`` only).
    chunk_clips : int >= 1, optional
        Clips per matrix product when computing features.
    dtype : {"float64", "float32"}, default "float64"
        Precision of the frames and the two large matrix products (forward and filter
        gradient); everything else is float64. float32 is about twice as fast; the
        tests check gradients in float64.

    Attributes
    ----------
    filters_ : ndarray (J, T)
    coef_ : ndarray (C, J K)
    intercept_ : ndarray (C,)
    mean_, scale_ : ndarray (J K,)
    classes_ : ndarray (C,)
    loss_curve_ : ndarray
        Minibatch loss at each step, before that step's update (``"lbfgs"``: the final
        mean loss only).
    accuracy_curve_ : ndarray (n_epochs,)
        Per epoch, the fraction of training clips classified correctly by the model of
        the moment when their minibatch was visited (free: from the forward passes).
    n_iter_ : int
        Optimiser steps taken.
    n_features_in_ : int
        ``N``.

    Examples
    --------
    >>> import numpy as np
    >>> from randfb import FrontEnd
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal((40, 64)) * np.repeat([1.0, 3.0], 20)[:, None]
    >>> x[20:, ::2] *= 0.1                       # class 1: a different spectrum
    >>> y = np.repeat([0, 1], 20)
    >>> model = FrontEnd(rng.standard_normal((4, 8)), stride=4, n_segments=2).fit(x, y)
    >>> model.score(x, y)
    1.0
    """

    def __init__(self, filters, *, stride=1, n_segments=4, learn_filters=False,
                 optimizer="auto", learning_rate=0.01, n_epochs=20, batch_size=32,
                 alpha=1e-3, tightness=0.0, eps_rel=EPS_REL, random_state=None,
                 max_iter=1000, chunk_clips=None, dtype="float64"):
        self.filters = filters
        self.stride = stride
        self.n_segments = n_segments
        self.learn_filters = learn_filters
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.n_epochs = n_epochs
        self.batch_size = batch_size
        self.alpha = alpha
        self.tightness = tightness
        self.eps_rel = eps_rel
        self.random_state = random_state
        self.max_iter = max_iter
        self.chunk_clips = chunk_clips
        self.dtype = dtype

    # -- checks
    def _checked(self, N):
        W = _check_bank(self.filters, N)
        stride, n_segments = _check_layout(N, W.shape[1], self.stride, self.n_segments)
        if not isinstance(self.learn_filters, (bool, np.bool_)):
            raise TypeError(f"learn_filters must be True or False, got {self.learn_filters!r}")
        if self.optimizer not in _OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {_OPTIMIZERS}, got {self.optimizer!r}")
        optimizer = self.optimizer
        if optimizer == "auto":
            optimizer = "adam" if self.learn_filters else "lbfgs"
        if optimizer == "lbfgs" and self.learn_filters:
            raise ValueError('optimizer must be "sgd" or "adam" when learn_filters is True '
                             '(L-BFGS here fits the classifier on frozen features only)')
        return dict(
            W=W, stride=stride, n_segments=n_segments, optimizer=optimizer,
            learning_rate=check_positive(self.learning_rate, "learning_rate"),
            n_epochs=check_int(self.n_epochs, "n_epochs", minimum=1),
            batch_size=check_int(self.batch_size, "batch_size", minimum=1),
            alpha=check_nonnegative(self.alpha, "alpha"),
            tightness=check_nonnegative(self.tightness, "tightness"),
            eps_rel=check_nonnegative(self.eps_rel, "eps_rel"),
            max_iter=check_int(self.max_iter, "max_iter", minimum=1),
            chunk=None if self.chunk_clips is None
            else check_int(self.chunk_clips, "chunk_clips", minimum=1),
            dtype=_check_dtype(self.dtype),
        )

    def _generator(self):
        seed = self.random_state
        if isinstance(seed, np.random.Generator):
            return seed
        if seed is not None and not isinstance(seed, (numbers.Integral, np.random.SeedSequence)):
            raise TypeError("random_state must be an int >= 0, a numpy SeedSequence, "
                            f"a Generator or None, got {seed!r}")
        if isinstance(seed, numbers.Integral) and not isinstance(seed, bool) and seed < 0:
            raise ValueError(f"random_state must be an int >= 0, got {seed}")
        return as_generator(seed if isinstance(seed, np.random.SeedSequence)
                            else np.random.SeedSequence(seed))

    # -- fit
    def fit(self, X, y):
        """Fit the classifier (and the filters, if ``learn_filters``) to clips ``X``.

        Parameters
        ----------
        X : array_like, shape (n_clips, N)
        y : array_like, shape (n_clips,)
            Labels; at least two classes.

        Returns
        -------
        self
        """
        X = _check_clips(X, "X")
        y = np.asarray(y)
        if y.ndim != 1 or y.shape[0] != X.shape[0]:
            raise ValueError(f"y must be 1-D with one label per clip ({X.shape[0]}), "
                             f"got shape {y.shape}")
        classes, labels = np.unique(y, return_inverse=True)
        if classes.size < 2:
            raise ValueError(f"y must hold at least 2 classes, got {classes.size}")
        p = self._checked(X.shape[1])
        gen = self._generator()
        W0 = p["W"]
        n, N = X.shape
        features = log_energy_features(X, W0, stride=p["stride"], n_segments=p["n_segments"],
                                       eps_rel=p["eps_rel"], chunk_clips=p["chunk"],
                                       dtype=p["dtype"])
        self.mean_ = features.mean(axis=0)
        scale = features.std(axis=0)
        self.scale_ = np.where(scale > 0, scale, 1.0)
        self.classes_ = classes
        self.n_features_in_ = N
        z = (features - self.mean_) / self.scale_
        if p["optimizer"] == "lbfgs":
            self._fit_lbfgs(z, labels, p)
            return self
        rms = float(np.sqrt(np.mean(W0 * W0)))
        params = {"coef": np.zeros((classes.size, z.shape[1])),
                  "intercept": np.zeros(classes.size)}
        rates = {"coef": p["learning_rate"], "intercept": p["learning_rate"]}
        if self.learn_filters:
            params["filters"] = W0.copy()
            rates["filters"] = p["learning_rate"] * rms ** (1 if p["optimizer"] == "adam"
                                                            else 2)
        opt = _Optimizer(p["optimizer"], rates)
        losses, accuracy = [], []
        B = min(p["batch_size"], n)
        if self.learn_filters:  # one frame buffer for every minibatch
            buffer = np.empty(B * (N // p["stride"]) * W0.shape[1], dtype=p["dtype"])
        for _ in range(p["n_epochs"]):
            order = gen.permutation(n)
            correct = 0
            for start in range(0, n, B):
                idx = order[start : start + B]
                if self.learn_filters:
                    loss, grads, hits = _loss_and_gradients(
                        X[idx], labels[idx], params["filters"], params["coef"],
                        params["intercept"], self.mean_, self.scale_, p["stride"],
                        p["n_segments"], p["eps_rel"], p["alpha"], p["tightness"],
                        p["dtype"], buffer)
                else:
                    loss, d_coef, d_b, _, hits = _softmax_loss_gradients(
                        z[idx], labels[idx], params["coef"], params["intercept"], p["alpha"])
                    grads = {"coef": d_coef, "intercept": d_b}
                if not (np.isfinite(loss) and all(np.all(np.isfinite(v))
                                                  for v in params.values())):
                    raise FloatingPointError(
                        f"the loss became {loss} at step {len(losses)}: learning_rate "
                        f"= {p['learning_rate']} is too large for this model")
                losses.append(loss)
                correct += hits
                opt.step(params, grads)
            accuracy.append(correct / n)
        self.filters_ = params.get("filters", W0.copy())
        self.coef_ = params["coef"]
        self.intercept_ = params["intercept"]
        self.loss_curve_ = np.asarray(losses)
        self.accuracy_curve_ = np.asarray(accuracy)
        self.n_iter_ = len(losses)
        return self

    def _fit_lbfgs(self, z, labels, p):
        from sklearn.linear_model import LogisticRegression

        n = z.shape[0]
        C = np.inf if p["alpha"] == 0 else 1.0 / (p["alpha"] * n)
        clf = LogisticRegression(C=C, max_iter=p["max_iter"], tol=1e-8)
        with single_thread():  # small products: threads cost more than they give
            clf.fit(z, labels)
        coef, intercept = clf.coef_, clf.intercept_
        if coef.shape[0] == 1:  # binary: scikit-learn keeps one row, logits (0, s)
            coef = np.vstack([-coef / 2, coef / 2])
            intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
        self.filters_ = p["W"].copy()
        self.coef_, self.intercept_ = coef, intercept
        loss, *_ = _softmax_loss_gradients(z, labels, coef, intercept, p["alpha"])
        self.loss_curve_ = np.array([loss])
        self.accuracy_curve_ = np.array([np.mean(clf.predict(z) == labels)])
        self.n_iter_ = int(np.max(clf.n_iter_))

    # -- predict
    def _check_fitted(self):
        if not hasattr(self, "coef_"):
            from sklearn.exceptions import NotFittedError

            raise NotFittedError("this FrontEnd is not fitted yet; call fit(X, y) first")

    def transform(self, X):
        """Standardised features ``z = (f - mean_) / scale_`` of clips ``X`` (n, J K)."""
        self._check_fitted()
        X = _check_clips(X, "X")
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X must have clips of N = {self.n_features_in_} samples "
                             f"(as in fit), got {X.shape[1]}")
        f = log_energy_features(X, self.filters_, stride=self.stride,
                                n_segments=self.n_segments, eps_rel=self.eps_rel,
                                chunk_clips=self.chunk_clips, dtype=self.dtype)
        return (f - self.mean_) / self.scale_

    def decision_function(self, X):
        """Logits ``z coef_^T + intercept_``, shape (n, C)."""
        return self.transform(X) @ self.coef_.T + self.intercept_

    def predict_proba(self, X):
        """Class probabilities, shape (n, C), columns in the order of ``classes_``."""
        return _softmax(self.decision_function(X))[0]

    def predict(self, X):
        """The most probable class of each clip."""
        self._check_fitted()
        return self.classes_[np.argmax(self.decision_function(X), axis=1)]


# --------------------------------------------------------------------------- folds
def frozen_fold_accuracies(data_x, y, groups, W, *, stride, n_segments, C=1.0,
                           eps_rel=EPS_REL, n_jobs=1, return_groups=False):
    """Leave-one-group-out accuracies of a frozen bank with a logistic regression.

    Features are computed once for all clips (:func:`log_energy_features`; they do not
    depend on the training set), then for each held-out group scikit-learn's
    ``make_pipeline(StandardScaler(), LogisticRegression(C=C))`` is fitted on the other
    groups and scored on it, the folds from ``LeaveOneGroupOut`` (run by
    ``cross_val_score``; ``n_jobs`` folds at once, same results for any ``n_jobs``).

    Parameters
    ----------
    data_x : array_like, shape (n_clips, N)
    y, groups : array_like, shape (n_clips,)
        Labels, and the group (speaker, font) of each clip; at least two groups.
    W : array_like, shape (J, T)
    stride, n_segments, eps_rel
        As in :func:`log_energy_features`.
    C : float > 0, default 1
        Inverse L2 penalty of ``LogisticRegression``.
    n_jobs : int, default 1
        Folds in parallel (joblib; -1: all cores).
    return_groups : bool, default False
        Also return the held-out group of each fold.

    Returns
    -------
    accuracies : ndarray, shape (n_groups,)
        One per held-out group, in the sorted order of the groups.
    held_out : ndarray, shape (n_groups,)
        Only with ``return_groups``.

    Examples
    --------
    >>> import numpy as np
    >>> from randfb import frozen_fold_accuracies
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal((40, 64))
    >>> x[1::2, ::2] *= 0.1                     # odd clips: a different spectrum
    >>> acc = frozen_fold_accuracies(x, np.arange(40) % 2, np.arange(40) // 10,
    ...                              np.eye(4)[:2] + 0.5, stride=4, n_segments=2)
    >>> acc.tolist()
    [1.0, 1.0, 1.0, 1.0]
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import LeaveOneGroupOut, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    x = _check_clips(data_x, "data_x")
    y = np.asarray(y)
    groups = np.asarray(groups)
    for name, arr in (("y", y), ("groups", groups)):
        if arr.ndim != 1 or arr.shape[0] != x.shape[0]:
            raise ValueError(f"{name} must be 1-D with one entry per clip ({x.shape[0]}), "
                             f"got shape {arr.shape}")
    held_out = np.unique(groups)
    if held_out.size < 2:
        raise ValueError(f"groups must hold at least 2 groups, got {held_out.size}")
    C = check_positive(C, "C")
    n_jobs = _check_n_jobs(n_jobs)
    features = log_energy_features(x, W, stride=stride, n_segments=n_segments,
                                   eps_rel=eps_rel)
    model = make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=1000))
    folds = list(LeaveOneGroupOut().split(features, y, groups))
    # LeaveOneGroupOut yields the groups in sorted order: fold i holds out held_out[i]
    # one BLAS thread per fit: at these sizes (hundreds of clips, J K features) threads
    # cost more than they give (measured 8x slower with two threads on a busy machine);
    # joblib's workers (n_jobs != 1) limit their own threads likewise
    with single_thread():
        accuracies = cross_val_score(model, features, y, cv=folds, n_jobs=n_jobs)
    return (accuracies, held_out) if return_groups else accuracies


def _check_n_jobs(n_jobs):
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, numbers.Integral) or n_jobs == 0:
        raise ValueError(f"n_jobs must be a nonzero integer (-1: all cores), got {n_jobs!r}")
    return int(n_jobs)
