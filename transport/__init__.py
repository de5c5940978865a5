"""linproj.transport: 1-D and circle optimal transport, the sliced Wasserstein family
and linear OT embeddings."""
