import numpy as np
import pytest

from theory_sims.icl.lsa import LSA, VARIANTS, gd_construction
from theory_sims.icl.predictors import gd
from theory_sims.icl.tasks import TaskConfig, sample_tasks


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("depth", [1, 2, 3])
def test_gradient_matches_central_differences(variant, depth, small_batch, fd_grad):
    b = small_batch
    model = LSA(depth, 3, variant)
    theta = model.init(rng=depth, scale=0.4)
    loss, grad = model.loss_and_grad(theta, b.X, b.y, b.x_query, b.y_query)
    fd = fd_grad(lambda t: model.loss_and_grad(t, b.X, b.y, b.x_query, b.y_query)[0], theta)
    # Central differences with h = 1e-6 have truncation error O(h^2 * f''')
    # and rounding error O(eps * |f| / h) ~ 1e-10 relative.
    np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-8 * np.abs(fd).max())
    assert np.isclose(loss, np.mean((model.predict(theta, b.X, b.y, b.x_query) - b.y_query) ** 2))


def test_weights_layout():
    P, Q = LSA(2, 2, "diag").weights(np.arange(1.0, 13.0))
    np.testing.assert_array_equal(np.diag(P[1]), [4.0, 5.0, 6.0])
    np.testing.assert_array_equal(np.diag(Q[0]), [7.0, 8.0, 9.0])
    assert np.count_nonzero(P - np.stack([np.diag(np.diag(p)) for p in P])) == 0


@pytest.mark.parametrize("steps", [1, 3])
def test_gd_construction_equals_gd(steps, small_batch):
    b = small_batch
    etas = [0.4, 0.25, 0.1][:steps]
    G = np.array([[1.0, 0.2, 0.0], [0.1, 0.8, 0.0], [0.0, 0.3, 1.5]])
    for pre in (None, G):
        theta = gd_construction(3, etas, preconditioner=pre)
        ours = LSA(steps, 3).predict(theta, b.X, b.y, b.x_query)
        ref = gd(b.X, b.y, b.x_query, steps, etas, preconditioner=pre)
        np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-12)


def test_predictions_are_linear_in_the_query(small_batch):
    b = small_batch
    model = LSA(3, 3, "full")
    theta = model.init(0, scale=0.5)
    f = lambda q: model.predict(theta, b.X, b.y, q)
    q2 = b.x_query[::-1].copy()
    np.testing.assert_allclose(f(2 * b.x_query - q2), 2 * f(b.x_query) - f(q2), atol=1e-10)


def test_bad_input_rejected(small_batch):
    b = small_batch
    with pytest.raises(ValueError):
        LSA(0, 3)
    with pytest.raises(ValueError):
        LSA(1, 0)
    with pytest.raises(ValueError):
        LSA(1, 3, "sparse")
    model = LSA(1, 3)
    theta = model.init(0)
    with pytest.raises(ValueError, match="theta"):
        model.predict(theta[:-1], b.X, b.y, b.x_query)
    with pytest.raises(ValueError, match="d=3"):
        LSA(1, 2).predict(LSA(1, 2).init(0), b.X, b.y, b.x_query)
    with pytest.raises(ValueError, match="y"):
        model.predict(theta, b.X, b.y[:, :-1], b.x_query)
    bad = b.X.copy()
    bad[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="X must be finite"):
        model.loss_and_grad(theta, bad, b.y, b.x_query, b.y_query)
    with pytest.raises(ValueError, match="target"):
        model.loss_and_grad(theta, b.X, b.y, b.x_query, b.y_query[:2])


def test_batched_equals_per_sequence():
    b = sample_tasks(TaskConfig(n=5, d=2, noise_std=0.1), 4, rng=9)
    model = LSA(2, 2, "full")
    theta = model.init(3, scale=0.5)
    whole = model.predict(theta, b.X, b.y, b.x_query)
    single = [
        model.predict(theta, b.X[i : i + 1], b.y[i : i + 1], b.x_query[i : i + 1])[0]
        for i in range(4)
    ]
    np.testing.assert_allclose(whole, single, rtol=1e-13)


def test_effective_preconditioner_is_the_odd_part(small_batch):
    # The label-odd part of a one-layer prediction is x_q^T Gamma X^T y / n.
    b = small_batch
    model = LSA(1, 3)
    theta = model.init(0, scale=0.5)
    odd = (
        model.predict(theta, b.X, b.y, b.x_query) - model.predict(theta, b.X, -b.y, b.x_query)
    ) / 2
    G = model.effective_preconditioner(theta)
    np.testing.assert_allclose(odd, gd(b.X, b.y, b.x_query, 1, 1.0, preconditioner=G), atol=1e-12)
    with pytest.raises(ValueError):
        LSA(2, 3).effective_preconditioner(LSA(2, 3).init(0))


def test_blocked_pass_equals_whole_batch(monkeypatch):
    import theory_sims.icl.lsa as lsa_module

    b = sample_tasks(TaskConfig(n=5, d=2, noise_std=0.1), 7, rng=4)
    model = LSA(2, 2, "full")
    theta = model.init(1, scale=0.5)
    whole = model.loss_and_grad(theta, b.X, b.y, b.x_query, b.y_query)
    monkeypatch.setattr(lsa_module, "CHUNK", 3)  # blocks of 3, 3 and 1 sequences
    blocked = model.loss_and_grad(theta, b.X, b.y, b.x_query, b.y_query)
    assert np.isclose(whole[0], blocked[0], rtol=1e-13)
    np.testing.assert_allclose(whole[1], blocked[1], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("variant", ["full", "diag", "gd++"])
def test_add_layer_keeps_the_function_and_can_learn(variant):
    task = TaskConfig(n=6, d=3, noise_std=0.3)
    b = sample_tasks(task, 50, rng=0)
    shallow = LSA(2, 3, variant)
    theta = shallow.init(1, scale=0.3)
    deeper, grown = shallow.add_layer(theta, rng=2, scale=0.3)
    assert deeper == LSA(3, 3, variant)
    P, Q = shallow.weights(theta)
    P3, Q3 = deeper.weights(grown)
    assert np.array_equal(P3[1:], P) and np.array_equal(Q3[1:], Q)
    before = shallow.predict(theta, b.X, b.y, b.x_query)
    assert np.allclose(deeper.predict(grown, b.X, b.y, b.x_query), before, rtol=0, atol=1e-14)
    # the new layer is not a stationary point: its P (for GD++: a, b) gets a gradient
    grad = deeper.loss_and_grad(grown, b.X, b.y, b.x_query, b.y_query)[1]
    per_layer = deeper.num_params // 2 // deeper.depth
    new_p = grad[[0, 3]] if variant == "gd++" else grad[:per_layer]
    assert np.abs(new_p).max() > 1e-3
