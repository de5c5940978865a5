"""Training LSA models on fresh batches of in-context regression tasks.

Every step draws a new batch from the task distribution (so the training loss
is an unbiased estimate of the population in-context loss), computes the hand
gradient of :meth:`theory_sims.icl.lsa.LSA.loss_and_grad`, optionally clips it
by global norm and applies Adam or SGD with momentum.
"""

from __future__ import annotations

import dataclasses
import warnings
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from gpu.backend import asarray_like, spawn, to_numpy
from gpu.errors import DivergenceError
from gpu.records import Record
from gpu.validate import check_choice, check_int, check_real
from theory_sims.icl.lsa import LSA
from theory_sims.icl.optim import Adam, SGDMomentum, clip_by_norm
from theory_sims.icl.tasks import TaskBatch, TaskConfig, sample_tasks

__all__ = ["TrainingResult", "train", "Evaluation", "evaluate", "DepthFit", "train_by_depth"]


@dataclasses.dataclass(frozen=True)
class TrainingResult(Record):
    """Outcome of :func:`train`.

    Attributes
    ----------
    theta : array, shape (num_params,)
        Final parameters, on the device of the initial parameters.
    losses : numpy.ndarray, shape (steps,)
        Training loss of each step's fresh batch (before the update).
    grad_norms : numpy.ndarray, shape (steps,)
        Gradient norm of each step, before clipping.
    snapshot_steps : numpy.ndarray, shape (k,)
        Steps at which ``snapshots`` were taken (before that step's update).
    snapshots : numpy.ndarray, shape (k, num_params)
        Parameters along training (host copies).
    """

    theta: Any
    losses: np.ndarray
    grad_norms: np.ndarray
    snapshot_steps: np.ndarray
    snapshots: np.ndarray


#: Batches in the running (lower) median that the divergence rule compares with its limit:
#: one heavy-tailed batch can exceed any fixed factor (a batch of 1000 heavy-tailed
#: sequences spiked to 3e4 times the first loss in fig_icl_optimization), a diverging
#: run exceeds it for good.
_DIVERGENCE_WINDOW = 5


def train(
    model: LSA,
    task: TaskConfig,
    *,
    steps: int,
    batch_size: int,
    optimizer: str = "adam",
    lr: float = 1e-3,
    betas=(0.9, 0.999),
    momentum: float = 0.9,
    clip: float | None = None,
    schedule: str = "constant",
    theta0=None,
    init_scale: float = 0.1,
    snapshot_every: int | None = None,
    divergence_factor: float = 1e6,
    rng=None,
    progress: bool = False,
    like=None,
) -> TrainingResult:
    """Train ``model`` on fresh batches from ``task``.

    Parameters
    ----------
    model : LSA
        The architecture.
    task : TaskConfig
        Training distribution; ``task.d`` must equal ``model.d``.
    steps : int
        Number of optimisation steps, ``>= 1``.
    batch_size : int
        Sequences per step.
    optimizer : {"adam", "sgd"}
        Adam, or SGD with heavy-ball ``momentum``.
    lr : float
        Learning rate.
    betas : tuple of float
        Adam's moment decay rates.
    momentum : float
        SGD momentum.
    clip : float or None
        Clip the gradient to this global norm.
    schedule : {"constant", "cosine"}
        Learning-rate schedule: constant, or cosine decay from ``lr`` to 0.
    theta0 : array, optional
        Initial parameters (default ``model.init(init_scale)`` from ``rng``).
    init_scale : float
        Scale of the random initialisation.
    snapshot_every : int or None
        Keep a copy of the parameters every this many steps.
    divergence_factor : float
        Divergence rule (the one of :mod:`theory_sims.deep_linear.training`,
        made robust to single heavy-tailed batches): a non-finite batch loss,
        or a lower median of the last 5 batch losses above this factor
        (``>= 1``) times ``max(first batch loss, loss of the zero predictor on
        the first batch)``, raises :class:`gpu.errors.DivergenceError`. The
        default ``1e6`` leaves room for heavy-tailed tasks, whose batch losses
        spike by ``1e4`` and more without diverging.
    rng : None, int or numpy.random.Generator
        Seeds the initialisation and the batches (two spawned streams).
    progress : bool
        Show a tqdm progress bar (default False).
    like : array, optional
        Run on this array's device (NumPy by default; a CuPy array for GPU).

    Returns
    -------
    TrainingResult

    Raises
    ------
    ValueError
        On mismatched dimensions or bad hyper-parameters.
    gpu.errors.DivergenceError
        (a ``FloatingPointError`` and a ``ValueError``) when a training loss
        leaves the bound of ``divergence_factor``, with either optimizer:
        lower ``lr`` or set ``clip``.

    References
    ----------
    Vladymyrov et al. (NeurIPS 2024), Sec. 5 (Adam, batch 2048);
    Ahn et al. (ICLR 2024), Sec. 3 (Adam vs SGD with momentum, clipping 1.0).

    Examples
    --------
    >>> res = train(LSA(1, 3), TaskConfig(n=10, d=3), steps=50, batch_size=64,
    ...             lr=0.02, rng=0)
    >>> bool(res.losses[-5:].mean() < res.losses[:5].mean())
    True
    """
    if not isinstance(model, LSA):
        raise TypeError(f"model must be an LSA, got {type(model).__name__}")
    if not isinstance(task, TaskConfig):
        raise TypeError(f"task must be a TaskConfig, got {type(task).__name__}")
    if task.d != model.d:
        raise ValueError(f"task.d={task.d} differs from model.d={model.d}")
    steps = check_int(steps, "steps", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    check_choice(optimizer, "optimizer", ("adam", "sgd"))
    check_choice(schedule, "schedule", ("constant", "cosine"))
    if clip is not None:
        clip = check_real(clip, "clip", low=0, low_inclusive=False)
    divergence_factor = check_real(divergence_factor, "divergence_factor", low=1.0)
    init_rng, data_rng = spawn(rng, 2)
    theta = model.init(init_rng, scale=init_scale, like=like) if theta0 is None else theta0
    model._check_theta(theta)
    opt = Adam(lr, betas) if optimizer == "adam" else SGDMomentum(lr, momentum)
    losses = np.empty(steps)
    norms = np.empty(steps)
    snap_steps, snaps = [], []
    every = (
        None if snapshot_every is None else check_int(snapshot_every, "snapshot_every", minimum=1)
    )
    limit = None
    for t in tqdm(
        range(steps), disable=not progress, desc=f"train {model.variant} L={model.depth}"
    ):
        if every is not None and t % every == 0:
            snap_steps.append(t)
            snaps.append(to_numpy(theta).copy())
        b = sample_tasks(task, batch_size, rng=data_rng, like=theta)
        with np.errstate(over="ignore", invalid="ignore"):
            losses[t], grad = model.loss_and_grad(theta, b.X, b.y, b.x_query, b.y_query)
        if limit is None:
            zero_loss = float(to_numpy(b.y_query * b.y_query).mean())
            limit = divergence_factor * max(losses[t], zero_loss, np.finfo(float).tiny)
        window = losses[max(0, t + 1 - _DIVERGENCE_WINDOW) : t + 1]
        recent = float(np.quantile(window, 0.5, method="lower"))
        if not (np.isfinite(losses[t]) and recent <= limit):
            raise DivergenceError(
                f"training diverged with {optimizer} at lr={lr:g}: at step {t} the loss is "
                f"{losses[t]:.3g} and the lower median of the last {_DIVERGENCE_WINDOW} batch "
                f"losses {recent:.3g} (limit {limit:.3g}: divergence_factor={divergence_factor:g} "
                "times the larger of the first loss and the zero predictor's); lower lr or "
                "set clip"
            )
        grad, norms[t] = clip_by_norm(grad, clip)
        if schedule == "cosine":
            opt.lr = 0.5 * lr * (1.0 + np.cos(np.pi * t / steps))
        theta = opt.step(theta, grad)
    snaps_arr = np.array(snaps) if snaps else np.empty((0, model.num_params))
    return TrainingResult(theta, losses, norms, np.array(snap_steps, dtype=int), snaps_arr)


def __getattr__(name: str):
    if name == "TrainResult":
        warnings.warn(
            "theory_sims.icl.train.TrainResult is deprecated and will be removed in the next "
            "release; use TrainingResult",
            DeprecationWarning,
            stacklevel=2,
        )
        return TrainingResult
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclasses.dataclass(frozen=True)
class Evaluation(Record):
    """In-context loss of fixed parameters on a fresh batch (:func:`evaluate`).

    Attributes
    ----------
    loss : float
        Mean squared query error (package convention, no factor 1/2).
    std_error : float
        Standard error of that mean over the ``batch_size`` sequences
        (sample standard deviation / sqrt(batch_size)).
    batch_size : int
        Number of sequences evaluated.
    """

    loss: float
    std_error: float
    batch_size: int

    def __iter__(self):
        """Retired tuple form ``(loss, std_error)`` (deprecated; warns)."""
        _warn_tuple()
        return iter((self.loss, self.std_error))

    def __getitem__(self, index):
        """Retired tuple form ``(loss, std_error)[index]`` (deprecated; warns)."""
        _warn_tuple()
        return (self.loss, self.std_error)[index]


def _warn_tuple() -> None:
    warnings.warn(
        "evaluate() returns an Evaluation record; reading it as the tuple (loss, std_error) "
        "is deprecated and will be removed in the next release: use .loss and .std_error",
        DeprecationWarning,
        stacklevel=3,
    )


def evaluate(model: LSA, theta, task: TaskConfig, *, batch_size: int, rng=None) -> Evaluation:
    """In-context loss of ``theta`` on a fresh batch, with its standard error.

    Parameters
    ----------
    model : LSA
    theta : array, shape (num_params,)
    task : TaskConfig
    batch_size : int
        Sequences in the batch, ``>= 2``.
    rng : None, int or numpy.random.Generator

    Returns
    -------
    Evaluation
        Fields ``loss``, ``std_error`` and ``batch_size``.

    Examples
    --------
    >>> ev = evaluate(LSA(1, 2), np.zeros(18), TaskConfig(n=4, d=2), batch_size=100, rng=0)
    >>> ev.loss > 0 and ev.std_error > 0
    True
    """
    size = check_int(batch_size, "batch_size", minimum=2)
    b = sample_tasks(task, size, rng=rng, like=theta)
    sq = _squared_errors(model, theta, b)
    return Evaluation(float(sq.mean()), float(sq.std(ddof=1) / np.sqrt(sq.size)), size)


def _squared_errors(model: LSA, theta, batch: TaskBatch) -> np.ndarray:
    """Host array of the squared query errors of ``theta`` on ``batch``."""
    err = to_numpy(model.predict(theta, batch.X, batch.y, batch.x_query) - batch.y_query)
    return err * err


@dataclasses.dataclass(frozen=True)
class DepthFit(Record):
    """One depth of :func:`train_by_depth`.

    Attributes
    ----------
    model : LSA
        The architecture at this depth.
    theta : array, shape (num_params,)
        The kept parameters, on the device of the training.
    kept_step : int
        Training step of the kept parameters (``steps`` for the final ones;
        0 for the warm start itself).
    validation_loss : float
        Loss of ``theta`` on the validation batch.
    losses : numpy.ndarray, shape (steps,)
        Training loss of each step.
    """

    model: LSA
    theta: Any
    kept_step: int
    validation_loss: float
    losses: np.ndarray


def _validation_loss(model: LSA, theta, validation: TaskBatch) -> float:
    """Mean squared error on ``validation``; ``inf`` for a diverged model."""
    loss = float(_squared_errors(model, theta, validation).mean())
    return loss if np.isfinite(loss) else np.inf


def train_by_depth(
    task: TaskConfig,
    depths,
    variant: str = "full",
    *,
    validation: TaskBatch,
    steps: int,
    batch_size: int,
    snapshots: int = 10,
    init_scale: float = 0.1,
    rng=None,
    like=None,
    **train_options,
) -> list[DepthFit]:
    """Train LSA models of increasing depth, each warm-started from the one before.

    The first depth starts from a random initialisation. Each later depth
    starts from the kept parameters of the previous one with new layers that
    leave its function unchanged (:meth:`LSA.add_layer`). Every depth keeps,
    of ``snapshots`` evenly spaced snapshots (the first is its start) and
    its final parameters, the one with the lowest loss on ``validation``; so
    a deeper model is never worse on ``validation`` than a shallower one (up
    to rounding). This progressive protocol stands in for the long
    from-scratch training of Vladymyrov et al.; it guards against plateaus of
    a random start and against parameters that blow up on rare sequences late
    in training.

    Parameters
    ----------
    task : TaskConfig
        Training distribution.
    depths : sequence of int
        Strictly increasing depths ``>= 1``.
    variant : {"full", "diag", "gd++"}
        LSA variant.
    validation : TaskBatch
        Held-out sequences for the model selection (not the evaluation set).
    steps, batch_size : int
        Training steps and batch size of every depth.
    snapshots : int
        Number of snapshots per depth, ``1 <= snapshots <= steps``.
    init_scale : float
        Scale of the random initialisation and of the new layers' ``Q``.
    rng : None, int or numpy.random.Generator
        Seeds initialisation and batches (one spawned stream per depth).
    like : array, optional
        Train on this array's device.
    **train_options
        Passed to :func:`train` (``lr``, ``optimizer``, ``clip``, ``schedule``, ...).

    Returns
    -------
    list of DepthFit
        One per depth, in order.

    Raises
    ------
    ValueError
        For depths that are not strictly increasing positive integers, a
        validation batch whose dimension differs from ``task.d``, or bad
        training options.

    Examples
    --------
    >>> task = TaskConfig(n=8, d=2, noise_std=0.2)
    >>> fits = train_by_depth(task, [1, 2], "diag", validation=sample_tasks(task, 500, rng=1),
    ...                       steps=60, batch_size=64, lr=0.02, rng=0)
    >>> [f.model.depth for f in fits], fits[1].validation_loss <= fits[0].validation_loss
    ([1, 2], True)
    """
    depths = [check_int(L, "depths", minimum=1) for L in depths]
    if not depths or any(b <= a for a, b in zip(depths, depths[1:], strict=False)):
        raise ValueError(f"depths must be strictly increasing and non-empty, got {depths}")
    if not isinstance(validation, TaskBatch):
        raise TypeError(f"validation must be a TaskBatch, got {type(validation).__name__}")
    if validation.X.shape[-1] != task.d:
        raise ValueError(f"validation has d={validation.X.shape[-1]}, task has d={task.d}")
    steps = check_int(steps, "steps", minimum=1)
    snapshots = check_int(snapshots, "snapshots", minimum=1)
    if snapshots > steps:
        raise ValueError(f"snapshots must be <= steps={steps}, got {snapshots}")
    fits, model, theta = [], None, None
    for depth, depth_rng in zip(depths, spawn(rng, len(depths)), strict=True):
        init_rng, train_rng = spawn(depth_rng, 2)
        if model is None:
            model = LSA(depth, task.d, variant)
            theta = model.init(init_rng, scale=init_scale, like=like)
        while model.depth < depth:
            model, theta = model.add_layer(theta, init_rng, scale=init_scale)
        res = train(
            model,
            task,
            steps=steps,
            batch_size=batch_size,
            theta0=theta,
            snapshot_every=steps // snapshots,
            rng=train_rng,
            **train_options,
        )
        candidates = [*res.snapshots, res.theta]
        val = [
            _validation_loss(model, asarray_like(th, res.theta), validation) for th in candidates
        ]
        best = int(np.argmin(val))
        theta = asarray_like(candidates[best], res.theta)
        kept = int(res.snapshot_steps[best]) if best < len(res.snapshots) else steps
        fits.append(DepthFit(model, theta, kept, val[best], res.losses))
    return fits
