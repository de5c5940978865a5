"""linproj.transport: exact optimal transport on the line and the circle, and the sliced
Wasserstein family (sliced, max-sliced, generalized and augmented distances, their
pairwise matrix, random directions and sliced gradient flows)."""

from transport.augmented import AugmentedResult, augmented_sliced_wasserstein
from transport.circle import wasserstein_circle
from transport.directions import random_directions
from transport.flows import FlowResult, sliced_gradient_flow
from transport.generalized import generalized_sliced_wasserstein
from transport.max_sliced import MaxSlicedResult, max_sliced_wasserstein
from transport.one_d import wasserstein_1d
from transport.sliced import sliced_wasserstein, sliced_wasserstein_matrix

__all__ = [
    "AugmentedResult",
    "FlowResult",
    "MaxSlicedResult",
    "augmented_sliced_wasserstein",
    "generalized_sliced_wasserstein",
    "max_sliced_wasserstein",
    "random_directions",
    "sliced_gradient_flow",
    "sliced_wasserstein",
    "sliced_wasserstein_matrix",
    "wasserstein_1d",
    "wasserstein_circle",
]
