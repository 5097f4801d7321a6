"""Plain PyTorch networks (no scikit-learn inside)."""

from ._attention_mil import AttentionMIL, GatedAttentionPool
from ._resnet1d import ResNet1D

__all__ = ["AttentionMIL", "GatedAttentionPool", "ResNet1D"]
