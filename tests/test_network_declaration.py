"""The network's settings are declared once, by ResNetClassifier (issue 22).

Every public estimator, preset and ``skmrs train`` flag is built from that
declaration, so adding a network setting is a change to ``ResNet1D`` and
``ResNetClassifier`` alone.
"""

import inspect
import warnings

import numpy as np
import pytest
import torch

from skmrs import AttentionMILClassifier, DistillMixClassifier, ResNetClassifier
from skmrs._cli_model import _network_flags
from skmrs.benchmark import PRESETS, OracleClassifier, default_models
from skmrs.classification import NoiseAwareClassifier
from skmrs.classification._noisy import _PUResNetClassifier
from skmrs.cli import build_parser
from skmrs.models import ResNet1D
from skmrs.sampling import ConfidenceDistiller

DECLARED = ResNetClassifier().get_params()
# settings that differ from every default, so a dropped one shows
CHOSEN = dict(
    n_filters=3, n_blocks=2, kernel_size=5, dropout=0.25, max_epochs=1,
    batch_size=17, lr=2e-3, device="cpu", verbose=0,
)  # fmt: skip


def _data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 16)).astype(np.float32)
    y = np.arange(40) % 2
    X[y == 1, 8] += 3.0
    return X, y


def _settings(network):
    params = network.get_params()
    return {name: params[name] for name in CHOSEN}


def _module_settings() -> dict:
    """ResNet1D's settings, its input and output shapes aside, with their defaults."""
    parameters = inspect.signature(ResNet1D).parameters
    return {
        name: p.default
        for name, p in parameters.items()
        if name not in ("n_outputs", "n_times")
    }


def _layers(module) -> tuple:
    """The shapes of a module's weights and its dropout rates."""
    shapes = {k: tuple(v.shape) for k, v in module.state_dict().items()}
    rates = [m.p for m in module.modules() if isinstance(m, torch.nn.Dropout)]
    return shapes, rates


def test_the_module_settings_are_declared_with_their_defaults():
    settings = _module_settings()
    assert {name: DECLARED[name] for name in settings} == settings


def test_the_chosen_settings_are_every_setting():
    assert set(CHOSEN) == set(DECLARED) - {"random_state"}
    assert all(CHOSEN[k] != DECLARED[k] for k in CHOSEN if k != "verbose")


def test_the_train_flags_are_the_declared_settings():
    flags = _network_flags()
    assert flags == {
        name: type(value)
        for name, value in DECLARED.items()
        if name not in ("random_state", "verbose")
    }
    train = build_parser()._subparsers._group_actions[0].choices["train"]
    options = {o for action in train._actions for o in action.option_strings}
    assert {f"--{name.replace('_', '-')}" for name in flags} <= options


def test_the_pu_network_takes_every_declared_setting():
    signature = inspect.signature(_PUResNetClassifier)
    for name, value in DECLARED.items():
        assert signature.parameters[name].default == value, name
    pu = _PUResNetClassifier(prior=0.3, **CHOSEN)
    assert _settings(pu) == CHOSEN and pu.prior == 0.3


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_presets_are_declared_settings_and_reach_every_network(preset):
    network = PRESETS[preset].network
    assert set(network) <= set(DECLARED)
    for name, model in default_models(preset).items():
        params = model.get_params(deep=True)
        for setting, value in network.items():
            keys = [k for k in params if k.split("__")[-1] == setting]
            assert name in ("SVM", "RF") or keys, (name, setting)
            assert all(params[k] == value for k in keys), (name, setting)


@pytest.mark.filterwarnings("ignore::skmrs.sampling.DistillationWarning")
def test_every_network_of_every_estimator_has_the_declared_settings():
    X, y = _data()
    net = ResNetClassifier(**CHOSEN)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        distillmix = DistillMixClassifier(
            net, distill_epochs=1, augment_factor=1, threshold=0.6, random_state=0
        ).fit(X, y)
        distiller = ConfidenceDistiller(net, epochs=1, threshold=0.6, random_state=0)
        distiller.fit_resample(X, y)
        nnpu = NoiseAwareClassifier(
            net, n_estimators=1, loss="nnpu", class_prior=0.2, random_state=0
        ).fit(X, y)
        oracle = OracleClassifier(net).fit(X, y)
    fitted = [
        distillmix.distiller_.estimator_,
        distillmix.pipeline_[-1],
        distiller.estimator_,
        *nnpu.estimators_,
        oracle.estimator_,
    ]
    assert isinstance(nnpu.estimators_[0], _PUResNetClassifier)
    settings = {name: CHOSEN[name] for name in _module_settings()}
    expected = ResNet1D(n_outputs=2, n_times=X.shape[1], **settings)
    for network in fitted:
        assert _settings(network) == CHOSEN
        assert network.net_.batch_size == CHOSEN["batch_size"]
        assert _layers(network.net_.module_) == _layers(expected)


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_the_bag_network_is_built_from_the_declared_settings():
    X, _ = _data()
    groups = np.arange(40) // 2
    y = groups % 2  # one label a patient
    bag = AttentionMILClassifier(
        ResNetClassifier(**CHOSEN), max_epochs=1, random_state=0
    ).fit(X, y, groups=groups)
    settings = {name: CHOSEN[name] for name in _module_settings()}
    expected = ResNet1D(n_outputs=1, n_times=X.shape[1], **settings)
    expected.fc = torch.nn.Identity()  # the bag's head replaces it
    assert _layers(bag.net_.module_.backbone) == _layers(expected)
