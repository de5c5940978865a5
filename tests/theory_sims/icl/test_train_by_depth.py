import numpy as np
import pytest

from theory_sims.icl.lsa import LSA
from theory_sims.icl.tasks import TaskConfig, sample_tasks
from theory_sims.icl.theory import optimal_gd_steps, optimal_single_layer
from theory_sims.icl.train import evaluate, train_by_depth

TASK = TaskConfig(n=10, d=3, noise_std=0.2)
KW = dict(steps=300, batch_size=256, lr=0.02, schedule="cosine", clip=1.0)


def test_depths_are_warm_started_selected_and_seeded():
    val = sample_tasks(TASK, 4000, rng=1)
    fits = train_by_depth(TASK, [1, 2, 3], "diag", validation=val, rng=0, **KW)
    again = train_by_depth(TASK, [1, 2, 3], "diag", validation=val, rng=0, **KW)
    assert [f.model for f in fits] == [LSA(L, 3, "diag") for L in (1, 2, 3)]
    for f, g in zip(fits, again, strict=True):
        np.testing.assert_array_equal(f.theta, g.theta)
        assert f.theta.shape == (f.model.num_params,) and f.losses.shape == (300,)
    val_losses = [f.validation_loss for f in fits]
    assert all(b <= a * (1 + 1e-12) for a, b in zip(val_losses, val_losses[1:], strict=False))


def test_three_layers_beat_the_optimal_single_layer():
    # a one-layer model cannot beat the closed-form optimum; three GD++ layers hold
    # three GD steps, so they reach below the optimal 3-step GD
    val = sample_tasks(TASK, 4000, rng=1)
    fits = train_by_depth(TASK, [1, 3], "gd++", validation=val, rng=0, **KW)
    one = optimal_single_layer(10, 3, 0.2).loss
    three = optimal_gd_steps(10, 3, 3, 0.2).loss
    deep = evaluate(fits[1].model, fits[1].theta, TASK, batch_size=100000, rng=2)
    assert deep.loss + 3 * deep.std_error < three
    shallow = evaluate(fits[0].model, fits[0].theta, TASK, batch_size=100000, rng=2)
    assert shallow.loss > one - 3 * shallow.std_error


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        (dict(depths=[2, 1]), ValueError),
        (dict(depths=[]), ValueError),
        (dict(depths=[0, 1]), ValueError),
        (dict(validation=sample_tasks(TaskConfig(n=10, d=4), 10, rng=0)), ValueError),
        (dict(validation=np.zeros(3)), TypeError),
        (dict(snapshots=500), ValueError),
    ],
)
def test_bad_input_rejected(kwargs, error):
    args = dict(depths=[1, 2], validation=sample_tasks(TASK, 10, rng=0), snapshots=5)
    args.update(kwargs)
    with pytest.raises(error):
        train_by_depth(TASK, args.pop("depths"), "diag", rng=0, **args, **KW)
