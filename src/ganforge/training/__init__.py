"""Training: the loop, checkpoints, optimisers, reporting."""
