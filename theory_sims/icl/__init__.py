"""In-context linear regression with linear self-attention, at array level.

Submodules
----------
tasks       task distributions (:class:`TaskConfig`, :func:`sample_tasks`)
predictors  least squares, ridge, (preconditioned) GD, Bayes, AdaRR, TunedRR, implicit weights
baselines   tuning ConstRR and TunedRR on a task distribution
metrics     in-context loss, SPD, ILWD, adjusted loss
lsa         multi-layer LSA (FULL, DIAG, GD++), hand-derived gradients, GD construction
optim       Adam and SGD with momentum, gradient clipping
train       training on fresh batches
theory      closed forms: optimal single layer, optimal GD step(s)
wishart     exact real-Wishart trace moments (Stein recursion)
analysis    gradient-noise statistics and Hessian spectra
"""

from theory_sims.icl import (
    analysis,
    baselines,
    lsa,
    metrics,
    optim,
    predictors,
    tasks,
    theory,
    train,
    wishart,
)
from theory_sims.icl.lsa import LSA, gd_construction
from theory_sims.icl.tasks import TaskBatch, TaskConfig, sample_tasks
from theory_sims.icl.theory import optimal_single_layer
from theory_sims.icl.train import Evaluation, TrainingResult, evaluate
from theory_sims.icl.train import train as train_lsa

__all__ = [
    "analysis",
    "baselines",
    "lsa",
    "metrics",
    "optim",
    "predictors",
    "tasks",
    "theory",
    "train",
    "wishart",
    "LSA",
    "gd_construction",
    "TaskBatch",
    "TaskConfig",
    "sample_tasks",
    "optimal_single_layer",
    "Evaluation",
    "TrainingResult",
    "evaluate",
    "train_lsa",
]
