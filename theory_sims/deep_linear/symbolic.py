r"""Symbolic check of Saxe et al.'s two-layer solution (needs SymPy).

SymPy is a test dependency of linproj, imported only when
:func:`verify_two_layer_solution` is called.
"""

from __future__ import annotations

__all__ = ["verify_two_layer_solution"]


def verify_two_layer_solution() -> dict[str, bool]:
    r"""Prove symbolically that Saxe et al.'s two-layer mode solves its ODE.

    With symbols :math:`t \ge 0` and :math:`s, u_0, \tau > 0`, checks that
    :math:`u(t) = s e^{2st/\tau} / (e^{2st/\tau} - 1 + s/u_0)` satisfies

    * the ODE :math:`\tau\, u'(t) - 2 u (s - u) = 0` identically,
    * the initial condition :math:`u(0) = u_0`,
    * the learning time :math:`t_f = \frac{\tau}{2s}\ln\frac{u_f(s-u_0)}{u_0(s-u_f)}`
      gives :math:`u(t_f) = u_f`.

    Returns
    -------
    dict of str to bool
        ``{"ode": ..., "initial_condition": ..., "learning_time": ...}``, each
        True when SymPy simplifies the residual to zero.

    References
    ----------
    Saxe, McClelland and Ganguli, ICLR 2014, Eq. (5)-(6).

    Examples
    --------
    >>> verify_two_layer_solution()
    {'ode': True, 'initial_condition': True, 'learning_time': True}
    """
    import sympy as sp

    t = sp.Symbol("t", nonnegative=True)
    s, u0, uf, tau = sp.symbols("s u0 u_f tau", positive=True)
    growth = sp.exp(2 * s * t / tau)
    u = s * growth / (growth - 1 + s / u0)
    ode = sp.simplify(tau * sp.diff(u, t) - 2 * u * (s - u))
    initial = sp.simplify(u.subs(t, 0) - u0)
    t_f = tau / (2 * s) * sp.log(uf * (s - u0) / (u0 * (s - uf)))
    at_tf = sp.simplify(sp.expand_log(u.subs(t, t_f), force=True) - uf)
    return {
        "ode": ode == 0,
        "initial_condition": initial == 0,
        "learning_time": sp.simplify(at_tf) == 0,
    }
