"""ResNet1D: Table 1 shapes, parameter count, CAMs, input shapes."""

import pytest
import torch

from skmrs.models import ResNet1D


def _stage_shapes(net, x):
    h = net.stem(x.unsqueeze(1))
    shapes = []
    for block in net.blocks:
        h = block(h)
        shapes.append((h.shape[2], h.shape[1]))
    return shapes


def test_default_is_table_1():
    net = ResNet1D()
    assert sum(p.numel() for p in net.parameters()) == 2_444_914
    n_convs = sum(isinstance(m, torch.nn.Conv1d) for m in net.modules())
    assert n_convs == 17
    assert _stage_shapes(net, torch.zeros(2, 288)) == [
        (144, 16),
        (144, 16),
        (72, 32),
        (72, 32),
        (36, 64),
        (36, 64),
        (18, 128),
        (18, 128),
    ]
    assert net.fc.out_features == 2
    assert (net.out_length, net.out_channels) == (18, 128)


@pytest.mark.parametrize("n_times", [1, 7, 33, 64])
@pytest.mark.parametrize("kernel_size", [1, 3, 4])
@pytest.mark.parametrize("n_blocks", [1, 3])
def test_same_padding_any_length_and_kernel(n_times, kernel_size, n_blocks):
    net = ResNet1D(
        n_outputs=3,
        n_times=n_times,
        n_filters=2,
        n_blocks=n_blocks,
        kernel_size=kernel_size,
        dropout=0.0,
    )
    x = torch.randn(4, n_times)
    assert net(x).shape == (4, 3)
    length = n_times
    for index, (got_length, _) in enumerate(_stage_shapes(net, x)):
        length = -(-length // 2) if index % 2 == 0 else length
        assert got_length == length
    assert net.class_activation_maps(x).shape == (4, 3, n_times)


def test_two_and_three_dim_input_agree():
    torch.manual_seed(0)
    net = ResNet1D(n_times=32, n_filters=2, n_blocks=2, kernel_size=3).eval()
    x = torch.randn(5, 32)
    torch.testing.assert_close(net(x), net(x.unsqueeze(1)))


@pytest.mark.parametrize("shape", [(5, 31), (5, 2, 32), (5,), (1, 5, 1, 32)])
def test_wrong_input_shape_raises(shape):
    net = ResNet1D(n_times=32, n_filters=2, n_blocks=2, kernel_size=3)
    with pytest.raises(ValueError, match="expected input of shape"):
        net(torch.zeros(shape))


def test_cam_mean_plus_bias_is_the_logit():
    torch.manual_seed(0)
    net = ResNet1D(n_outputs=3, n_times=40, n_filters=4, n_blocks=2, kernel_size=5)
    net.eval()
    x = torch.randn(6, 40)
    features = net.features(x)
    cams = torch.einsum("ck,nkt->nct", net.fc.weight, features)
    torch.testing.assert_close(cams.mean(-1) + net.fc.bias, net(x))
    upsampled = net.class_activation_maps(x)
    assert upsampled.shape == (6, 3, 40)
    # 40 points from 10 feature positions: linear upsampling keeps the mean
    # up to the two half-cells at the edges.
    torch.testing.assert_close(upsampled.mean(-1), cams.mean(-1), atol=0.2, rtol=0.2)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(n_blocks=0), "n_blocks"),
        (dict(kernel_size=2.5), "kernel_size"),
        (dict(n_times=0), "n_times"),
        (dict(dropout=1.0), "dropout"),
    ],
)
def test_bad_constructor_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ResNet1D(**kwargs)
