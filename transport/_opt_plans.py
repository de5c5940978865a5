r"""Exact optimal partial transport plans for a dense cost matrix (network simplex with dummies).

Both forms of optimal partial transport (OPT) become one balanced problem that
POT's exact network simplex (``ot.emd``) solves:

* penalty form: the sources get a dummy atom of mass :math:`|b|` (it creates
  target mass) and the targets one of mass :math:`|a|` (it destroys source mass);
  an edge to or from a dummy costs ``lam``, the dummy-dummy edge costs 0
  (Bai et al., ICML 2023, the OPT background, and the authors' ``opt_lp`` in
  ``Baio0/LinearOPT`` ``lib/lib_lopt.py``; Chapel et al., NeurIPS 2020, Section 3);
* mass form: the dummies hold :math:`|b| - m` and :math:`|a| - m`, edges to a
  dummy cost 0 and the dummy-dummy edge is priced out of every optimum
  (Chapel, Alaya, Gasso, NeurIPS 2020; any positive price on that edge works:
  lowering its flow by e and a real pair's by e saves both prices).
"""

from __future__ import annotations

import numpy as np

# Network simplex iteration cap: large enough for the problem sizes this module
# serves; a plan that stops early raises instead of being returned.
MAX_SIMPLEX_ITERATIONS = 10**8


def _emd(a, b, cost):
    import ot

    plan, log = ot.emd(a, b, cost, numItermax=MAX_SIMPLEX_ITERATIONS, log=True)
    if log.get("warning"):
        raise RuntimeError(f"the exact network simplex did not converge: {log['warning']}")
    return plan


def opt_plan_lam(a, b, cost, lam):
    """Plan (n, m) minimising <cost, plan> + lam (|a| - |plan| + |b| - |plan|)."""
    n, m = cost.shape
    big = np.empty((n + 1, m + 1))
    big[:n, :m] = cost
    big[:n, m] = lam
    big[n, :m] = lam
    big[n, m] = 0.0
    a_ext = np.concatenate([a, [b.sum()]])
    b_ext = np.concatenate([b, [a.sum()]])
    return _emd(a_ext, b_ext, big)[:n, :m]


def opt_plan_mass(a, b, cost, mass):
    """Plan (n, m) of mass ``mass`` minimising <cost, plan> with plan 1 <= a, plan^T 1 <= b."""
    n, m = cost.shape
    big = np.zeros((n + 1, m + 1))
    big[:n, :m] = cost
    big[n, m] = 2.0 * float(cost.max(initial=0.0)) + 1.0
    a_ext = np.concatenate([a, [max(b.sum() - mass, 0.0)]])
    b_ext = np.concatenate([b, [max(a.sum() - mass, 0.0)]])
    total = max(a_ext.sum(), b_ext.sum())
    a_ext[-1] += total - a_ext.sum()
    b_ext[-1] += total - b_ext.sum()
    return _emd(a_ext, b_ext, big)[:n, :m]
