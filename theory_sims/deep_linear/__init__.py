"""Deep linear network dynamics: exact solutions, benign overfitting, linear CNNs.

* :mod:`.network`: batched weight stacks and their initialisations.
* :mod:`.training`: full-batch gradient descent and gradient flow (Dormand-Prince 5(4)).
* :mod:`.theory`: Saxe et al.'s mode dynamics and the min-norm interpolant's risk.
* :mod:`.benign`: Chatterji and Long's wide networks, simulated exactly in a reduced subspace.
* :mod:`.cnn`: two-layer linear CNNs with circular convolutions (Pinson et al.).
* :mod:`.symbolic`: SymPy verification of the two-layer solution.
"""

from theory_sims.deep_linear.benign import (
    BenignData,
    BenignResult,
    ReducedNetwork,
    chatterji_long_reduced,
    identity_hidden_reduction,
    reduced_end_to_end,
    sample_benign_data,
    train_benign,
)
from theory_sims.deep_linear.cnn import (
    CNNResult,
    circulant_layer,
    circulant_task,
    frequency_response,
    init_linear_cnn,
    train_linear_cnn,
)
from theory_sims.deep_linear.network import (
    decoupled_init,
    end_to_end,
    init_weights,
    stack_depths,
)
from theory_sims.deep_linear.theory import (
    ExcessRisk,
    deep_learning_time,
    deep_mode,
    excess_risk,
    learning_time,
    min_norm_excess_risk,
    min_norm_interpolant,
    two_layer_mode,
)
from theory_sims.deep_linear.training import (
    DivergenceError,
    TrainingResult,
    data_statistics,
    loss_and_gradients,
    train_flow,
    train_gd,
)

__all__ = [
    "BenignData",
    "BenignResult",
    "CNNResult",
    "DivergenceError",
    "ExcessRisk",
    "ReducedNetwork",
    "TrainingResult",
    "chatterji_long_reduced",
    "circulant_layer",
    "circulant_task",
    "data_statistics",
    "decoupled_init",
    "deep_learning_time",
    "deep_mode",
    "end_to_end",
    "excess_risk",
    "frequency_response",
    "identity_hidden_reduction",
    "init_linear_cnn",
    "init_weights",
    "learning_time",
    "loss_and_gradients",
    "min_norm_excess_risk",
    "min_norm_interpolant",
    "reduced_end_to_end",
    "sample_benign_data",
    "stack_depths",
    "train_benign",
    "train_flow",
    "train_gd",
    "train_linear_cnn",
    "two_layer_mode",
]
