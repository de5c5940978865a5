"""linproj.linalg: determinantal point processes, volume sampling and DPP-weighted
least squares."""

from linalg.continuous_dpp import sample_projection_dpp_polynomial
from linalg.finite_dpp import dpp_log_probability, sample_dpp
from linalg.ginibre import ginibre_variance_limit, sample_ginibre
from linalg.kdpp import log_elementary_symmetric, sample_kdpp
from linalg.least_squares import (
    LeastSquaresResult,
    WeightedSample,
    christoffel_sampling,
    projection_dpp_sampling,
    repeated_dpp_sampling,
    volume_rescaled_point_sampling,
    weighted_least_squares,
)
from linalg.map_inference import greedy_map
from linalg.polynomials import PolynomialBasis, multi_indices
from linalg.projection import sample_projection_dpp
from linalg.volume import volume_rescaled_sampling, volume_sampling

__all__ = [
    "LeastSquaresResult",
    "PolynomialBasis",
    "WeightedSample",
    "christoffel_sampling",
    "dpp_log_probability",
    "ginibre_variance_limit",
    "greedy_map",
    "log_elementary_symmetric",
    "multi_indices",
    "projection_dpp_sampling",
    "repeated_dpp_sampling",
    "sample_dpp",
    "sample_ginibre",
    "sample_kdpp",
    "sample_projection_dpp",
    "sample_projection_dpp_polynomial",
    "volume_rescaled_point_sampling",
    "volume_rescaled_sampling",
    "volume_sampling",
    "weighted_least_squares",
]
