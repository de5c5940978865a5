"""linproj.linalg: determinantal point processes, volume sampling and DPP-weighted
least squares."""
