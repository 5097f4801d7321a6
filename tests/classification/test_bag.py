"""AttentionMILClassifier: a patient's spectra pooled by attention into one answer."""

import numpy as np
import pytest
import torch
from sklearn.base import clone

from skmrs import AttentionMILClassifier, ResNetClassifier
from skmrs.classification._bag import _network_params, _padded_bags
from skmrs.metrics import make_patient_level_scorers, patient_labels
from skmrs.models import AttentionMIL, GatedAttentionPool

# a network that learns the toy cohort in a few seconds on one CPU thread
TINY = dict(n_filters=4, n_blocks=2, kernel_size=5, dropout=0.0, max_epochs=10, lr=1e-2)


def _cohort(n_patients=40, n_spectra=6, n_points=32, seed=0):
    """Tumour patients hold two spectra with a raised peak; all are labelled tumour.

    As in the paper's hemisphere labels, every spectrum of a tumour patient
    is labelled tumour but only its first two carry the signal.
    """
    rng = np.random.default_rng(seed)
    groups = np.repeat(np.arange(n_patients), n_spectra)
    y = (np.arange(n_patients) % 2)[groups]
    X = rng.normal(size=(groups.size, n_points)).astype(np.float32)
    signal = (y == 1) & (np.arange(groups.size) % n_spectra < 2)
    X[signal, 10:13] += 4.0
    return X, y, groups, signal


def _clf(**params):
    params = dict(dict(max_epochs=10, lr=1e-2, random_state=0), **params)
    return AttentionMILClassifier(ResNetClassifier(**TINY), **params)


@pytest.fixture(scope="module")
def data():
    return _cohort()


@pytest.fixture(scope="module")
def fitted(data):
    X, y, groups, _ = data
    return _clf().fit(X, y, groups=groups)


def test_learns_a_trivially_separable_toy_set(fitted, data):
    X, y, groups, signal = data
    assert fitted.score(X, y, groups=groups) == 1.0
    X_new, y_new, groups_new, _ = _cohort(seed=1)  # new patients
    assert fitted.score(X_new, y_new, groups=groups_new) == 1.0
    # the spectra that carry the tumour get more than their share of attention
    weights = fitted.attention_weights(X, groups=groups)
    assert weights[signal].mean() > 2 * (1 / 6)


def test_one_row_per_spectrum_carrying_its_patient_answer(fitted, data):
    X, _, groups, _ = data
    proba = fitted.predict_proba(X, groups=groups)
    pred = fitted.predict(X, groups=groups)
    table = fitted.predict_patients(X, groups=groups)
    assert proba.shape == (len(X), 2)
    np.testing.assert_allclose(proba.sum(1), 1, rtol=1e-6)
    _, inverse = np.unique(groups, return_inverse=True)
    np.testing.assert_allclose(proba[:, 1], table.proba[inverse], rtol=1e-6)
    np.testing.assert_array_equal(pred, table.prediction[inverse])
    np.testing.assert_array_equal(table.n_spectra, np.full(40, 6))
    np.testing.assert_array_equal(fitted.patients_, np.arange(40))
    assert fitted.threshold_ == 0.5


def test_attention_sums_to_one_per_patient(fitted, data):
    X, _, groups, _ = data
    # patients of other sizes than in training, in shuffled order
    keep = np.random.default_rng(0).permutation(len(X))[:150]
    weights = fitted.attention_weights(X[keep], groups=groups[keep])
    assert np.all(weights >= 0)
    sums = np.bincount(groups[keep], weights=weights, minlength=40)
    present = np.isin(np.arange(40), groups[keep])
    np.testing.assert_allclose(sums[present], 1.0, rtol=1e-5)


def test_patient_order_does_not_change_the_answers(fitted, data):
    X, _, groups, _ = data
    order = np.random.default_rng(1).permutation(len(X))
    table = fitted.predict_patients(X, groups=groups)
    shuffled = fitted.predict_patients(X[order], groups=groups[order])
    np.testing.assert_allclose(shuffled.proba, table.proba, rtol=1e-5)
    w = fitted.attention_weights(X, groups=groups)
    np.testing.assert_allclose(
        fitted.attention_weights(X[order], groups=groups[order]), w[order], rtol=1e-5
    )


def test_a_patient_of_one_spectrum_is_a_bag_of_one(fitted, data):
    X, _, groups, _ = data
    one = groups == 3
    alone = fitted.predict_patients(X[one][:1], groups=groups[one][:1])
    assert alone.n_spectra.tolist() == [1]
    assert fitted.attention_weights(X[one][:1], groups=[3]).tolist() == [1.0]
    # and fitting on bags of one (no groups: every spectrum its own patient)
    y = np.repeat([0, 1], 10)
    Xs = np.random.default_rng(0).normal(size=(20, 32)).astype(np.float32)
    clf = _clf(max_epochs=2).fit(Xs, y)
    np.testing.assert_array_equal(clf.patients_, np.arange(20))
    np.testing.assert_array_equal(clf.attention_weights(Xs), np.ones(20))
    assert clf.predict_proba(Xs).shape == (20, 2)


def test_deterministic_with_random_state(data):
    X, y, groups, _ = data
    few = groups < 8
    X, y, groups = X[few], y[few], groups[few]
    a = _clf(max_epochs=3).fit(X, y, groups=groups)
    b = _clf(max_epochs=3).fit(X, y, groups=groups)
    c = _clf(max_epochs=3, random_state=1).fit(X, y, groups=groups)
    pa = a.predict_patients(X, groups=groups).proba
    np.testing.assert_array_equal(pa, b.predict_patients(X, groups=groups).proba)
    assert not np.allclose(pa, c.predict_patients(X, groups=groups).proba)


@pytest.mark.parametrize(
    "groups, match",
    [
        (np.where(np.arange(240) == 5, np.nan, np.arange(240) // 6), "missing"),
        (np.array([None] * 240, dtype=object), "missing"),
        (np.arange(10), "one patient id per spectrum"),
        (3, "one patient id per spectrum"),
    ],
)
def test_missing_or_bad_patient_ids_are_refused(data, groups, match):
    X, y, _, _ = data
    with pytest.raises(ValueError, match=match):
        _clf(max_epochs=1).fit(X, y, groups=groups)


def test_fitted_on_patients_refuses_to_predict_without_them(fitted, data):
    X, y, groups, _ = data
    with pytest.raises(ValueError, match="fitted on patients"):
        fitted.predict(X)
    with pytest.raises(ValueError, match="fitted on patients"):
        fitted.attention_weights(X)
    nan_groups = np.where(np.arange(240) == 0, np.nan, groups)
    with pytest.raises(ValueError, match="missing"):
        fitted.predict_proba(X, groups=nan_groups)


def test_one_class_and_all_tumour_patients_are_refused(data):
    X, y, groups, _ = data
    with pytest.raises(ValueError, match="both classes"):
        _clf(max_epochs=1).fit(X, np.ones_like(y), groups=groups)
    y_all = y.copy()
    y_all[::6] = 1
    with pytest.raises(ValueError, match="patients of both classes"):
        _clf(max_epochs=1).fit(X, y_all, groups=groups)


def test_network_settings_come_from_the_estimator():
    net = ResNetClassifier(n_filters=6, n_blocks=3, kernel_size=7, dropout=0.1)
    assert _network_params(net) == dict(
        n_filters=6, n_blocks=3, kernel_size=7, dropout=0.1
    )
    X, y, groups, _ = _cohort(n_patients=4, n_spectra=2)
    clf = AttentionMILClassifier(net, max_epochs=1, pretrain=False).fit(
        X, y, groups=groups
    )
    backbone = clf.net_.module_.backbone
    assert backbone.stem[0].out_channels == 6 and len(backbone.blocks) == 3
    assert backbone.stem[0].kernel_size == (7,)
    # the estimator itself is neither fitted nor changed
    assert not hasattr(net, "net_") and clone(net).get_params() == net.get_params()


def test_pretraining_starts_from_the_voxel_network():
    X, y, groups, _ = _cohort(n_patients=4, n_spectra=2)
    voxel = ResNetClassifier(**dict(TINY, max_epochs=1))
    clf = AttentionMILClassifier(voxel, max_epochs=1, lr=1e-12, random_state=0)
    clf.fit(X, y, groups=groups)
    seed_voxel = int(np.random.RandomState(0).randint(2**31 - 1, size=3)[1])
    reference = clone(voxel).set_params(random_state=seed_voxel).fit(X, y)
    # lr=1e-12: the bag epoch leaves the pretrained weights as they were
    w_bag = clf.net_.module_.backbone.stem[0].weight.detach()
    w_voxel = reference.net_.module_.stem[0].weight.detach()
    torch.testing.assert_close(w_bag, w_voxel, atol=1e-8, rtol=0)
    np.testing.assert_array_equal(
        clf.estimator_.predict_proba(X), reference.predict_proba(X)
    )
    unpretrained = clf.set_params(pretrain=False).fit(X, y, groups=groups)
    assert not hasattr(unpretrained, "estimator_")


def test_padded_bags_put_each_spectrum_in_its_slot():
    X = np.arange(10, dtype=np.float32).reshape(5, 2)
    inverse = np.array([1, 0, 1, 1, 0])
    bags, mask, position = _padded_bags(X, inverse, 2)
    assert bags.shape == (2, 3, 2)
    np.testing.assert_array_equal(mask, [[True, True, False], [True, True, True]])
    np.testing.assert_array_equal(position, [0, 0, 1, 2, 1])
    np.testing.assert_array_equal(bags[inverse, position], X)
    assert not bags[0, 2].any()


def test_pool_masks_padding_and_weighs_real_instances():
    torch.manual_seed(0)
    pool = GatedAttentionPool(3, attention_dim=4)
    h = torch.randn(2, 4, 3)
    mask = torch.tensor([[True, True, False, False], [True, True, True, True]])
    z, a = pool(h, mask)
    assert torch.all(a[0, 2:] == 0)
    torch.testing.assert_close(a.sum(1), torch.ones(2))
    torch.testing.assert_close(z[0], (a[0, :2, None] * h[0, :2]).sum(0))
    # changing a padded instance changes nothing
    h2 = h.clone()
    h2[0, 3] = 100.0
    torch.testing.assert_close(pool(h2, mask)[0], z)


def test_network_sees_only_real_spectra():
    net = AttentionMIL(n_times=16, network=dict(n_filters=2, n_blocks=1, kernel_size=3))
    net.eval()
    X = torch.randn(1, 3, 16)
    mask = torch.tensor([[True, True, False]])
    X2 = X.clone()
    X2[0, 2] = 1e6
    torch.testing.assert_close(net(X, mask), net(X2, mask))


def test_patient_level_scorers_use_its_own_answers(fitted, data):
    X, y, groups, _ = data
    scorers = make_patient_level_scorers()
    truth = patient_labels(y, groups)
    table = fitted.predict_patients(X, groups=groups)
    assert scorers["patient_accuracy"](fitted, X, y, groups=groups) == np.mean(
        (table.prediction == 1) == truth
    )
