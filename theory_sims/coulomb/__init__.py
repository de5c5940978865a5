"""Linear statistics of Coulomb gases: exact at beta = 2 and sampled for any beta and d.

After B. De Bruyne, P. Le Doussal, S. N. Majumdar, G. Schehr, "Linear
statistics for Coulomb gases: higher order cumulants", arXiv:2310.16420 (2023).

Submodules
----------
kostlan      exact d = 2, beta = 2 results: :func:`ginibre_radii`, :func:`exact_cumulants`
asymptotics  large-N cumulants (edge formulas) and the rate function
gas          MALA sampler of the gas for any d, beta (CPU and CUDA), :func:`linear_statistic`
"""

from theory_sims.coulomb.asymptotics import asymptotic_cumulants, edge_coefficient, rate_function
from theory_sims.coulomb.gas import CoulombGasSample, linear_statistic, sample_coulomb_gas
from theory_sims.coulomb.kostlan import exact_cumulants, ginibre_radii

__all__ = [
    "CoulombGasSample",
    "asymptotic_cumulants",
    "edge_coefficient",
    "exact_cumulants",
    "ginibre_radii",
    "linear_statistic",
    "rate_function",
    "sample_coulomb_gas",
]
