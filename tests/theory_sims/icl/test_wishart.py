import itertools

import numpy as np
import pytest
import sympy as sp

from theory_sims.icl.wishart import wishart_trace_moments, wishart_trace_product_moment


def _wick_moment(n, d, powers):
    """E prod tr((X^T X)^k) by summing Isserlis' theorem over every pairing of the entries.

    tr(W^k) = sum X[a1,b1] X[a1,b2] X[a2,b2] ... X[ak,b1]; a pairing forces its two
    entries to share row and column, and contributes n^(#row classes) d^(#col classes).
    """
    factors, rows, cols, zero_traces = [], 0, 0, 0
    for k in powers:
        if k == 0:
            zero_traces += 1
            continue
        for t in range(k):
            factors += [(rows + t, cols + t), (rows + t, cols + (t + 1) % k)]
        rows, cols = rows + k, cols + k

    def classes(pairs, size, axis):
        parent = list(range(size))

        def find(i):
            while parent[i] != i:
                i = parent[i]
            return i

        for f, g in pairs:
            parent[find(factors[f][axis])] = find(factors[g][axis])
        return len({find(i) for i in range(size)})

    def pairings(items):
        if not items:
            yield []
            return
        first, rest = items[0], items[1:]
        for i, other in enumerate(rest):
            for tail in pairings(rest[:i] + rest[i + 1 :]):
                yield [(first, other), *tail]

    total = sum(
        n ** classes(p, rows, 0) * d ** classes(p, cols, 1)
        for p in pairings(list(range(len(factors))))
    )
    return d**zero_traces * total


def _partitions(total):
    if total == 0:
        yield ()
        return
    for first in range(total, 0, -1):
        for rest in _partitions(total - first):
            if not rest or rest[0] <= first:
                yield (first, *rest)


@pytest.mark.parametrize("powers", [p for t in range(1, 6) for p in _partitions(t)] + [(0, 2)])
def test_recursion_equals_wick_expansion_as_polynomials(powers):
    n, d = sp.symbols("n d")
    ours = sp.expand(wishart_trace_product_moment(n, d, powers))
    assert sp.expand(_wick_moment(n, d, powers) - ours) == 0


def test_known_low_moments():
    n, d = sp.symbols("n d")
    m = wishart_trace_moments(n, d, 3)
    cubic = n * d * (n**2 + d**2 + 3 * n * d + 3 * n + 3 * d + 4)
    expected = [d, n * d, n * d * (n + d + 1), cubic]
    assert all(sp.expand(a - b) == 0 for a, b in zip(m, expected, strict=True))


def test_moments_match_monte_carlo():
    n, d, B = 7, 4, 200000
    X = np.random.default_rng(0).standard_normal((B, n, d))
    W = np.swapaxes(X, 1, 2) @ X
    exact = wishart_trace_moments(n, d, 4)
    power = np.broadcast_to(np.eye(d), W.shape)
    for k in range(1, 5):
        power = power @ W
        tr = np.trace(power, axis1=1, axis2=2)
        assert abs(tr.mean() - exact[k]) < 3 * tr.std(ddof=1) / np.sqrt(B)


def test_integer_sizes_give_exact_integers():
    m = wishart_trace_moments(20, 10, 14)
    assert all(isinstance(x, int) for x in m)
    n, d = sp.symbols("n d")
    poly = wishart_trace_moments(n, d, 6)[6]
    assert poly.subs({n: 20, d: 10}) == m[6]


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda: wishart_trace_moments(0, 3, 2), ValueError),
        (lambda: wishart_trace_moments(3, 0, 2), ValueError),
        (lambda: wishart_trace_moments(3, 2, -1), ValueError),
        (lambda: wishart_trace_moments(3.5, 2, 2), TypeError),
        (lambda: wishart_trace_product_moment(3, 2, [1, -1]), ValueError),
        (lambda: wishart_trace_product_moment(3, 2, [1.5]), TypeError),
    ],
)
def test_bad_input_rejected(call, error):
    with pytest.raises(error):
        call()


def test_symmetric_in_transpose_up_to_dimension_factor():
    # tr((X^T X)^k) = tr((X X^T)^k) for k >= 1: swapping n and d leaves the moment unchanged.
    for powers in itertools.islice(_partitions(6), 8):
        assert wishart_trace_product_moment(5, 3, powers) == wishart_trace_product_moment(
            3, 5, powers
        )
