"""Plain PyTorch networks (no scikit-learn inside)."""

from ._resnet1d import ResNet1D

__all__ = ["ResNet1D"]
