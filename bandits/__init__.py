"""linproj.bandits: linear bandit environments, policies and a batched simulator."""
