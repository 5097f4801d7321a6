"""fit_resnets: K networks as one computation, equal to K separate fits."""

import copy

import numpy as np
import pytest
import torch

from skmrs import ResNetClassifier
from skmrs.classification import fit_resnets

TINY = dict(n_filters=4, n_blocks=2, kernel_size=5, batch_size=16, device="cpu")
# Unequal training sets: partial last batches and networks that run out of
# batches before the others (4, 5 and 3 steps per epoch).
ROWS = [np.arange(0, 60), np.arange(10, 90), np.arange(5, 50)]
SEEDS = [0, 1, 2]
# Per-network settings that may differ inside one batched call.
OWN = [
    dict(max_epochs=3, lr=1e-3),
    dict(max_epochs=2, lr=3e-3),
    dict(max_epochs=3, lr=1e-3),
]


NET = ResNetClassifier(**TINY)


def _data(n=90, n_points=32):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, n_points)).astype(np.float32)
    y = np.asarray(["healthy", "tumour"])[np.arange(n) % 2]
    X[y == "tumour", n_points // 2] += 2.0
    return X, y


def _pair(dropout):
    """The same three networks fitted one by one and as one batch."""
    X, y = _data()
    make = [
        lambda k=k: ResNetClassifier(
            **TINY, **OWN[k], dropout=dropout, random_state=SEEDS[k]
        )
        for k in range(3)
    ]
    separate = [m().fit(X[rows], y[rows]) for m, rows in zip(make, ROWS)]
    batched = fit_resnets([m() for m in make], X, y, sample_indices=ROWS)
    return separate, batched, X


# Conv biases feed a batch norm, which removes any constant per channel: their
# gradient is zero up to rounding, and Adam turns that noise into steps of
# about lr, whichever engine trains. Everything else must agree closely.
def _is_conv_bias(name):
    return name.endswith(".bias") and ("conv" in name or name.startswith("stem.0"))


def _batch_statistics_logits(clf, X):
    """Logits with batch norm on the batch's statistics, blind to conv biases."""
    module = copy.deepcopy(clf.net_.module_).eval()
    for layer in module.modules():
        if isinstance(layer, torch.nn.BatchNorm1d):
            layer.train()
    with torch.no_grad():
        return module(torch.as_tensor(X)).numpy()


@pytest.mark.parametrize("dropout", [0.0, 0.5])
def test_batched_networks_equal_separate_fits(dropout):
    separate, batched, X = _pair(dropout)
    for one, many in zip(separate, batched):
        # Same batch order and dropout masks: the epoch losses agree to
        # rounding (a different permutation or mask moves them by ~1e-2).
        np.testing.assert_allclose(
            many.net_.history[:, "train_loss"],
            one.net_.history[:, "train_loss"],
            rtol=1e-5,
        )
        ours = dict(many.net_.module_.named_parameters())
        for name, theirs in one.net_.module_.named_parameters():
            if not _is_conv_bias(name):
                np.testing.assert_allclose(
                    ours[name].detach(), theirs.detach(), atol=1e-4, err_msg=name
                )
        np.testing.assert_allclose(
            _batch_statistics_logits(many, X),
            _batch_statistics_logits(one, X),
            atol=1e-5,
        )
        # In inference mode the running means meet the noisy conv biases: the
        # same size of difference as fitting ResNetClassifier with 1 and then
        # 2 torch threads (up to 2e-3 here).
        np.testing.assert_allclose(
            many.predict_proba(X), one.predict_proba(X), atol=1e-2
        )
        assert many.n_iter_ == one.n_iter_
        assert len(many.net_.history) == len(one.net_.history)
        assert list(many.classes_) == list(one.classes_)


def test_initial_weights_are_bitwise_those_of_fit():
    X, y = _data()
    one = ResNetClassifier(**TINY, max_epochs=1, lr=1e-12, random_state=7)
    many = ResNetClassifier(**TINY, max_epochs=1, lr=1e-12, random_state=7)
    one.fit(X, y)
    fit_resnets([many], X, y)
    # One Adam step moves a weight by about lr: these are the initial weights.
    for a, b in zip(one.net_.module_.parameters(), many.net_.module_.parameters()):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-10)


def test_result_does_not_depend_on_the_other_networks():
    X, y = _data()
    make = [
        ResNetClassifier(**TINY, dropout=0.5, max_epochs=2, random_state=s)
        for s in (3, 4, 5)
    ]
    alone = fit_resnets([make[1]], X, y, sample_indices=[ROWS[1]])[0]
    loss_alone = alone.net_.history[:, "train_loss"]
    group = fit_resnets(make, X, y, sample_indices=ROWS)
    np.testing.assert_allclose(
        group[1].net_.history[:, "train_loss"], loss_alone, rtol=1e-5
    )


def test_partial_fit_after_batched_fit_continues_like_after_fit():
    X, y = _data()
    params = dict(**TINY, dropout=0.5, max_epochs=1, random_state=0)
    one = ResNetClassifier(**params).fit(X, y).partial_fit(X, y)
    many = fit_resnets([ResNetClassifier(**params)], X, y)[0].partial_fit(X, y)
    np.testing.assert_allclose(
        many.net_.history[:, "train_loss"],
        one.net_.history[:, "train_loss"],
        rtol=1e-5,
    )
    assert many.n_iter_ == 2


def test_bf16_trains():
    X, y = _data()
    nets = [ResNetClassifier(**TINY, max_epochs=1, random_state=s) for s in (0, 1)]
    fit_resnets(nets, X, y, precision="bf16")
    proba = nets[0].predict_proba(X)
    assert np.isfinite(proba).all() and proba.shape == (len(X), 2)


@pytest.mark.parametrize(
    "estimators, kwargs, error, match",
    [
        ([], {}, ValueError, "empty"),
        (["not a net"], {}, TypeError, "ResNetClassifier"),
        ([NET, NET], {}, ValueError, "twice"),
        (
            [ResNetClassifier(**TINY), ResNetClassifier(**{**TINY, "n_filters": 8})],
            {},
            ValueError,
            "n_filters",
        ),
        ([ResNetClassifier(**TINY)], {"sample_indices": [[0], [1]]}, ValueError, "2"),
        (
            [ResNetClassifier(**TINY), ResNetClassifier(**TINY)],
            {"sample_indices": [np.arange(90), np.arange(1, 90, 3)]},
            ValueError,
            "number of classes",
        ),
    ],
)
def test_bad_input(estimators, kwargs, error, match):
    X, y = _data()
    y = y.copy()
    y[::3] = "other"  # a third class, absent from rows 1, 4, 7, ...
    with pytest.raises(error, match=match):
        fit_resnets(estimators, X, y, **kwargs)


def _losses(clf):
    return np.asarray(clf.net_.history[:, "train_loss"])


def test_a_changed_block_trains_the_same_in_both_engines(monkeypatch):
    """The batched engine runs the network's own code: change it in one place."""
    from skmrs.models import _resnet1d

    def gelu_block(self, x):  # the residual block, with GELU and a damped branch
        shortcut = self.shortcut(x)
        if self.extra_channels:
            shortcut = torch.nn.functional.pad(shortcut, (0, 0, 0, self.extra_channels))
        x = self.conv1(self.preact(x))
        x = self.conv2(self.dropout(torch.nn.functional.gelu(self.bn2(x))))
        return 0.5 * x + shortcut

    X, y = _data()
    params = dict(**TINY, dropout=0.5, max_epochs=2, random_state=0)
    relu = ResNetClassifier(**params).fit(X[ROWS[1]], y[ROWS[1]])
    monkeypatch.setattr(_resnet1d._ResidualBlock, "forward", gelu_block)
    one = ResNetClassifier(**params).fit(X[ROWS[1]], y[ROWS[1]])
    many = fit_resnets(
        [ResNetClassifier(**params), ResNetClassifier(**{**params, "random_state": 1})],
        X,
        y,
        sample_indices=ROWS[1:],
    )[0]
    assert np.abs(_losses(one) - _losses(relu)).max() > 1e-3  # the change counts
    np.testing.assert_allclose(_losses(many), _losses(one), rtol=1e-5)


def _noise_pipeline(seed):
    from imblearn.over_sampling import RandomOverSampler

    from skmrs.classification import make_distillmix_pipeline
    from skmrs.sampling import NoiseAugmenter

    return make_distillmix_pipeline(
        distiller="passthrough",
        oversampler=RandomOverSampler(random_state=seed),
        augmenter=NoiseAugmenter(factor=1, random_state=seed),
        classifier=ResNetClassifier(
            **TINY, dropout=0.5, max_epochs=2, random_state=seed
        ),
    )


def test_noise_pipelines_equal_separate_fits():
    X, y = _data()
    rows = [ROWS[0], np.r_[10:90:2, 11:40:2], ROWS[2]]  # unequal, imbalanced
    separate = [_noise_pipeline(s).fit(X[r], y[r]) for s, r in zip(SEEDS, rows)]
    batched = fit_resnets(
        [_noise_pipeline(s) for s in SEEDS], X, y, sample_indices=rows
    )
    for one, many in zip(separate, batched):
        np.testing.assert_allclose(_losses(many[-1]), _losses(one[-1]), rtol=1e-5)
        np.testing.assert_allclose(
            many.predict_proba(X), one.predict_proba(X), atol=1e-2
        )


def _distillmix(seed):
    from skmrs import DistillMixClassifier

    tiny = {k: v for k, v in TINY.items()}
    return DistillMixClassifier(
        **tiny, dropout=0.5, max_epochs=2, distill_epochs=2, threshold=0.51,
        augment_factor=1, random_state=seed,
    )  # fmt: skip


def test_distillmix_equals_separate_fits():
    """Distillation networks side by side, then final networks of unequal data."""
    X, y = _data()
    separate = [_distillmix(s).fit(X[r], y[r]) for s, r in zip(SEEDS, ROWS)]
    batched = fit_resnets([_distillmix(s) for s in SEEDS], X, y, sample_indices=ROWS)
    sizes = {one.n_train_samples_ for one in separate}
    assert len(sizes) > 1  # the final networks' training sets differ in size
    for one, many in zip(separate, batched):
        np.testing.assert_array_equal(many.distilled_indices_, one.distilled_indices_)
        np.testing.assert_allclose(
            many.distiller_.confidence_, one.distiller_.confidence_, atol=1e-2
        )
        assert many.n_train_samples_ == one.n_train_samples_
        final, theirs = many.pipeline_[-1], one.pipeline_[-1]
        np.testing.assert_allclose(_losses(final), _losses(theirs), rtol=1e-5)
        np.testing.assert_allclose(
            many.predict_proba(X), one.predict_proba(X), atol=1e-2
        )
        assert many.distiller_.estimator_.n_iter_ == 2
