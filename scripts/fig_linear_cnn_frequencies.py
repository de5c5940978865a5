"""Pinson et al.: a linear CNN learns Fourier modes in stages, led by the dominant frequencies.

Data (population, exact): stationary signals of length P = 32 with power
spectrum lambda(f) = 1 / (1 + (f / 4)^2) and a convolutional target y = h * x
whose frequency response is 1 at the target frequencies {1, 5, 11} (and their
mirrors) and 0 elsewhere. The input-output correlation of frequency f is
lambda(f) h(f), so frequency 1 dominates and frequency 11 is the weakest.

Networks, trained by full-batch gradient descent from the same small scale:
* a two-layer linear CNN: C = 4 circular-convolution filters of K = 3 taps and
  a fully connected readout;
* a two-layer fully connected linear network with the same hidden width C P.

Left: the learned fraction Re(W(f) / h(f)) of each target frequency against
time, CNN (solid) and fully connected (dashed). Right: the CNN's filter power
spectrum sum_c |w_c(f)|^2 over time: the 3-tap filters cannot choose their
Fourier coefficients independently, and their power goes to the dominant low
frequencies first (the dominant frequency bias). Weight sharing makes every
CNN stage faster than the fully connected network's in absolute time (each
tap's gradient sums over all P positions); the stages are reported as the times
to half-learn each frequency (``cnn_half_times``, ``fc_half_times``) and their
spread t_half(f=11) / t_half(f=1) for both networks.
Runs over several initialisations (``gpu.scan``); the headline is the ratio of
the CNN's to the fully connected network's time to half-learn the weakest
frequency.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from gpu.scan import scan
from theory_sims.deep_linear import init_weights, train_gd
from theory_sims.deep_linear.cnn import (
    circulant_task,
    frequency_response,
    init_linear_cnn,
    train_linear_cnn,
)

PAPER = {"note": "qualitative: stage-like learning driven by the dominant frequencies"}

P = 32
TARGET_FREQS = (1, 5, 11)


# Wall seconds on the 2-core dev machine. quick: measured in the last quick run of all
# figures (scripts/reproduce.py --quick, machine loaded by other jobs, about 2.8x a
# quiet run); full estimated: 8 initialisations.
COST = {"quick": 5, "full": 20}


def task():
    f = np.arange(P)
    fs = np.minimum(f, P - f)
    power = 1.0 / (1.0 + (fs / 4.0) ** 2)
    target = np.isin(fs, TARGET_FREQS).astype(complex)
    return power, target


def _half_time(times, frac):
    above = np.flatnonzero(frac >= 0.5)
    return float(times[above[0]]) if above.size else float("nan")


def _one_init(params, rng):
    power, target = task()
    X, Y = circulant_task(power, target)
    C, K, scale = params["channels"], params["kernel"], params["scale"]
    lr, steps, every = params["lr"], params["steps"], params["record_every"]
    filters, readout = init_linear_cnn(P, P, channels=C, kernel=K, scale=scale, rng=rng)
    cnn = train_linear_cnn(X, Y, filters, readout, lr=lr, steps=steps, record_every=every)
    fc_w = init_weights([P, C * P, P], scheme="gaussian", scale=scale, rng=rng)
    fc = train_gd(X, Y, fc_w, lr=lr, steps=steps, record_every=every, track_end_to_end=True)
    fc_resp = frequency_response(fc.end_to_end[:, 0])
    freqs = list(TARGET_FREQS)
    cnn_frac = np.real(cnn.response[:, 0, freqs] / target[freqs])
    fc_frac = np.real(fc_resp[:, freqs] / target[freqs])
    return {
        "times": cnn.times,
        "cnn_fraction": cnn_frac,
        "fc_fraction": fc_frac,
        "filter_power": np.sum(cnn.filter_spectra[:, 0] ** 2, axis=1),
        "cnn_half_times": [_half_time(cnn.times, cnn_frac[:, i]) for i in range(len(freqs))],
        "fc_half_times": [_half_time(fc.times, fc_frac[:, i]) for i in range(len(freqs))],
        "final_loss": [float(cnn.loss[-1, 0]), float(fc.loss[-1, 0])],
    }


def run(quick: bool, rng: np.random.Generator) -> dict:
    config = {
        "P": P,
        "power_spectrum": "1 / (1 + (f/4)^2)",
        "target_frequencies": list(TARGET_FREQS),
        "channels": 4,
        "kernel": 3,
        "scale": 0.05,
        "lr": 0.1,
        "steps": 3000,
        "record_every": 2,
        "inits": 2 if quick else 8,
        "quick_reduces": "initialisations 8 -> 2",
    }
    params = {k: config[k] for k in ("channels", "kernel", "scale", "lr", "steps", "record_every")}
    out = scan(_one_init, [params] * config["inits"], rng=rng, progress=True, desc="cnn inits")
    cnn_half = np.array([o["cnn_half_times"] for o in out])
    fc_half = np.array([o["fc_half_times"] for o in out])
    ratio = float(np.nanmedian(cnn_half[:, -1] / fc_half[:, -1]))
    # Check of the paper's picture: stages ordered by frequency strength for the CNN
    # (median t_half(f=11) / t_half(f=1) > 1) and the CNN ahead of the fully connected
    # net at the weakest frequency (ratio < 1). Both: yes; one: partly; neither: no.
    staged = float(np.nanmedian(cnn_half[:, -1] / cnn_half[:, 0])) > 1
    agrees = {2: "yes", 1: "partly", 0: "no"}[int(staged) + int(ratio < 1)]
    power, _ = task()
    return {
        "config": config,
        "headline": {
            "label": f"t_half(CNN) / t_half(FC) at the weakest frequency f={TARGET_FREQS[-1]}",
            "ours": ratio,
            "paper": None,
            "agrees": agrees,
        },
        "times": out[0]["times"],
        "cnn_fraction": np.array([o["cnn_fraction"] for o in out]),
        "fc_fraction": np.array([o["fc_fraction"] for o in out]),
        "filter_power": out[0]["filter_power"],
        "power_spectrum": power,
        "cnn_half_times": cnn_half,
        "fc_half_times": fc_half,
        "final_loss": np.array([o["final_loss"] for o in out]),
        "stage_spread_cnn": float(np.nanmedian(cnn_half[:, -1] / cnn_half[:, 0])),
        "stage_spread_fc": float(np.nanmedian(fc_half[:, -1] / fc_half[:, 0])),
    }


def plot(result: dict) -> Figure:
    fig = Figure(figsize=(12, 4.2))
    ax1, ax2 = fig.subplots(1, 2)
    t = np.asarray(result["times"])
    cnn = np.asarray(result["cnn_fraction"])
    fc = np.asarray(result["fc_fraction"])
    for i, f in enumerate(TARGET_FREQS):
        c = f"C{i}"
        ax1.plot(t, cnn[:, :, i].mean(0), "-", color=c, label=f"CNN, f={f}")
        ax1.plot(t, fc[:, :, i].mean(0), "--", color=c, label=f"fully connected, f={f}")
    ax1.set_xscale("log")
    ax1.set_xlabel("t = step x lr")
    ax1.set_ylabel("learned fraction Re(W(f) / h(f))")
    ax1.set_title("stage-like learning of the target frequencies", fontsize=9)
    ax1.legend(fontsize=7)
    power = np.asarray(result["filter_power"])[:, : P // 2 + 1]
    freqs = np.arange(power.shape[1])
    for n, t_show in enumerate((0.0, 1.0, 2.0, 5.0, 15.0, float(t[-1]))):
        row = power[int(np.argmin(np.abs(t - t_show)))]
        ax2.plot(freqs, row / row.sum(), "o-", ms=3, color=f"C{n}", label=f"t = {t_show:g}")
    for f in TARGET_FREQS:
        ax2.axvline(f, color="k", ls=":", lw=0.8)
    ax2.set_xlabel("frequency f (target frequencies dotted)")
    ax2.set_ylabel("normalised filter power sum_c |w_c(f)|^2")
    ax2.set_title("CNN filter spectrum during training", fontsize=9)
    ax2.legend(fontsize=7)
    fig.tight_layout()
    return fig


if __name__ == "__main__":
    import reproduce

    reproduce.figure_main(__file__)
