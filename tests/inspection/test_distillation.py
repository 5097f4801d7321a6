from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from skmrs.inspection import distilled_indices, opposite_class_distance


def test_distance_matches_a_direct_computation():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 4))
    y = rng.integers(0, 3, 30)
    d = opposite_class_distance(X, y)
    for i in range(30):
        centre = X[y != y[i]].mean(0)
        assert d[i] == pytest.approx(np.linalg.norm(X[i] - centre))


@settings(max_examples=25, deadline=None)
@given(
    arrays(np.float64, (12, 3), elements=st.floats(-10, 10)),
    st.permutations(list(range(12))),
)
def test_distance_is_equivariant_under_reordering(X, order):
    y = np.arange(12) % 2
    order = np.asarray(order)
    # Reordering changes the summation order of the class centres, so the
    # distances agree to rounding: relative 1e-7, or 1e-9 absolute where a
    # distance is ~0 (a point on its centre: 0.0 against 6.7e-16 was seen).
    np.testing.assert_allclose(
        opposite_class_distance(X, y)[order],
        opposite_class_distance(X[order], y[order]),
        atol=1e-9,
    )


def test_distance_needs_two_classes_and_equal_lengths():
    with pytest.raises(ValueError, match="at least 2 classes"):
        opposite_class_distance(np.zeros((3, 2)), [1, 1, 1])
    with pytest.raises(ValueError):
        opposite_class_distance(np.zeros((3, 2)), [0, 1])


def test_distilled_indices_from_each_kind_of_estimator():
    assert distilled_indices(SimpleNamespace(sample_indices_=[3, 1])).tolist() == [1, 3]
    assert distilled_indices(SimpleNamespace(distilled_indices_=[2])).tolist() == [2]
    pipe = SimpleNamespace(
        named_steps={"distill": SimpleNamespace(sample_indices_=[0])}
    )
    assert distilled_indices(pipe).tolist() == [0]
    with pytest.raises(TypeError, match="no distilled_indices_"):
        distilled_indices(object())
