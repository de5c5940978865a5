"""linproj.transport: 1-D and circle optimal transport, the sliced Wasserstein family
and linear OT embeddings."""

from transport.circle import wasserstein_circle
from transport.directions import random_directions
from transport.one_d import wasserstein_1d
from transport.sliced import sliced_wasserstein, sliced_wasserstein_matrix

__all__ = [
    "random_directions",
    "sliced_wasserstein",
    "sliced_wasserstein_matrix",
    "wasserstein_1d",
    "wasserstein_circle",
]
