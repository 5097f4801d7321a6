"""Gated attention-based deep multiple-instance learning over a spectrum network."""

from __future__ import annotations

import torch
from torch import nn

from ._resnet1d import ResNet1D

__all__ = ["AttentionMIL", "GatedAttentionPool"]


class GatedAttentionPool(nn.Module):
    """Gated attention pooling of a bag of instance embeddings (Ilse et al., 2018).

    The weight of instance ``k`` of a bag is
    ``a_k = softmax_k(w^T (tanh(V h_k) * sigmoid(U h_k)))`` over the bag's real
    instances (padding masked out), and the bag embedding is
    ``z = sum_k a_k h_k``.

    Parameters
    ----------
    in_features : int
        Size of each instance embedding ``h_k``.
    attention_dim : int, default=64
        Rows of ``V`` and ``U``.
    gated : bool, default=True
        False drops the sigmoid gate (Ilse et al.'s plain attention).

    Examples
    --------
    >>> import torch
    >>> pool = GatedAttentionPool(8, attention_dim=4)
    >>> mask = torch.tensor([[True, True, False]])
    >>> z, a = pool(torch.randn(1, 3, 8), mask)
    >>> z.shape, a.shape, float(a[0, 2]), round(float(a.sum()), 6)
    (torch.Size([1, 8]), torch.Size([1, 3]), 0.0, 1.0)
    """

    def __init__(
        self, in_features: int, attention_dim: int = 64, gated: bool = True
    ) -> None:
        super().__init__()
        self.tanh_branch = nn.Sequential(
            nn.Linear(in_features, attention_dim), nn.Tanh()
        )
        self.gate = (
            nn.Sequential(nn.Linear(in_features, attention_dim), nn.Sigmoid())
            if gated
            else None
        )
        self.score = nn.Linear(attention_dim, 1)

    def forward(
        self, h: torch.Tensor, mask: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Bag embeddings (n_bags, in_features) and weights (n_bags, bag_size).

        ``h`` is (n_bags, bag_size, in_features), ``mask`` (n_bags, bag_size),
        True where an instance is real; every bag needs one real instance.
        """
        gated = self.tanh_branch(h)
        if self.gate is not None:
            gated = gated * self.gate(h)
        logits = self.score(gated).squeeze(-1)
        logits = logits.masked_fill(~mask, float("-inf"))
        weights = torch.softmax(logits, dim=1)
        return torch.einsum("bk,bkd->bd", weights, h), weights


class AttentionMIL(nn.Module):
    """A patient's spectra pooled by gated attention into one patient prediction.

    Each spectrum goes through a :class:`ResNet1D` up to its global average
    pooling (its dense layer is not used), which gives one embedding per
    spectrum; :class:`GatedAttentionPool` weighs the embeddings of a bag
    (a patient), and a dense layer turns the weighted mean into the bag's
    logits. Bags arrive padded to one size with a mask; only the real spectra
    go through the network, so batch normalisation never sees padding.

    Parameters
    ----------
    n_outputs : int, default=2
        Logits per bag.
    n_times : int, default=288
        Points of each spectrum.
    network : dict, default=None
        Keyword arguments of :class:`ResNet1D` other than ``n_outputs`` and
        ``n_times`` (``n_filters``, ``n_blocks``, ``kernel_size``,
        ``dropout``); None is the Table-1 network.
    attention_dim : int, default=64
        Hidden size of the attention.
    gated : bool, default=True
        Gated attention (Ilse et al.'s better variant) or plain.

    See Also
    --------
    skmrs.AttentionMILClassifier : scikit-learn classifier that trains it on patients.

    References
    ----------
    M. Ilse, J. M. Tomczak, M. Welling, "Attention-based Deep Multiple Instance
    Learning", ICML 2018, arXiv:1802.04712.

    Examples
    --------
    >>> import torch
    >>> net = AttentionMIL(n_times=64, network=dict(n_filters=4, n_blocks=2,
    ...                                              kernel_size=5))
    >>> X = torch.zeros(2, 3, 64)  # two bags padded to three spectra
    >>> mask = torch.tensor([[True, True, True], [True, False, False]])
    >>> net.eval()(X, mask).shape
    torch.Size([2, 2])
    >>> net.attention(X, mask)[1].tolist()
    [1.0, 0.0, 0.0]
    """

    def __init__(
        self,
        n_outputs: int = 2,
        n_times: int = 288,
        network: dict | None = None,
        attention_dim: int = 64,
        gated: bool = True,
    ) -> None:
        super().__init__()
        self.backbone = ResNet1D(n_outputs=1, n_times=n_times, **(network or {}))
        # the bag's head replaces the per-spectrum dense layer
        self.backbone.fc = nn.Identity()
        width = self.backbone.out_channels
        self.pool = GatedAttentionPool(width, attention_dim, gated)
        self.fc = nn.Linear(width, n_outputs)

    def _pooled(self, X: torch.Tensor, mask: torch.Tensor):
        mask = mask.bool()
        h = X.new_zeros(*mask.shape, self.backbone.out_channels)
        h[mask] = self.backbone(X[mask])
        return self.pool(h, mask)

    def forward(self, X: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Logits (n_bags, n_outputs) of bags X (n_bags, bag_size, n_times)."""
        z, _ = self._pooled(X, mask)
        return self.fc(z)

    def attention(self, X: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Attention weights (n_bags, bag_size): each bag's sum to one, padding 0."""
        return self._pooled(X, mask)[1]
