"""Model files: round trips, GPU-to-CPU, and refusing files that would run code."""

import io
import json
import pickle
import warnings
import zipfile

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone, is_classifier
from sklearn.linear_model import LogisticRegression

from skmrs import ResNetClassifier
from skmrs.benchmark import default_models
from skmrs.io import load_model, read_model_info, save_model
from skmrs.io._model import MODEL_FORMAT_VERSION
from skmrs.io._model_checks import DAMAGED
from skmrs.preprocessing import SpectrumPreprocessor
from skmrs.utils import all_estimators, set_random_states

TINY = dict(n_filters=4, n_blocks=2, kernel_size=3, max_epochs=1, batch_size=16)


def _data(n=40, n_points=32):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, n_points)).astype(np.float32)
    y = np.arange(n) % 2
    X[y == 1, n_points // 2] += 3.0
    return X, y


def _tiny(model):
    """Tiny networks and forests, every seed fixed."""
    params = model.get_params()
    small = {**TINY, "distill_epochs": 1, "threshold": 0.6, "n_estimators": 4}
    model.set_params(
        **{k: small[k.split("__")[-1]] for k in params if k.split("__")[-1] in small}
    )
    return set_random_states(model, 0)


def _fit(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the distiller's fallback warning
        if hasattr(model, "fit_resample"):
            model.fit_resample(X, y)
        else:
            model.fit(X, y)
    return model


def _members(path):
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _rewrite(path, member, data):
    members = _members(path)
    members[member] = data
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)


@pytest.mark.parametrize("name", ["SVM", "RF", "ResNet", "Noise", "DistillMix-both"])
def test_benchmark_rows_round_trip(name, tmp_path):
    X, y = _data()
    model = _fit(_tiny(default_models("quick")[name]), X, y)
    path = save_model(model, tmp_path / "m.skmrs", y=y, groups=np.arange(40) // 2)
    loaded = load_model(path)
    assert type(loaded) is type(model)
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    np.testing.assert_array_equal(loaded.classes_, model.classes_)
    if hasattr(model, "class_activation_maps") or name == "Noise":
        final = model if name != "Noise" else model[-1]
        again = loaded if name != "Noise" else loaded[-1]
        np.testing.assert_array_equal(
            again.class_activation_maps(X), final.class_activation_maps(X)
        )
    info = read_model_info(path)
    assert info["format_version"] == MODEL_FORMAT_VERSION
    assert info["classes"] == [0, 1] and info["n_features"] == 32
    assert info["training_data"] == {
        "n_spectra": 40,
        "n_per_class": {"0": 20, "1": 20},
        "n_patients": 20,
    }
    assert {"skmrs", "torch", "numpy", "scikit-learn"} <= info["versions"].keys()
    assert info["created"].startswith("20")


def test_distillmix_keeps_its_fitted_pipeline(tmp_path):
    X, y = _data()
    model = _fit(_tiny(default_models("quick")["DistillMix-same"]), X, y)
    loaded = load_model(save_model(model, tmp_path / "m.skmrs"))
    np.testing.assert_array_equal(loaded.distilled_indices_, model.distilled_indices_)
    assert loaded.n_train_samples_ == model.n_train_samples_
    # one object under two names is written once and read back as one
    distiller = loaded.pipeline_.named_steps["distill"]
    assert distiller is loaded.distiller_
    assert loaded.distilled_indices_ is distiller.sample_indices_
    assert loaded.pipeline_[-1] is loaded.pipeline_.steps[-1][1]
    np.testing.assert_array_equal(
        distiller.estimator_.predict_proba(X),
        model.distiller_.estimator_.predict_proba(X),
    )


@pytest.mark.parametrize("name, cls", all_estimators(), ids=lambda v: str(v)[:30])
def test_every_public_estimator_is_a_fixed_point(name, cls, tmp_path):
    """save(load(save(m))) writes the same tree and arrays; outputs agree."""
    X, y = _data()
    params = {k: v for k, v in TINY.items() if k in cls().get_params()}
    if name == "ConfidenceDistiller":
        params["estimator"] = ResNetClassifier(**TINY)
    model = set_random_states(cls(**params), 0)
    if name == "SpectrumPreprocessor":
        X = np.exp(-np.arange(256) / 50.0)[None, :] * np.ones((3, 1))
        y = None
    _fit(model, X, y)
    first = save_model(model, tmp_path / "a.skmrs")
    loaded = load_model(first)
    second = save_model(loaded, tmp_path / "b.skmrs")
    a, b = _members(first), _members(second)
    a.pop("manifest.json"), b.pop("manifest.json")
    assert a == b
    if is_classifier(model):
        np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    elif hasattr(model, "transform"):
        np.testing.assert_array_equal(loaded.transform(X), model.transform(X))


def test_unfitted_and_string_labels_from_pandas(tmp_path):
    X, y = _data()
    frame = pd.DataFrame({"label": np.where(y == 1, "tumour", "healthy")})
    labels = frame["label"].to_numpy()  # an object array, as read from a CSV
    clf = ResNetClassifier(**TINY, random_state=0).fit(X, labels)
    loaded = load_model(save_model(clf, tmp_path / "m.skmrs", y=labels))
    assert loaded.classes_.tolist() == ["healthy", "tumour"]
    assert loaded.predict(X).tolist() == clf.predict(X).tolist()
    info = read_model_info(tmp_path / "m.skmrs")
    assert info["training_data"]["n_per_class"] == {"healthy": 20, "tumour": 20}
    unfitted = load_model(save_model(clone(clf), tmp_path / "u.skmrs"))
    assert unfitted.get_params() == clone(clf).get_params()
    assert not hasattr(unfitted, "net_")


def test_training_continues_as_if_never_saved(tmp_path):
    X, y = _data()
    clf = ResNetClassifier(**TINY, random_state=0).partial_fit(X, y)
    loaded = load_model(save_model(clf, tmp_path / "m.skmrs"))
    clf.partial_fit(X, y)
    loaded.partial_fit(X, y)
    assert loaded.n_iter_ == clf.n_iter_ == 2
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))


def test_manifest_records_grid_and_preprocessing(tmp_path):
    X, y = _data()
    clf = ResNetClassifier(**TINY, random_state=0).fit(X, y)
    ppm = np.linspace(4.0, 0.5, 32)
    pre = SpectrumPreprocessor(line_broadening=1.0, spectral_width=4000.0)
    path = save_model(
        clf, tmp_path / "m.skmrs", ppm=ppm, preprocessing=pre, source="unit test"
    )
    info = read_model_info(path)
    np.testing.assert_allclose(info["ppm"], ppm)
    assert info["preprocessing"]["line_broadening"] == 1.0
    assert "spectral_width" not in info["preprocessing"]  # each file has its own
    assert info["metadata"] == {"source": "unit test"}
    assert info["trained_on"] == "cpu"
    with pytest.raises(ValueError, match="ppm has 5 points but the model takes 32"):
        save_model(clf, tmp_path / "x.skmrs", ppm=ppm[:5])
    with pytest.raises(TypeError, match="SpectrumPreprocessor"):
        save_model(clf, tmp_path / "x.skmrs", preprocessing={"norm": "rms"})


def test_unsupported_model_is_not_written(tmp_path):
    X, y = _data()
    with pytest.raises(TypeError, match="LogisticRegression.*cannot hold"):
        save_model(LogisticRegression().fit(X, y), tmp_path / "m.skmrs")
    assert not (tmp_path / "m.skmrs").exists()


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_gpu_trained_model_loads_on_cpu(tmp_path):
    """A model saved from a CUDA device (faked, as in test_resnet) loads on the CPU."""
    X, y = _data()
    clf = ResNetClassifier(**TINY, random_state=0).fit(X, y)
    expected = clf.predict_proba(X)
    clf.set_params(device="cuda")
    clf.device_ = torch.device("cuda")
    clf.net_.device = "cuda"
    path = save_model(clf, tmp_path / "m.skmrs")
    assert read_model_info(path)["trained_on"] == "cuda"
    with pytest.warns(UserWarning, match="trained on cuda.*loaded on the CPU"):
        loaded = load_model(path)
    assert loaded.device_ == torch.device("cpu")
    assert loaded.net_.module_.stem[0].weight.device.type == "cpu"
    np.testing.assert_array_equal(loaded.predict_proba(X), expected)


class _WritesMarker:
    """Unpickling this creates a file: what a malicious model file would do."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _saved(tmp_path):
    X, y = _data()
    forest = _tiny(default_models("quick")["RF"]).fit(X, y)
    return save_model(forest, tmp_path / "m.skmrs")


def test_pickled_array_payload_is_refused_and_does_not_run(tmp_path):
    path = _saved(tmp_path)
    marker = tmp_path / "payload_ran"
    payload = io.BytesIO()
    np.save(payload, np.array([_WritesMarker(marker)], dtype=object))
    _rewrite(path, "arrays/0000.npy", payload.getvalue())
    with pytest.raises(ValueError, match="refused.*pickled Python objects"):
        load_model(path)
    assert not marker.exists()
    # the payload is live: the way pickle-based loaders read it runs it
    with zipfile.ZipFile(path) as archive:
        np.load(io.BytesIO(archive.read("arrays/0000.npy")), allow_pickle=True)
    assert marker.exists()


def test_a_pickle_is_not_a_model_file(tmp_path):
    marker = tmp_path / "payload_ran"
    path = tmp_path / "m.skmrs"
    path.write_bytes(pickle.dumps(_WritesMarker(marker)))
    for read in (load_model, read_model_info):
        with pytest.raises(ValueError, match="not a skmrs model file.*never.*pickle"):
            read(path)
    assert not marker.exists()


@pytest.mark.parametrize("evil", ["builtins.eval", "os.system", "pickle.loads"])
@pytest.mark.parametrize(
    "trusted", ["sklearn.tree._tree.Tree", "sklearn.tree.DecisionTreeClassifier"]
)
def test_untrusted_type_is_refused(evil, trusted, tmp_path):
    path = _saved(tmp_path)
    tree = _members(path)["model.json"].decode()
    assert trusted in tree
    _rewrite(path, "model.json", tree.replace(trusted, evil))
    with pytest.raises(ValueError, match=f"refused.*{evil}.*not among the types"):
        load_model(path)


def test_newer_format_version_is_a_clear_error(tmp_path):
    path = _saved(tmp_path)
    manifest = json.loads(_members(path)["manifest.json"])
    manifest["format_version"] = MODEL_FORMAT_VERSION + 1
    manifest["versions"]["skmrs"] = "9.0"
    _rewrite(path, "manifest.json", json.dumps(manifest))
    match = f"format version {MODEL_FORMAT_VERSION + 1}.*skmrs 9.0.*Upgrade skmrs"
    for read in (load_model, read_model_info):
        with pytest.raises(ValueError, match=match):
            read(path)


def _corrupt_cases(tmp_path):
    path = _saved(tmp_path)
    good = path.read_bytes()
    yield b"\x00\x01 not a model", "not a zip archive"
    yield good[: len(good) // 2], "not a zip archive|damaged"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    yield buffer.getvalue(), "no manifest.json"
    members = _members(path)
    for member, data, match in (
        ("manifest.json", b"{not json", "member manifest.json: not valid JSON"),
        ("manifest.json", b'{"format": "other"}', "not a skmrs model file"),
        ("model.json", b"[1, 2", "member model.json: not valid JSON"),
        ("model.json", b'{"__kind__": "nonsense"}', "model.json: unknown node kind"),
        ("arrays/0000.npy", b"garbage", "member arrays/0000.npy: not a valid .npy"),
    ):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for name, content in {**members, member: data}.items():
                archive.writestr(name, content)
        yield buffer.getvalue(), match


def test_corrupt_files_are_clear_errors(tmp_path):
    for k, (data, match) in enumerate(_corrupt_cases(tmp_path)):
        path = tmp_path / f"bad{k}.skmrs"
        path.write_bytes(data)
        with pytest.raises(ValueError, match=match):
            load_model(path)
        if k > 2 and "not a skmrs" not in match:  # damage in a model file
            with pytest.raises(ValueError, match=f"{DAMAGED}$"):
                load_model(path)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_model(tmp_path / "absent.skmrs")
