"""Tests of randfb.frontend: features, gradients, the estimator, the folds."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import LeaveOneGroupOut

from randfb import FrontEnd, frame_bounds, frozen_fold_accuracies, log_energy_features
from randfb.frontend import log_energy_gradients, softmax_loss_gradients


def naive_features(x, W, stride, K, eps_rel):
    """A loop over clips and filters, straight from the definition."""
    n, N = x.shape
    J, T = W.shape
    out = np.empty((n, J, K))
    for c in range(n):
        for j in range(J):
            y = np.array([sum(W[j, t] * x[c, (m * stride - t) % N] for t in range(T))
                          for m in range(N // stride)])
            floor = eps_rel * np.sum(W[j] ** 2) * np.sum(x[c] ** 2) / N
            out[c, j] = np.log(np.mean(y.reshape(K, -1) ** 2, axis=1) + floor)
    return out.reshape(n, -1)


def toy_task(n=90, N=128, n_classes=3, seed=0):
    """Clips whose class sets their spectral tilt (a partial random walk)."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % n_classes
    noise = rng.standard_normal((n, N))
    x = noise + 0.3 * labels[:, None] * np.cumsum(noise, axis=1) / np.sqrt(N)
    x *= rng.uniform(0.5, 2.0, size=(n, 1))
    return x, labels


@pytest.mark.parametrize("J, T, stride, K, N", [(3, 5, 1, 2, 12), (2, 8, 4, 2, 32),
                                                (4, 6, 3, 3, 36), (1, 12, 2, 1, 12)])
def test_features_equal_the_naive_loop(J, T, stride, K, N):
    rng = np.random.default_rng(J * T)
    x, W = rng.standard_normal((5, N)), rng.standard_normal((J, T))
    f = log_energy_features(x, W, stride=stride, n_segments=K, eps_rel=0.01)
    np.testing.assert_allclose(f, naive_features(x, W, stride, K, 0.01), rtol=1e-12)
    chunked = log_energy_features(x, W, stride=stride, n_segments=K, eps_rel=0.01,
                                  chunk_clips=2)
    np.testing.assert_array_equal(chunked, f)


def test_float32_features_and_training_agree_with_float64():
    rng = np.random.default_rng(16)
    x, W = rng.standard_normal((7, 256)), rng.standard_normal((4, 32))
    f64 = log_energy_features(x, W, stride=8, n_segments=4)
    f32 = log_energy_features(x, W, stride=8, n_segments=4, dtype=np.float32)
    assert f32.dtype == np.float64
    np.testing.assert_allclose(f32, f64, rtol=1e-5)
    xt, yt = toy_task(n=30, N=64)
    kw = dict(stride=2, n_segments=2, learn_filters=True, n_epochs=2, batch_size=10,
              random_state=0)
    a = FrontEnd(W[:, :8], **kw).fit(xt, yt)
    b = FrontEnd(W[:, :8], **kw, dtype="float32").fit(xt, yt)
    np.testing.assert_allclose(b.filters_, a.filters_, rtol=1e-4, atol=1e-5)


def test_per_filter_gain_adds_a_constant_that_standardisation_removes():
    rng = np.random.default_rng(1)
    x, W = rng.standard_normal((20, 64)), rng.standard_normal((3, 8))
    gains = np.array([0.1, 1.0, 7.0])
    f = log_energy_features(x, W, stride=2, n_segments=4).reshape(20, 3, 4)
    g = log_energy_features(x, gains[:, None] * W, stride=2, n_segments=4).reshape(20, 3, 4)
    np.testing.assert_allclose(g - f, np.broadcast_to(2 * np.log(gains)[:, None], g.shape[1:])
                               * np.ones((20, 1, 1)), atol=1e-12)
    standardise = lambda a: (a - a.mean(0)) / a.std(0)  # noqa: E731
    np.testing.assert_allclose(standardise(g), standardise(f), atol=1e-10)


@pytest.mark.parametrize("stride", [1, 4])
def test_time_reversal_keeps_the_frame_bounds(stride):
    # cross-correlation = convolution with reversed filters: the same frame bounds
    W = np.random.default_rng(2).standard_normal((6, 12))
    np.testing.assert_allclose(frame_bounds(W[:, ::-1], 48, stride), frame_bounds(W, 48, stride),
                               rtol=1e-10)


GRADIENT_CASES = [  # J, T, stride, K, N
    (3, 8, 2, 2, 32), (5, 16, 4, 4, 64), (2, 5, 1, 3, 24), (4, 12, 3, 2, 36), (1, 4, 4, 1, 16)]


@pytest.mark.parametrize("J, T, stride, K, N", GRADIENT_CASES)
def test_gradients_match_central_differences(J, T, stride, K, N):
    rng = np.random.default_rng(J * 100 + T)
    n, n_classes = 6, 3
    x, W = rng.standard_normal((n, N)), rng.standard_normal((J, T))
    coef, b = rng.standard_normal((n_classes, J * K)), rng.standard_normal(n_classes)
    labels = rng.integers(0, n_classes, n)
    f = log_energy_features(x, W, stride=stride, n_segments=K, eps_rel=0.05)
    mean, scale = f.mean(0), f.std(0) + 0.1
    kw = dict(stride=stride, n_segments=K, eps_rel=0.05, alpha=0.3, tightness=0.7)
    params = {"filters": W, "coef": coef, "intercept": b}

    def loss(p):
        return log_energy_gradients(x, labels, p["filters"], p["coef"], p["intercept"],
                                    mean, scale, **kw)[0]

    _, grads, _ = log_energy_gradients(x, labels, W, coef, b, mean, scale, **kw)
    h = 1e-4  # the parameters are O(1): truncation ~h^2, rounding ~1e-16 / h
    for key, value in params.items():
        numeric = np.zeros_like(value)
        for i in np.ndindex(value.shape):
            plus, minus = dict(params), dict(params)
            plus[key], minus[key] = value.copy(), value.copy()
            plus[key][i] += h
            minus[key][i] -= h
            numeric[i] = (loss(plus) - loss(minus)) / (2 * h)
        error = np.linalg.norm(grads[key] - numeric) / np.linalg.norm(numeric)
        assert error <= 1e-6, (key, error)


def test_softmax_gradient_and_loss_at_zero():
    z = np.random.default_rng(3).standard_normal((5, 2))
    loss, d_coef, d_b, d_z, _ = softmax_loss_gradients(z, np.array([0, 1, 2, 0, 1]),
                                                       np.zeros((3, 2)), np.zeros(3), 0.0)
    assert loss == pytest.approx(np.log(3), rel=1e-14)
    np.testing.assert_allclose(d_b, [1 / 3 - 2 / 5, 1 / 3 - 2 / 5, 1 / 3 - 1 / 5])
    np.testing.assert_array_equal(d_z, 0.0)


def test_handwritten_softmax_reaches_scikit_learns_solution():
    # Same objective: mean CE + alpha/2 ||coef||^2 = (C sum CE + 1/2 ||coef||^2) / (C n)
    x, y = toy_task()
    W = np.random.default_rng(4).standard_normal((4, 16))
    alpha = 0.02
    frozen = dict(stride=4, n_segments=2, alpha=alpha)
    reference = FrontEnd(W, **frozen).fit(x, y)
    z = reference.transform(x)
    direct = LogisticRegression(C=1 / (alpha * len(y)), tol=1e-10, max_iter=1000).fit(z, y)
    np.testing.assert_allclose(reference.coef_, direct.coef_, rtol=1e-5, atol=1e-7)
    # full-batch gradient descent, strongly convex: converges linearly to the optimum
    sgd = FrontEnd(W, **frozen, optimizer="sgd", learning_rate=0.5, n_epochs=4000,
                   batch_size=len(y), random_state=0).fit(x, y)
    scale = np.abs(reference.coef_).max()
    assert np.abs(sgd.coef_ - reference.coef_).max() <= 1e-5 * scale
    assert np.abs(sgd.intercept_ - reference.intercept_).max() <= 1e-5 * scale
    assert sgd.loss_curve_[-1] == pytest.approx(reference.loss_curve_[0], rel=1e-9)


def test_estimator_convention_clone_and_fitted_attributes():
    x, y = toy_task(n=30, N=64)
    W = np.random.default_rng(5).standard_normal((3, 8))
    model = FrontEnd(W, stride=2, n_segments=2, learn_filters=True, n_epochs=3,
                     batch_size=8, random_state=7)
    copy = clone(model)
    assert copy.get_params()["random_state"] == 7 and copy.filters is not None
    assert not hasattr(model, "coef_")
    assert model.fit(x, y) is model
    assert model.filters_.shape == (3, 8) and model.coef_.shape == (3, 6)
    assert model.intercept_.shape == (3,) and model.mean_.shape == model.scale_.shape == (6,)
    assert model.loss_curve_.shape == (3 * 4,) and model.accuracy_curve_.shape == (3,)
    assert model.n_iter_ == 12 and model.n_features_in_ == 64
    np.testing.assert_array_equal(model.filters, W)  # the hyper-parameter is untouched
    proba = model.predict_proba(x)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert set(model.predict(x)) <= {0, 1, 2}
    assert model.score(x, y) == np.mean(model.predict(x) == y)


def test_frontend_runs_inside_scikit_learn_model_selection():
    from sklearn.model_selection import cross_val_score

    x, y = toy_task(n=60, N=64)
    groups = np.repeat([0, 1, 2], 20)
    W = np.random.default_rng(17).standard_normal((3, 8))
    model = FrontEnd(W, stride=2, n_segments=2)
    scores = cross_val_score(model, x, y, groups=groups, cv=LeaveOneGroupOut())
    manual = [FrontEnd(W, stride=2, n_segments=2).fit(x[groups != g], y[groups != g])
              .score(x[groups == g], y[groups == g]) for g in range(3)]
    np.testing.assert_array_equal(scores, manual)
    assert not hasattr(model, "coef_")  # cross_val_score fitted clones


def test_string_labels_and_binary_task():
    x, y = toy_task(n=40, N=64, n_classes=2)
    labels = np.array(["low", "tilted"])[y]
    W = np.random.default_rng(6).standard_normal((3, 8))
    model = FrontEnd(W, stride=2, n_segments=2).fit(x, labels)
    assert list(model.classes_) == ["low", "tilted"] and model.coef_.shape == (2, 6)
    # two symmetric rows hold scikit-learn's binary solution: the same probabilities
    direct = LogisticRegression(C=1 / (1e-3 * 40), tol=1e-8, max_iter=1000).fit(
        model.transform(x), labels)
    np.testing.assert_allclose(model.predict_proba(x), direct.predict_proba(model.transform(x)),
                               atol=1e-6)
    np.testing.assert_array_equal(model.predict(x), direct.predict(model.transform(x)))


def test_fit_is_reproducible_from_one_seed():
    x, y = toy_task(n=30, N=64)
    W = np.random.default_rng(8).standard_normal((3, 8))
    kw = dict(stride=2, n_segments=2, learn_filters=True, n_epochs=2, batch_size=7)
    a = FrontEnd(W, **kw, random_state=3).fit(x, y)
    b = FrontEnd(W, **kw, random_state=np.random.SeedSequence(3)).fit(x, y)
    c = FrontEnd(W, **kw, random_state=4).fit(x, y)
    np.testing.assert_array_equal(a.filters_, b.filters_)
    np.testing.assert_array_equal(a.loss_curve_, b.loss_curve_)
    assert not np.array_equal(a.loss_curve_, c.loss_curve_)


def test_learning_filters_lowers_the_loss_and_moves_the_filters():
    x, y = toy_task()
    W = np.random.default_rng(9).standard_normal((4, 16))
    kw = dict(stride=4, n_segments=2, n_epochs=30, batch_size=16, learning_rate=0.02,
              optimizer="adam", random_state=0)
    model = FrontEnd(W, learn_filters=True, **kw).fit(x, y)
    frozen = FrontEnd(W, **kw).fit(x, y)  # same minibatches, filters fixed
    last = 6 * 5  # the last 5 epochs (6 minibatches each)
    assert model.loss_curve_[-last:].mean() < 0.8 * model.loss_curve_[0]
    assert model.loss_curve_[-last:].mean() < frozen.loss_curve_[-last:].mean()
    assert model.accuracy_curve_[-1] > model.accuracy_curve_[0]
    assert not np.allclose(model.filters_, W)


def test_sgd_step_makes_training_invariant_to_the_bank_gain():
    # features of c W are those of W plus 2 log c; the gradient scales by 1/c; the SGD
    # step on the filters scales by rms(W0)^2 = c^2: the trajectory is c W(t)
    x, y = toy_task(n=45, N=64)
    W = np.random.default_rng(10).standard_normal((3, 8))
    kw = dict(stride=2, n_segments=2, learn_filters=True, optimizer="sgd", n_epochs=5,
              batch_size=9, learning_rate=0.05, random_state=1)
    a = FrontEnd(W, **kw).fit(x, y)
    b = FrontEnd(3.0 * W, **kw).fit(x, y)
    np.testing.assert_allclose(b.filters_, 3.0 * a.filters_, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(b.coef_, a.coef_, rtol=1e-9, atol=1e-12)


def test_tightness_penalty_pulls_towards_a_tight_bank():
    from randfb import condition_number

    x, y = toy_task(n=45, N=64)
    W = np.random.default_rng(11).standard_normal((4, 8)) / np.sqrt(32)
    kw = dict(stride=2, n_segments=2, learn_filters=True, n_epochs=20, batch_size=15,
              learning_rate=0.05, random_state=2)
    free = FrontEnd(W, **kw).fit(x, y)
    tight = FrontEnd(W, **kw, tightness=10.0).fit(x, y)
    assert condition_number(tight.filters_, 64) < condition_number(free.filters_, 64)


def test_frozen_fold_accuracies_equal_a_loop_and_do_not_depend_on_n_jobs():
    x, y = toy_task(n=60, N=64)
    groups = np.repeat(["ann", "bob", "cy", "dee"], 15)
    W = np.random.default_rng(12).standard_normal((3, 8))
    acc, held = frozen_fold_accuracies(x, y, groups, W, stride=2, n_segments=2, C=0.5,
                                       return_groups=True)
    assert list(held) == ["ann", "bob", "cy", "dee"]
    f = log_energy_features(x, W, stride=2, n_segments=2)
    for i, (train, test) in enumerate(LeaveOneGroupOut().split(f, y, groups)):
        assert not set(groups[train]) & set(groups[test])  # folds never share a group
        assert set(groups[test]) == {held[i]}
        mean, sd = f[train].mean(0), f[train].std(0)
        clf = LogisticRegression(C=0.5, max_iter=1000).fit((f[train] - mean) / sd, y[train])
        assert acc[i] == clf.score((f[test] - mean) / sd, y[test])
    parallel = frozen_fold_accuracies(x, y, groups, W, stride=2, n_segments=2, C=0.5,
                                      n_jobs=2)
    np.testing.assert_array_equal(parallel, acc)


# ------------------------------------------------------------------ refusals
X_OK = np.random.default_rng(13).standard_normal((4, 32))
W_OK = np.random.default_rng(14).standard_normal((2, 8))


@pytest.mark.parametrize("kwargs, match", [
    (dict(stride=0, n_segments=1), "stride"),
    (dict(stride=5, n_segments=1), "stride must divide"),
    (dict(stride=2, n_segments=0), "n_segments"),
    (dict(stride=2, n_segments=3), "n_segments must divide"),
    (dict(stride=2, n_segments=32), "n_segments"),
    (dict(stride=2, n_segments=2, eps_rel=-1.0), "eps_rel"),
    (dict(stride=2, n_segments=2, eps_rel=np.nan), "eps_rel"),
    (dict(stride=2, n_segments=2, chunk_clips=0), "chunk_clips"),
    (dict(stride=2, n_segments=2, dtype=np.int32), "dtype"),
    (dict(stride=2, n_segments=2, dtype="double precision"), "dtype"),
])
def test_features_refuse_bad_layouts(kwargs, match):
    with pytest.raises(ValueError, match=match):
        log_energy_features(X_OK, W_OK, **kwargs)


@pytest.mark.parametrize("x, W, match", [
    (np.zeros((2, 32)), W_OK, "clip 0 is all zeros"),
    (np.ones(32), W_OK, "x must have shape"),
    (np.full((2, 32), np.nan), W_OK, "finite"),
    (X_OK, np.zeros((2, 8)), "filter 0 is zero"),
    (X_OK, np.ones((2, 64)), "must be <= N"),
    (X_OK, np.ones((2, 2, 8)), r"shape \(J, T\)"),
])
def test_features_refuse_bad_clips_and_filters(x, W, match):
    with pytest.raises(ValueError, match=match):
        log_energy_features(x, W, stride=2, n_segments=2)


def test_zero_floor_on_a_silent_segment_is_refused():
    x = X_OK.copy()
    x[0, :16] = 0.0
    with pytest.raises(ValueError, match="eps_rel > 0"):
        log_energy_features(x, np.eye(8)[:1], stride=1, n_segments=2, eps_rel=0.0)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(optimizer="rmsprop"), ValueError, "optimizer"),
    (dict(optimizer="lbfgs", learn_filters=True), ValueError, "learn_filters"),
    (dict(learn_filters="yes"), TypeError, "learn_filters"),
    (dict(learning_rate=0.0), ValueError, "learning_rate"),
    (dict(n_epochs=0), ValueError, "n_epochs"),
    (dict(batch_size=0), ValueError, "batch_size"),
    (dict(alpha=-1.0), ValueError, "alpha"),
    (dict(tightness=-0.1), ValueError, "tightness"),
    (dict(max_iter=0), ValueError, "max_iter"),
    (dict(random_state=-1), ValueError, "random_state"),
    (dict(random_state="seed"), TypeError, "random_state"),
    (dict(stride=3), ValueError, "stride"),
    (dict(dtype="float16"), ValueError, "dtype"),
])
def test_estimator_refuses_bad_hyper_parameters_at_fit(kwargs, error, match):
    model = FrontEnd(W_OK, **{"stride": 2, "n_segments": 2, **kwargs})  # __init__ stores
    with pytest.raises(error, match=match):
        model.fit(X_OK, [0, 1, 0, 1])


def test_estimator_refuses_bad_labels_and_unfitted_use():
    from sklearn.exceptions import NotFittedError

    model = FrontEnd(W_OK, stride=2, n_segments=2)
    with pytest.raises(ValueError, match="at least 2 classes"):
        model.fit(X_OK, [1, 1, 1, 1])
    with pytest.raises(ValueError, match="one label per clip"):
        model.fit(X_OK, [0, 1])
    with pytest.raises(NotFittedError):
        model.predict(X_OK)
    model.fit(X_OK, [0, 1, 0, 1])
    with pytest.raises(ValueError, match="N = 32"):
        model.predict(np.ones((2, 64)))


@pytest.mark.parametrize("change, error, match", [
    (dict(labels=np.array([0, 1, 2, 0])), ValueError, "0..C-1"),
    (dict(labels=np.array([0.0, 1.0, 0.0, 1.0])), ValueError, "labels must be 4 integers"),
    (dict(labels=np.array([0, 1])), ValueError, "labels must be 4 integers"),
    (dict(coef=np.ones((1, 4))), ValueError, "C >= 2"),
    (dict(coef=np.ones((2, 5))), ValueError, "coef must have shape"),
    (dict(coef=np.full((2, 4), np.nan)), ValueError, "coef must contain only finite"),
    (dict(coef=np.array([["a"] * 4] * 2)), TypeError, "coef must hold real numbers"),
    (dict(intercept=np.ones(3)), ValueError, "intercept must have shape"),
    (dict(mean=np.ones(3)), ValueError, "mean must have shape"),
    (dict(scale=np.zeros(4)), ValueError, "scale must be > 0"),
    (dict(alpha=-1.0), ValueError, "alpha"),
    (dict(tightness=np.inf), ValueError, "tightness"),
])
def test_gradients_refuse_bad_classifier_arrays(change, error, match):
    args = dict(labels=np.array([0, 1, 0, 1]), coef=np.ones((2, 4)), intercept=np.zeros(2),
                mean=np.zeros(4), scale=np.ones(4))
    args.update({k: v for k, v in change.items() if k in args})
    rest = {k: v for k, v in change.items() if k not in args}
    with pytest.raises(error, match=match):
        log_energy_gradients(X_OK, args["labels"], W_OK, args["coef"], args["intercept"],
                             args["mean"], args["scale"], stride=2, n_segments=2, **rest)
    if not rest and "mean" not in change and "scale" not in change:
        with pytest.raises(error, match=match):
            softmax_loss_gradients(np.ones((4, 4)), args["labels"], args["coef"],
                                   args["intercept"], 0.0)


def test_divergence_is_reported():
    x, y = toy_task(n=30, N=64)
    model = FrontEnd(np.random.default_rng(15).standard_normal((3, 8)), stride=2,
                     n_segments=2, learn_filters=True, optimizer="sgd", learning_rate=1e300,
                     n_epochs=5, random_state=0)
    with pytest.raises(FloatingPointError, match="learning_rate"), np.errstate(all="ignore"):
        model.fit(x, y)


@pytest.mark.parametrize("kwargs, match", [
    (dict(groups=np.zeros(4)), "at least 2 groups"),
    (dict(groups=np.zeros(3)), "groups must be 1-D"),
    (dict(y=np.zeros(5)), "y must be 1-D"),
    (dict(C=0.0), "C must be"),
    (dict(n_jobs=0), "n_jobs"),
])
def test_frozen_fold_accuracies_refuse_bad_arguments(kwargs, match):
    args = dict(y=np.array([0, 1, 0, 1]), groups=np.array([0, 0, 1, 1]))
    args.update({k: v for k, v in kwargs.items() if k in args})
    rest = {k: v for k, v in kwargs.items() if k not in args}
    with pytest.raises(ValueError, match=match):
        frozen_fold_accuracies(X_OK, args["y"], args["groups"], W_OK, stride=2,
                               n_segments=2, **rest)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("T", [1, 2, 8])
def test_frames_when_the_stride_equals_the_filter_length(T, dtype):
    """The tiling shortcut (d = T) gives the frames of the definition, in both dtypes."""
    from randfb.frontend import _frames

    x = np.random.default_rng(T).standard_normal((3, 32))
    n, N = x.shape
    frames = _frames(x, T, T, dtype).reshape(n, N // T, T)
    m, u = np.meshgrid(np.arange(N // T), np.arange(T), indexing="ij")
    expected = x[:, (T * m + u - (T - 1)) % N]  # F[c, m, u] = x_c[(d m + u - T + 1) mod N]
    assert frames.dtype == dtype
    np.testing.assert_array_equal(frames, expected.astype(dtype))
    buffer = np.full(n * N, np.nan, dtype=dtype)
    np.testing.assert_array_equal(_frames(x, T, T, dtype, buffer), frames.reshape(-1, T))
