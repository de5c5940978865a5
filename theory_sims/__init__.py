"""linproj.theory_sims: in-context linear regression and deep linear network dynamics."""
