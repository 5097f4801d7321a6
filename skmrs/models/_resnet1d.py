"""The 1-D pre-activation residual network of Lu et al. (Table 1)."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from .._docs import cite_paper

__all__ = ["ResNet1D"]


def _same_padding(length: int, kernel_size: int, stride: int) -> tuple[int, int]:
    """Left and right zero padding that gives ``ceil(length / stride)`` outputs.

    This is TensorFlow's ``"same"`` rule, which the Keras network of Hannun et
    al. used: an even kernel pads one more zero on the right than on the left.
    """
    out = math.ceil(length / stride)
    total = max((out - 1) * stride + kernel_size - length, 0)
    return total // 2, total - total // 2


class _SameConv1d(nn.Conv1d):
    """A ``Conv1d`` whose output length is ``ceil(length / stride)``.

    Symmetric padding is left to the convolution itself (no copy); an
    asymmetric remainder (even kernels) is padded explicitly first.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        stride: int,
        length: int,
    ) -> None:
        left, right = _same_padding(length, kernel_size, stride)
        super().__init__(
            in_channels, out_channels, kernel_size, stride=stride, padding=left
        )
        self.extra_right = right - left

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.extra_right:
            x = F.pad(x, (0, self.extra_right))
        return super().forward(x)


class _ResidualBlock(nn.Module):
    """Pre-activation residual block: [BN-ReLU]-conv-BN-ReLU-dropout-conv + shortcut.

    The shortcut max-pools where the block subsamples and pads the channel
    axis with zeros where the block widens (Hannun et al.), so shortcuts add
    no parameters.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        stride: int,
        dropout: float,
        length: int,
        preactivate: bool,
    ) -> None:
        super().__init__()
        self.preact = (
            nn.Sequential(nn.BatchNorm1d(in_channels), nn.ReLU())
            if preactivate
            else nn.Identity()
        )
        self.conv1 = _SameConv1d(in_channels, out_channels, kernel_size, stride, length)
        self.bn2 = nn.BatchNorm1d(out_channels)
        self.relu2 = nn.ReLU()
        self.dropout = nn.Dropout(dropout)
        self.conv2 = _SameConv1d(
            out_channels, out_channels, kernel_size, 1, math.ceil(length / stride)
        )
        self.shortcut = (
            nn.MaxPool1d(stride, ceil_mode=True) if stride > 1 else nn.Identity()
        )
        self.extra_channels = out_channels - in_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shortcut = self.shortcut(x)
        if self.extra_channels:
            shortcut = F.pad(shortcut, (0, 0, 0, self.extra_channels))
        x = self.conv1(self.preact(x))
        x = self.conv2(self.dropout(self.relu2(self.bn2(x))))
        return x + shortcut


@cite_paper
class ResNet1D(nn.Module):
    """1-D pre-activation residual network for spectra, with class activation maps.

    By default this is the network of Table 1 in Lu et al.: a stem
    convolution (kernel 32, 16 filters), 8 residual blocks of two
    kernel-32 convolutions each (17 convolutions in all), global average
    pooling and a dense layer of ``n_outputs`` logits. Block ``i`` (1-based)
    subsamples by 2 when ``i`` is odd and doubles the number of filters when
    ``i`` is odd and ``i >= 3``, so the 288-point input leaves the blocks as
    144/16, 144/16, 72/32, 72/32, 36/64, 36/64, 18/128, 18/128
    (length/filters). About 2.44 million parameters and 63 million
    multiply-adds per spectrum forward.

    Parameters
    ----------
    n_outputs : int, default=2
        Number of output logits (classes).
    n_times : int, default=288
        Number of points of each input spectrum.
    n_filters : int, default=16
        Filters of the stem and of the first two blocks.
    n_blocks : int, default=8
        Number of residual blocks.
    kernel_size : int, default=32
        Width of every convolution kernel.
    dropout : float, default=0.55
        Dropout rate inside every block.

    Attributes
    ----------
    out_length : int
        Length of the last feature maps (18 by default).
    out_channels : int
        Number of the last feature maps (128 by default).

    See Also
    --------
    skmrs.ResNetClassifier : scikit-learn classifier that trains this network.

    Notes
    -----
    The blocks follow the ECG network of Hannun et al. (2019), which the
    paper names as its model: stem conv, BN, ReLU; then per block a
    pre-activation (BN, ReLU; skipped in block 1, which follows the stem's),
    conv (stride 2 where the block subsamples), BN, ReLU, dropout, conv, plus
    a shortcut; then a final BN and ReLU before global average pooling.
    The shortcut is the identity, a max-pool of width 2 where the block
    subsamples, and zero-padding of the channel axis where the block widens
    (no 1x1 convolution, so no parameters). Convolutions use TensorFlow's
    ``"same"`` padding (an even kernel puts one more zero on the right), so
    every stage has length ``ceil(length / stride)``.

    Because the network ends in global average pooling and one dense layer,
    the logit of class ``c`` is exactly ``b_c + mean_t CAM_c(t)`` with
    ``CAM_c(t) = sum_k w_ck A_k(t)`` over the last feature maps ``A``
    (Zhou et al., 2016); :meth:`class_activation_maps` returns these maps
    linearly upsampled to ``n_times`` points.

    References
    ----------
    .. [1] <paper>, Table 1.
    .. [2] A. Y. Hannun, P. Rajpurkar et al., "Cardiologist-level arrhythmia
       detection and classification in ambulatory electrocardiograms using a
       deep neural network", Nature Medicine 25, 65-69 (2019).

    Examples
    --------
    >>> import torch
    >>> from skmrs.models import ResNet1D
    >>> net = ResNet1D()
    >>> sum(p.numel() for p in net.parameters())
    2444914
    >>> net.eval()(torch.zeros(3, 288)).shape
    torch.Size([3, 2])
    >>> net.class_activation_maps(torch.zeros(3, 288)).shape
    torch.Size([3, 2, 288])
    """

    def __init__(
        self,
        n_outputs: int = 2,
        n_times: int = 288,
        n_filters: int = 16,
        n_blocks: int = 8,
        kernel_size: int = 32,
        dropout: float = 0.55,
    ) -> None:
        super().__init__()
        for name, value, low in [
            ("n_outputs", n_outputs, 1),
            ("n_times", n_times, 1),
            ("n_filters", n_filters, 1),
            ("n_blocks", n_blocks, 1),
            ("kernel_size", kernel_size, 1),
        ]:
            if int(value) != value or value < low:
                raise ValueError(f"{name} must be an integer >= {low}; got {value!r}.")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1); got {dropout!r}.")
        self.n_outputs = int(n_outputs)
        self.n_times = int(n_times)

        self.stem = nn.Sequential(
            _SameConv1d(1, n_filters, kernel_size, 1, n_times),
            nn.BatchNorm1d(n_filters),
            nn.ReLU(),
        )
        blocks = []
        length, channels = self.n_times, n_filters
        for index in range(n_blocks):
            stride = 2 if index % 2 == 0 else 1
            out_channels = n_filters * 2 ** (index // 2)
            blocks.append(
                _ResidualBlock(
                    channels,
                    out_channels,
                    kernel_size,
                    stride,
                    dropout,
                    length,
                    preactivate=index > 0,
                )
            )
            length, channels = math.ceil(length / stride), out_channels
        self.blocks = nn.Sequential(*blocks)
        self.head = nn.Sequential(nn.BatchNorm1d(channels), nn.ReLU())
        self.fc = nn.Linear(channels, self.n_outputs)
        self.out_length = length
        self.out_channels = channels

    def _as_batch(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() == 2:
            x = x.unsqueeze(1)
        if x.dim() != 3 or x.shape[1] != 1 or x.shape[2] != self.n_times:
            raise ValueError(
                f"expected input of shape (n, {self.n_times}) or "
                f"(n, 1, {self.n_times}); got {tuple(x.shape)}."
            )
        return x

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Last feature maps ``A``, of shape (n, out_channels, out_length)."""
        return self.head(self.blocks(self.stem(self._as_batch(x))))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits of shape (n, n_outputs) for input (n, n_times) or (n, 1, n_times)."""
        return self.fc(self.features(x).mean(dim=-1))

    def class_activation_maps(self, x: torch.Tensor) -> torch.Tensor:
        """Class activation maps upsampled to the input length.

        Parameters
        ----------
        x : torch.Tensor of shape (n, n_times) or (n, 1, n_times)
            Spectra.

        Returns
        -------
        cams : torch.Tensor of shape (n, n_outputs, n_times)
            ``CAM_c(t) = sum_k w_ck A_k(t)``, linearly interpolated from the
            ``out_length`` points of the last feature maps. Computed in the
            module's current mode (call ``eval()`` first for inference).
        """
        cams = torch.einsum("ck,nkt->nct", self.fc.weight, self.features(x))
        return F.interpolate(
            cams, size=self.n_times, mode="linear", align_corners=False
        )
