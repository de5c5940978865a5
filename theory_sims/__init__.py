"""linproj.theory_sims: in-context linear regression, deep linear network dynamics
and linear statistics of Coulomb gases (``theory_sims.coulomb``)."""
