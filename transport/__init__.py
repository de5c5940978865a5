"""linproj.transport: exact optimal transport on the line and the circle, and the sliced
Wasserstein family (sliced, max-sliced, generalized and augmented distances, their
pairwise matrix, random directions and sliced gradient flows), exact optimal partial
transport on the line and its sliced form, the linear embeddings LOT, LOPT and LCOT,
exact 1-D dual potentials and sliced distance matrices over many measures."""

from transport.augmented import AugmentedResult, augmented_sliced_wasserstein
from transport.circle import wasserstein_circle
from transport.directions import random_directions
from transport.dual import DualResult, wasserstein_1d_dual
from transport.flows import FlowResult, sliced_gradient_flow
from transport.generalized import generalized_sliced_wasserstein
from transport.lcot import (
    CircleReference,
    LCOTEmbedding,
    lcot_distance,
    lcot_distance_matrix,
    lcot_embedding,
)
from transport.lopt import (
    LOPTEmbedding,
    LOPTInterpolation,
    lopt_distance,
    lopt_embedding,
    lopt_interpolate,
)
from transport.lot import LOTEmbedding, lot_distance, lot_embedding
from transport.max_sliced import MaxSlicedResult, max_sliced_wasserstein
from transport.measures_matrix import sliced_wasserstein_cdist
from transport.one_d import wasserstein_1d
from transport.partial import PartialResult, partial_wasserstein_1d
from transport.sliced import sliced_wasserstein, sliced_wasserstein_matrix
from transport.sliced_estimate import SlicedEstimate, sliced_wasserstein_estimate
from transport.sliced_partial import sliced_partial_wasserstein
from transport.sliced_plans import (
    ExpectedSlicedPlan,
    MinPivotPlan,
    SlicedPlans,
    expected_sliced_plan,
    min_pivot_sliced_plan,
    sliced_plans,
)

__all__ = [
    "AugmentedResult",
    "CircleReference",
    "DualResult",
    "ExpectedSlicedPlan",
    "FlowResult",
    "LCOTEmbedding",
    "LOPTEmbedding",
    "LOPTInterpolation",
    "LOTEmbedding",
    "MaxSlicedResult",
    "MinPivotPlan",
    "PartialResult",
    "SlicedEstimate",
    "SlicedPlans",
    "augmented_sliced_wasserstein",
    "expected_sliced_plan",
    "generalized_sliced_wasserstein",
    "lcot_distance",
    "lcot_distance_matrix",
    "lcot_embedding",
    "lopt_distance",
    "lopt_embedding",
    "lopt_interpolate",
    "lot_distance",
    "lot_embedding",
    "max_sliced_wasserstein",
    "min_pivot_sliced_plan",
    "partial_wasserstein_1d",
    "random_directions",
    "sliced_gradient_flow",
    "sliced_partial_wasserstein",
    "sliced_plans",
    "sliced_wasserstein",
    "sliced_wasserstein_cdist",
    "sliced_wasserstein_estimate",
    "sliced_wasserstein_matrix",
    "wasserstein_1d",
    "wasserstein_1d_dual",
    "wasserstein_circle",
]
