import numpy as np
import pytest

from theory_sims.icl.tasks import TaskConfig, sample_tasks


def test_shapes_noise_free_query_and_determinism():
    cfg = TaskConfig(n=6, d=4, noise_std=0.5)
    a = sample_tasks(cfg, 3, rng=7)
    b = sample_tasks(cfg, 3, rng=7)
    assert a.X.shape == (3, 6, 4) and a.y.shape == (3, 6) and a.x_query.shape == (3, 4)
    np.testing.assert_array_equal(a.y, b.y)
    np.testing.assert_allclose(a.y_query, np.einsum("bd,bd->b", a.x_query, a.w), rtol=0, atol=0)
    resid = a.y - np.einsum("bnd,bd->bn", a.X, a.w)
    assert np.all(np.abs(resid) > 0)


def test_noise_level_laws():
    u = sample_tasks(TaskConfig(n=2, d=1, sigma_max=3.0), 4000, rng=0).noise_std
    assert u.min() >= 0 and u.max() < 3.0
    # U(0, 3) has mean 1.5 and sd 3/sqrt(12); 4 standard errors of the mean.
    assert abs(u.mean() - 1.5) < 4 * (3 / np.sqrt(12)) / np.sqrt(4000)
    c = sample_tasks(TaskConfig(n=2, d=1, sigma_choices=(1, 3)), 200, rng=0).noise_std
    assert set(np.unique(c)) == {1.0, 3.0}


def test_covariance_of_inputs():
    Sigma = np.array([[2.0, 0.5], [0.5, 1.0]])
    b = sample_tasks(TaskConfig(n=50, d=2, Sigma=Sigma), 400, rng=1)
    x = b.X.reshape(-1, 2)
    emp = x.T @ x / x.shape[0]
    # entry-wise sd of the sample covariance of m = 20000 Gaussians is at most
    # sqrt((S_ii S_jj + S_ij^2) / m) <= sqrt(8 / 20000) = 0.02; allow 4 sd.
    np.testing.assert_allclose(emp, Sigma, atol=0.08)


def test_uniform_and_heavy_tailed_inputs():
    x = sample_tasks(TaskConfig(n=100, d=3, x_dist="uniform"), 50, rng=2).X
    assert np.abs(x).max() <= np.sqrt(3)
    h = sample_tasks(TaskConfig(n=100, d=3, x_dist="heavy_tailed", heavy_k=0.1), 50, rng=2).X
    r2 = np.sum(h**2, axis=-1).ravel()
    # ||x||^2 ~ Gamma(0.1, scale sqrt(100)) has mean 1 and variance 10; 4 standard errors.
    assert abs(r2.mean() - 1.0) < 4 * np.sqrt(10 / r2.size)
    assert r2.max() > 20 * np.median(r2)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(n=0, d=2),
        dict(n=2, d=0),
        dict(n=2, d=2, noise_std=-1.0),
        dict(n=2, d=2, noise_std=float("nan")),
        dict(n=2, d=2, noise_std=1.0, sigma_max=2.0),
        dict(n=2, d=2, x_dist="cauchy"),
        dict(n=2, d=2, Sigma=np.eye(3)),
        dict(n=2, d=2, Sigma=np.array([[1.0, 2.0], [2.0, 1.0]])),
    ],
)
def test_bad_config(kwargs):
    with pytest.raises(ValueError):
        TaskConfig(**kwargs)
