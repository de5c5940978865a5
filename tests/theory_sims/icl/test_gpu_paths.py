"""CuPy paths: the same code on the GPU gives the NumPy numbers (needs a CUDA device)."""

import numpy as np
import pytest

from theory_sims.icl import predictors as P
from theory_sims.icl.lsa import LSA
from theory_sims.icl.tasks import TaskConfig, sample_tasks
from theory_sims.icl.train import train


@pytest.mark.gpu
def test_cupy_matches_numpy():
    import cupy

    b = sample_tasks(TaskConfig(n=6, d=3, noise_std=0.3), 300, rng=0)
    g = sample_tasks(TaskConfig(n=6, d=3, noise_std=0.3), 300, rng=0, like=cupy.zeros(1))
    assert isinstance(g.X, cupy.ndarray)
    for variant in ("full", "diag", "gd++"):
        model = LSA(2, 3, variant)
        theta = model.init(0, scale=0.3)
        loss, grad = model.loss_and_grad(theta, b.X, b.y, b.x_query, b.y_query)
        loss_g, grad_g = model.loss_and_grad(cupy.asarray(theta), g.X, g.y, g.x_query, g.y_query)
        assert np.isclose(loss, loss_g, rtol=1e-10)
        np.testing.assert_allclose(cupy.asnumpy(grad_g), grad, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(
        cupy.asnumpy(P.ridge(g.X, g.y, g.x_query, 0.5)), P.ridge(b.X, b.y, b.x_query, 0.5)
    )
    res = train(
        LSA(1, 3),
        TaskConfig(n=6, d=3),
        steps=5,
        batch_size=32,
        rng=0,
        progress=False,
        like=cupy.zeros(1),
    )
    assert isinstance(res.theta, cupy.ndarray)
