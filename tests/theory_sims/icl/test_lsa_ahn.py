import numpy as np
import pytest

from theory_sims.icl.lsa import LSA
from theory_sims.icl.tasks import TaskConfig, sample_tasks


def _authors_prediction(A, B, X, y, x_query):
    """Forward pass of chengxiang/LinearTransformer (linear_transformer.py, attention and
    Transformer_F.forward, one head), transcribed to NumPy: P_full = [[B, 0], [0, 1]],
    Q_full = [[A, 0], [0, 0]], the query column masked, division by N."""
    n, d = X.shape[1], X.shape[2]
    Z = np.concatenate(
        [np.concatenate([X, y[..., None]], 2),
         np.concatenate([x_query, np.zeros((len(y), 1))], 1)[:, None]], 1)  # fmt: skip
    mask = np.eye(n + 1)
    mask[n, n] = 0.0
    for Al, Bl in zip(A, B, strict=True):
        P = np.zeros((d + 1, d + 1))
        P[:d, :d], P[d, d] = Bl, 1.0
        Q = np.zeros((d + 1, d + 1))
        Q[:d, :d] = Al
        attn = np.einsum("bni,ij,bmj->bnm", Z, Q, Z)
        key = np.einsum("ij,bnj->bni", P, Z)
        Z = Z + np.einsum("bnm,ml,bli->bni", attn, mask, key) / n
    return -Z[:, n, d]


def test_ahn_variant_is_the_authors_model():
    b = sample_tasks(TaskConfig(n=7, d=3), 20, rng=0)
    model = LSA(3, 3, "ahn")
    theta = model.init(rng=1, scale=0.3)
    half = model.num_params // 2
    B = theta[:half].reshape(3, 3, 3)
    A = np.swapaxes(theta[half:].reshape(3, 3, 3), 1, 2)  # their Q block is our Q^T
    expected = _authors_prediction(A, B, b.X, b.y, b.x_query)
    np.testing.assert_allclose(model.predict(theta, b.X, b.y, b.x_query), expected, rtol=1e-12)
    assert model.num_params == 2 * 3 * 3 * 3


def test_ahn_add_layer_keeps_the_function_and_can_learn():
    b = sample_tasks(TaskConfig(n=6, d=3, noise_std=0.3), 50, rng=0)
    shallow = LSA(2, 3, "ahn")
    theta = shallow.init(1, scale=0.3)
    deeper, grown = shallow.add_layer(theta, rng=2, scale=0.3)
    before = shallow.predict(theta, b.X, b.y, b.x_query)
    assert np.allclose(deeper.predict(grown, b.X, b.y, b.x_query), before, rtol=0, atol=1e-14)
    grad = deeper.loss_and_grad(grown, b.X, b.y, b.x_query, b.y_query)[1]
    new_q = grad[deeper.num_params // 2 : deeper.num_params // 2 + 9]
    assert np.abs(new_q).max() > 1e-3


@pytest.mark.parametrize("depth", [1, 3])
def test_ahn_gradient_matches_central_differences(depth):
    b = sample_tasks(TaskConfig(n=5, d=2), 16, rng=3)
    model = LSA(depth, 2, "ahn")
    theta = model.init(rng=depth, scale=0.4)
    _, grad = model.loss_and_grad(theta, b.X, b.y, b.x_query, b.y_query)
    h = 1e-6
    fd = np.array([
        (model.loss_and_grad(theta + h * e, b.X, b.y, b.x_query, b.y_query)[0]
         - model.loss_and_grad(theta - h * e, b.X, b.y, b.x_query, b.y_query)[0]) / (2 * h)
        for e in np.eye(model.num_params)
    ])  # fmt: skip
    np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-8 * np.abs(fd).max())
