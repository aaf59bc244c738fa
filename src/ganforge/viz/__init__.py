"""Pictures: sample grids (more in later issues: Figure 1, curves, reports)."""
