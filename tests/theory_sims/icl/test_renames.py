"""Glossary names, the Evaluation record, the shared divergence error and retired names."""

import warnings

import numpy as np
import pytest

from gpu.errors import DivergenceError
from theory_sims.icl import LSA, TaskConfig, evaluate, sample_tasks
from theory_sims.icl import predictors as P
from theory_sims.icl import theory as T
from theory_sims.icl.train import Evaluation, TrainingResult, train
from theory_sims.icl.wishart import (
    MAX_DEGREE,
    wishart_trace_moments,
    wishart_trace_product_moment,
)


def test_evaluate_returns_a_record_with_the_mean_and_its_standard_error():
    task = TaskConfig(n=4, d=2, noise_std=0.3)
    theta = LSA(1, 2).init(0)
    ev = evaluate(LSA(1, 2), theta, task, batch_size=500, rng=3)
    assert isinstance(ev, Evaluation) and ev.batch_size == 500
    # Recompute from the same batch (same seed) independently of evaluate.
    b = sample_tasks(task, 500, rng=3)
    sq = (LSA(1, 2).predict(theta, b.X, b.y, b.x_query) - b.y_query) ** 2
    assert ev.loss == pytest.approx(sq.mean(), rel=1e-12)
    assert ev.std_error == pytest.approx(sq.std(ddof=1) / np.sqrt(500), rel=1e-12)
    assert ev.to_dict() == {"loss": ev.loss, "std_error": ev.std_error, "batch_size": 500}
    with pytest.warns(DeprecationWarning, match="Evaluation record"):
        loss, se = ev
    assert (loss, se) == (ev.loss, ev.std_error)
    with pytest.warns(DeprecationWarning):
        assert ev[0] == ev.loss


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_training_divergence_raises_the_shared_error():
    with pytest.raises(DivergenceError, match="diverged"):
        train(
            LSA(2, 2), TaskConfig(n=4, d=2), steps=200, batch_size=8, lr=1e3, optimizer="sgd", rng=0
        )
    assert issubclass(DivergenceError, FloatingPointError)  # what icl raised before


def test_train_result_is_the_deprecated_name_of_training_result():
    import theory_sims.icl.train as module

    with pytest.warns(DeprecationWarning, match="TrainingResult"):
        assert module.TrainResult is TrainingResult
    with pytest.raises(AttributeError):
        module.NoSuchName  # noqa: B018


def test_retired_keywords_warn_and_agree_with_the_new_names():
    b = sample_tasks(TaskConfig(n=6, d=3, noise_std=0.4), 8, rng=0)
    X, y, q = b.X, b.y, b.x_query
    cases = [
        (lambda: TaskConfig(n=3, d=2, sigma=0.4), lambda: TaskConfig(n=3, d=2, noise_std=0.4)),
        (lambda: P.bayes(X, y, q, sigma=0.4), lambda: P.bayes(X, y, q, noise_std=0.4)),
        (lambda: P.gd(X, y, q, 2, step_size=0.3), lambda: P.gd(X, y, q, 2, lr=0.3)),
        (
            lambda: T.optimal_single_layer(8, 3, sigma=0.4).loss,
            lambda: T.optimal_single_layer(8, 3, noise_std=0.4).loss,
        ),
        (
            lambda: T.optimal_gd_step(8, 3, 1.0, 3.0, sigma=0.4).lr,
            lambda: T.optimal_gd_step(8, 3, 1.0, 3.0, noise_std=0.4).lr,
        ),
        (
            lambda: T.gd_steps_loss([0.5], 8, 3, sigma=0.4),
            lambda: T.gd_steps_loss([0.5], 8, 3, noise_std=0.4),
        ),
        (
            lambda: T.optimal_gd_steps(8, 3, 2, sigma=0.4).loss,
            lambda: T.optimal_gd_steps(8, 3, 2, noise_std=0.4).loss,
        ),
    ]
    for old, new in cases:
        with pytest.warns(DeprecationWarning):
            got = old()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            want = new()
        np.testing.assert_array_equal(np.asarray(got == want), True)


def test_renamed_record_fields_stay_readable_for_one_release():
    cfg = TaskConfig(n=3, d=2, noise_std=0.4)
    batch = sample_tasks(cfg, 5, rng=0)
    step = T.optimal_gd_step(8, 3, 1.0, 3.0)
    with pytest.warns(DeprecationWarning):
        assert cfg.sigma == 0.4
    with pytest.warns(DeprecationWarning):
        np.testing.assert_array_equal(batch.sigma, batch.noise_std)
    with pytest.warns(DeprecationWarning):
        assert step.step_size == step.lr


def test_train_shows_no_progress_bar_by_default(capsys):
    train(LSA(1, 2), TaskConfig(n=4, d=2), steps=3, batch_size=8, rng=0)
    assert capsys.readouterr().err == ""


@pytest.mark.timeout(60)
def test_wishart_moments_of_high_order_are_refused_up_front():
    # The exact recursion's cost grows like exp(pi sqrt(2K/3)); order 200 used to
    # run for hours. The refusal names the limit.
    with pytest.raises(ValueError, match="MAX_DEGREE"):
        wishart_trace_moments(20, 10, 200)
    with pytest.raises(ValueError, match="MAX_DEGREE"):
        wishart_trace_product_moment(20, 10, [MAX_DEGREE, 1])
    with pytest.raises(ValueError, match="steps"):
        T.optimal_gd_steps(20, 10, MAX_DEGREE)
    with pytest.raises(ValueError, match="step_sizes"):
        T.gd_steps_loss([0.1] * MAX_DEGREE, 20, 10)
    # Zero powers do not count towards the degree (tr W^0 = d).
    assert (
        wishart_trace_product_moment(3, 2, [4] + [0] * 50)
        == 2**50 * (wishart_trace_moments(3, 2, 4)[4])
    )
