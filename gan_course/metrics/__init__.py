"""Metrics: sample distances (energy distance, sliced Wasserstein) for 2D and image models."""

from .distances import energy_distance, sliced_wasserstein

__all__ = ["energy_distance", "sliced_wasserstein"]
