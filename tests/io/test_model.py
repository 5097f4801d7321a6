"""Model files: round trips, GPU-to-CPU, and refusing files that would run code."""

import hashlib
import io
import json
import pickle
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone, is_classifier
from sklearn.naive_bayes import GaussianNB

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


def _resign(members):
    """The members with the manifest's checksums made to match them.

    A file crafted this way passes the SHA-256 check, so that the checks
    behind it (types, shapes, trees...) are what a test reaches.
    """
    items = list(members.items()) if isinstance(members, dict) else list(members)
    names = [name for name, _ in items]
    if "manifest.json" not in names:
        return members
    at = names.index("manifest.json")
    try:
        manifest = json.loads(items[at][1])
    except (ValueError, UnicodeDecodeError):
        return members
    if not isinstance(manifest, dict) or "sha256" not in manifest:
        return members
    manifest["sha256"] = {
        name: hashlib.sha256(
            data if isinstance(data, bytes) else data.encode()
        ).hexdigest()
        for name, data in items
        if name != "manifest.json"
    }
    items[at] = ("manifest.json", json.dumps(manifest).encode())
    return dict(items) if isinstance(members, dict) else items


def _rewrite(path, member, data):
    members = _resign({**_members(path), member: data})
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
    if name in ("ConfidenceDistiller", "AttentionMILClassifier"):
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
    with pytest.raises(TypeError, match="GaussianNB.*cannot hold"):
        save_model(GaussianNB().fit(X, y), tmp_path / "m.skmrs")
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
            for name, content in _resign({**members, member: data}).items():
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


# ------------------------------------------- files crafted to crash or flood
def _zip(path, members):
    """Write ``members`` (name -> bytes, or a list of pairs) as a zip archive."""
    members = _resign(members)
    items = members.items() if isinstance(members, dict) else members
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about duplicate names
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, content in items:
                archive.writestr(name, content)
    return path


def _npy(array):
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def _damaged(path, match):
    with pytest.raises(ValueError, match=match) as info:
        load_model(path)
    message = str(info.value)
    assert message.startswith(str(path))
    assert message.endswith(DAMAGED)
    return message


def _nodes_member(members):
    """Name and array of the first tree's node records."""
    for name, data in sorted(members.items()):
        if name.endswith(".npy"):
            array = np.load(io.BytesIO(data), allow_pickle=False)
            if array.dtype.names and "left_child" in array.dtype.names:
                return name, array
    raise AssertionError("no tree in the file")


@pytest.mark.parametrize(
    "field, value, match",
    [
        ("left_child", 2**40, "left child 1099511627776, not a node after it"),
        ("right_child", -7, "right child -7"),
        ("left_child", 0, "left child 0, not a node after it"),  # a cycle
        ("feature", 10**6, r"feature not in \[0, 32\)"),
        ("threshold", np.nan, "threshold that is not finite"),
    ],
)
def test_tree_that_would_read_out_of_bounds_is_refused(field, value, match, tmp_path):
    path = _saved(tmp_path)
    members = _members(path)
    name, nodes = _nodes_member(members)
    nodes[field][0] = value  # the root, an internal node
    members[name] = _npy(nodes)
    message = _damaged(_zip(path, members), match)
    assert "member model.json (tree)" in message


def test_leaf_with_one_child_is_refused(tmp_path):
    path = _saved(tmp_path)
    members = _members(path)
    name, nodes = _nodes_member(members)
    leaf = int(np.flatnonzero(nodes["left_child"] == -1)[0])
    nodes["left_child"][leaf] = len(nodes) - 1
    members[name] = _npy(nodes)
    _damaged(_zip(path, members), "a node has one child only")


def test_forest_tree_of_another_width_is_refused(tmp_path):
    """The forest checks X once, then each tree indexes it unchecked."""
    path = _saved(tmp_path)
    text = _members(path)["model.json"].decode()
    tree = json.loads(text)
    args = json.dumps(_find(tree, "tree")["args"])
    wider = args.replace("[32,", "[64,", 1)
    assert wider != args
    _rewrite(path, "model.json", text.replace(args, wider, 1))
    _damaged(path, "a tree splits 64 features but the model takes 32")


def _find(node, kind):
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if item.get("__kind__") == kind:
                return item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    raise AssertionError(kind)


def test_npy_header_declaring_2_40_values_is_refused_unread(tmp_path):
    path = _saved(tmp_path)
    header = {"descr": "<f8", "fortran_order": False, "shape": (2**40,)}
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, header)
    _rewrite(path, "arrays/0000.npy", buffer.getvalue() + b"\x00" * 64)
    _damaged(path, "member arrays/0000.npy: the header declares 1099511627776 values")


@pytest.mark.parametrize(
    "array, match",
    [
        (np.array(["2020-01-01"], dtype="datetime64[D]"), "dtype datetime64"),
        (np.zeros(2, dtype=[("a", "<f8", (3,))]), "record field 'a'"),
    ],
)
def test_arrays_of_dtypes_skmrs_never_writes_are_refused(array, match, tmp_path):
    path = _saved(tmp_path)
    _rewrite(path, "arrays/0000.npy", _npy(array))
    _damaged(path, match)


def test_deeply_nested_json_is_refused_before_parsing(tmp_path):
    path = _saved(tmp_path)
    _rewrite(path, "model.json", b"[" * 200_000 + b"]" * 200_000)
    _damaged(path, "member model.json: JSON nested 200000 levels deep")
    # brackets inside strings do not count
    _rewrite(path, "manifest.json", json.dumps({"x": "[" * 500}))
    with pytest.raises(ValueError, match="not a skmrs model file"):
        load_model(path)


def test_member_inflating_past_the_limit_is_refused_unread(tmp_path, monkeypatch):
    import skmrs.io._model_checks as checks

    path = _saved(tmp_path)
    bomb = b" " * (checks.MAX_JSON_BYTES + 1)  # 64 MiB that deflate to 64 kB
    _zip(path, {**_members(path), "model.json": bomb})
    assert path.stat().st_size < 2**20
    _damaged(path, "model.json: declares 67108865 bytes uncompressed")
    path = _saved(tmp_path)
    monkeypatch.setattr(checks, "MAX_MEMBER_BYTES", 100)
    _damaged(path, "arrays/0000.npy: declares .* more than the limit of 100")
    monkeypatch.setattr(checks, "MAX_TOTAL_BYTES", 100)
    _damaged(path, "members of .* bytes in all, more than 100")
    monkeypatch.setattr(checks, "MAX_MEMBERS", 2)
    _damaged(path, "members, more than 2")


def test_member_declaring_a_false_size_is_refused(tmp_path):
    path = _saved(tmp_path)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("model.json")
    # the central directory's record of model.json: its uncompressed size
    central = data.rindex(b"PK\x01\x02", 0, data.rindex(b"model.json"))
    size = central + 24
    assert int.from_bytes(data[size : size + 4], "little") == info.file_size
    for declared in (info.file_size - 10, info.file_size + 10):
        data[size : size + 4] = declared.to_bytes(4, "little")
        path.write_bytes(bytes(data))
        _damaged(path, "member model.json: (cannot be read|holds)")


def test_duplicate_member_names_are_refused(tmp_path):
    path = _saved(tmp_path)
    members = list(_members(path).items())
    _zip(path, members + [("model.json", b"[]")])
    _damaged(path, "member model.json: the member name appears twice")


def _resnet_file(tmp_path):
    X, y = _data()
    model = ResNetClassifier(**TINY, random_state=0).fit(X, y)
    return save_model(model, tmp_path / "net.skmrs"), model, X


@pytest.mark.parametrize(
    "value, match",
    [
        (4_000_000_000, r"n_filters=4000000000 is not in \[1, 4096\]"),
        (4e9, r"n_filters=4000000000.0 is not in"),
        (5, "weight stem.0.weight has shape .*needs"),
    ],
)
def test_network_is_checked_before_it_is_built(value, match, tmp_path):
    path, _, _ = _resnet_file(tmp_path)
    text = _members(path)["model.json"].decode()
    assert text.count('["n_filters", 4]') == 1
    _rewrite(
        path, "model.json", text.replace('["n_filters", 4]', f'["n_filters", {value}]')
    )
    _damaged(path, match)


def test_network_too_large_for_its_limit_is_refused(tmp_path):
    path, _, _ = _resnet_file(tmp_path)
    text = _members(path)["model.json"].decode()
    wide = text.replace('["n_filters", 4]', '["n_filters", 4096]')
    _rewrite(path, "model.json", wide.replace('["n_blocks", 2]', '["n_blocks", 64]'))
    _damaged(path, "has more than 268435456 parameters \\(too many to count\\)")
    # wide, not deep: counted on the meta device, over the limit
    wide = wide.replace('["kernel_size", 3]', '["kernel_size", 8]')
    _rewrite(path, "model.json", wide)
    _damaged(path, r"has more than 268435456 parameters \(537\d{6}\)")


def test_weights_of_another_shape_are_refused(tmp_path):
    path, model, X = _resnet_file(tmp_path)
    members = _members(path)
    for name, data in sorted(members.items()):
        if name.endswith(".npy"):
            array = np.load(io.BytesIO(data))
            if array.ndim == 3:  # a convolution kernel
                members[name] = _npy(array[:, :, :-1])
                break
    _damaged(_zip(path, members), "has shape .* the network described needs")


@pytest.mark.parametrize(
    "change, match",
    [
        (lambda m: m.pop("classes"), "the key 'classes' is missing"),
        (lambda m: m.update(preprocessing={"run_code": 2}), "unknown preprocessing"),
        (lambda m: m.update(ppm=[1.0, float("nan")]), "'ppm' is not a list of finite"),
        (lambda m: m.update(ppm=[1.0, 2.0]), "'ppm' has 2 points, the model 32"),
        (lambda m: m.update(metadata=[]), "'metadata' is \\[\\]"),
    ],
)
def test_manifest_a_reader_cannot_use_is_refused(change, match, tmp_path):
    X, y = _data()
    forest = _tiny(default_models("quick")["RF"]).fit(X, y)
    path = save_model(forest, tmp_path / "m.skmrs", ppm=np.linspace(4, 0, 32))
    manifest = json.loads(_members(path)["manifest.json"])
    change(manifest)
    _rewrite(path, "manifest.json", json.dumps(manifest))
    for read in (load_model, read_model_info):
        with pytest.raises(ValueError, match=match):
            read(path)


def test_save_model_refuses_a_grid_that_is_not_finite(tmp_path):
    X, y = _data()
    forest = _tiny(default_models("quick")["RF"]).fit(X, y)
    ppm = np.linspace(4, 0, 32)
    ppm[3] = np.nan
    with pytest.raises(ValueError, match="finite chemical shift.*1 of them NaN"):
        save_model(forest, tmp_path / "m.skmrs", ppm=ppm)
    assert list(tmp_path.iterdir()) == []


def test_folder_and_flipped_byte_are_clear_errors(tmp_path):
    with pytest.raises(IsADirectoryError, match="is a folder"):
        load_model(tmp_path)
    path = _saved(tmp_path)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x55
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match=f"{DAMAGED}$"):
        load_model(path)


def test_save_model_replaces_a_file_whole(tmp_path, monkeypatch):
    path = _saved(tmp_path)
    before = path.read_bytes()
    X, y = _data()

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "save", fail)
    with pytest.raises(OSError, match="disk full"):
        save_model(_tiny(default_models("quick")["RF"]).fit(X, y), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.skmrs"]


def _array_of(members, attribute):
    """The member holding the array saved as ``attribute`` (first found)."""
    stack = [json.loads(members["model.json"])]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            if len(item) == 2 and item[0] == attribute and isinstance(item[1], dict):
                return item[1]["ref"]
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
    raise AssertionError(attribute)


def test_svm_whose_counts_disagree_is_refused(tmp_path):
    X, y = _data()
    svm = _fit(_tiny(default_models("quick")["SVM"]), X, y)
    path = save_model(svm, tmp_path / "svm.skmrs")
    members = _members(path)
    members[_array_of(members, "_n_support")] = _npy(np.array([500, 500], np.int32))
    _damaged(_zip(path, members), "_n_support does not count the .* support vectors")


def test_every_member_is_checked_against_its_checksum(tmp_path):
    path = _saved(tmp_path)
    members = _members(path)
    manifest = json.loads(members["manifest.json"])
    assert manifest["format_version"] == MODEL_FORMAT_VERSION == 3
    assert set(manifest["sha256"]) == set(members) - {"manifest.json"}
    X, _ = _data()
    reference = load_model(path).predict_proba(X)
    # a plausible value changed in place, the manifest left as it was
    tree = json.loads(members["model.json"])
    tampered = json.dumps(tree).replace('"entropy"', '"gini"').encode()
    assert tampered != members["model.json"]
    bad = tmp_path / "bad.skmrs"
    with zipfile.ZipFile(bad, "w") as archive:
        for name, data in {**members, "model.json": tampered}.items():
            archive.writestr(name, data)
    with pytest.raises(ValueError, match=f"model.json: its SHA-256 .*{DAMAGED}$"):
        load_model(bad)
    # a member the manifest does not list, and one it lists but the file lacks
    with zipfile.ZipFile(bad, "w") as archive:
        for name, data in {**members, "extra.txt": b"hello"}.items():
            archive.writestr(name, data)
    with pytest.raises(ValueError, match="extra.txt: the member is not listed"):
        load_model(bad)
    with zipfile.ZipFile(bad, "w") as archive:
        for name, data in members.items():
            if name != "arrays/0000.npy":
                archive.writestr(name, data)
    with pytest.raises(ValueError, match="0000.npy: the member is missing"):
        load_model(bad)
    # skmrs 0.2's files (format 1) had no checksums and still load
    old = {**manifest, "format_version": 1}
    del old["sha256"]
    with zipfile.ZipFile(bad, "w") as archive:
        for name, data in {**members, "manifest.json": json.dumps(old)}.items():
            archive.writestr(name, data)
    np.testing.assert_array_equal(load_model(bad).predict_proba(X), reference)


_SKMRS_02 = Path(__file__).parent / "data" / "skmrs_0.2"


@pytest.mark.parametrize(
    "name",
    ["resnet", "distillmix", "noiseaware_nnpu", "noise", "oracle", "svm", "rf"],
)
def test_files_written_by_skmrs_0_2_load_and_predict_as_then(name):
    """Files of format 1, written by skmrs 0.2 itself (make_files.py beside them)."""
    expected = np.load(_SKMRS_02 / "expected.npz")
    path = _SKMRS_02 / f"{name}.skmrs"
    assert read_model_info(path)["versions"]["skmrs"] == "0.2.0"
    assert read_model_info(path)["format_version"] == 1
    network = b'"__kind__": "resnet"' in _members(path)["model.json"]
    assert network == (name not in ("svm", "rf"))
    model = load_model(path)
    proba = model.predict_proba(expected["X"])
    np.testing.assert_array_equal(proba, expected[name])


def test_a_network_node_of_the_old_layout_is_refused_in_a_new_file(tmp_path):
    """Format 3 stores a network in its estimator's state: no 'resnet' nodes."""
    members = _members(_SKMRS_02 / "resnet.skmrs")
    manifest = json.loads(members["manifest.json"])
    manifest["format_version"] = MODEL_FORMAT_VERSION
    manifest["sha256"] = {}
    path = tmp_path / "m.skmrs"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in {**members, "manifest.json": json.dumps(manifest)}.items():
            archive.writestr(name, data)
    _rewrite(path, "manifest.json", json.dumps(manifest))  # adds the checksums
    _damaged(path, "unknown node kind 'resnet'")


def test_estimators_name_themselves_and_files_know_no_private_attribute(tmp_path):
    """A new estimator joins model files by its own name and state: no io edit."""
    from sklearn.base import BaseEstimator, ClassifierMixin

    from skmrs.utils import ModelStateMixin

    class Halves(ModelStateMixin, ClassifierMixin, BaseEstimator):
        _skmrs_model_name = "tests.Halves"

        def __init__(self, shift=0.0):
            self.shift = shift

        def fit(self, X, y):
            self.classes_ = np.unique(y)
            self.weights_ = np.full(X.shape[1], 1.0 / X.shape[1])
            return self

        def predict_proba(self, X):
            p = 1 / (1 + np.exp(-(X @ self.weights_ + self.shift)))
            return np.column_stack([1 - p, p])

        def _skmrs_state_(self):
            state = super()._skmrs_state_()
            state["weights_"] = state["weights_"].tolist()  # saved its own way
            return state

        @classmethod
        def _skmrs_from_state_(cls, state):
            if len(state["weights_"]) > 64:
                raise ValueError("Halves: more weights than it ever has")
            state = {**state, "weights_": np.asarray(state["weights_"])}
            return super()._skmrs_from_state_(state)

    X, y = _data()
    model = Halves(shift=0.5).fit(X, y)
    path = save_model(model, tmp_path / "h.skmrs")
    loaded = load_model(path)
    assert type(loaded) is Halves
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    text = _members(path)["model.json"].decode()
    _rewrite(path, "model.json", text.replace("0.03125", ", ".join(["0.03125"] * 3)))
    _damaged(path, "member model.json: Halves: more weights than it ever has")


# ------------------------------------------------- the patient classifiers
def _patient_data():
    """20 patients of 3 spectra; the odd patients' spectra carry a peak."""
    rng = np.random.default_rng(1)
    groups = np.repeat(np.arange(20), 3)
    y = np.repeat(np.arange(20) % 2, 3)
    X = rng.normal(size=(60, 32)).astype(np.float32)
    X[y == 1, 16] += 3.0
    return X, y, groups


@pytest.fixture(scope="module")
def patient_files(tmp_path_factory):
    """A PatientClassifier and an AttentionMILClassifier on one tiny ResNet,
    fitted on patients and saved once."""
    from skmrs import AttentionMILClassifier, PatientClassifier

    X, y, groups = _patient_data()
    net = ResNetClassifier(**TINY)
    models = {
        "patient": PatientClassifier(net, cv=2, random_state=0),
        "bag": AttentionMILClassifier(net, attention_dim=4, max_epochs=2,
                                      random_state=0),
    }  # fmt: skip
    folder = tmp_path_factory.mktemp("patient_models")
    files = {}
    for name, model in models.items():
        model.fit(X, y, groups=groups)
        files[name] = (save_model(model, folder / f"{name}.skmrs", y=y, groups=groups),
                       model)  # fmt: skip
    return files


def _copy(patient_files, name, tmp_path):
    path, model = patient_files[name]
    copy = tmp_path / path.name
    copy.write_bytes(path.read_bytes())
    return copy, model


@pytest.mark.parametrize("name", ["patient", "bag"])
def test_patient_classifiers_round_trip(name, patient_files):
    X, y, groups = _patient_data()
    path, model = patient_files[name]
    loaded = load_model(path)
    assert type(loaded) is type(model)
    np.testing.assert_array_equal(
        loaded.predict_proba(X, groups=groups), model.predict_proba(X, groups=groups)
    )
    table, expected = (m.predict_patients(X, groups=groups) for m in (loaded, model))
    for column in ("patient", "n_spectra", "proba", "prediction"):
        np.testing.assert_array_equal(table[column], expected[column])
    assert loaded.threshold_ == model.threshold_
    np.testing.assert_array_equal(loaded.patients_, model.patients_)
    # the voxel network inside is rebuilt by its own state protocol
    assert type(loaded.estimator_) is ResNetClassifier
    np.testing.assert_array_equal(
        loaded.estimator_.predict_proba(X), model.estimator_.predict_proba(X)
    )
    with pytest.raises(ValueError, match="fitted on patients: pass groups"):
        loaded.predict(X)
    info = read_model_info(path)
    assert info["estimator"] == type(model).__name__
    assert info["training_data"]["n_patients"] == 20


def test_attention_map_and_history_survive_a_round_trip(patient_files):
    X, _, groups = _patient_data()
    path, model = patient_files["bag"]
    loaded = load_model(path)
    np.testing.assert_array_equal(
        loaded.attention_weights(X, groups=groups),
        model.attention_weights(X, groups=groups),
    )
    assert len(loaded.net_.history) == len(model.net_.history) == 2
    assert loaded.device_ == torch.device("cpu")


def test_patient_stage_with_calibration_round_trips(tmp_path):
    from skmrs import PatientClassifier

    X, y, groups = _patient_data()
    model = PatientClassifier(calibration="sigmoid", context=True, cv=2,
                              random_state=0).fit(X, y, groups=groups)  # fmt: skip
    loaded = load_model(save_model(model, tmp_path / "m.skmrs"))
    np.testing.assert_array_equal(
        loaded.predict_proba(X, groups=groups), model.predict_proba(X, groups=groups)
    )


def _replace_nth(text, old, new, n):
    """``text`` with occurrence ``n`` (-1: the last) of ``old`` replaced."""
    starts = [i for i in range(len(text)) if text.startswith(old, i)]
    at = starts[n]
    return text[:at] + new + text[at + len(old) :]


@pytest.mark.parametrize(
    "old, new, n, match",
    [
        ('["attention_dim", 4]', '["attention_dim", 1000000]', 0,
         r"AttentionMILClassifier: attention_dim=1000000 is not in \[1, 4096\]"),
        ('["gated", true]', '["gated", 1]', 0, "gated=1 is not a bool"),
        # the network declared by `estimator` no longer fits the bag's weights
        ('["n_filters", 4]', '["n_filters", 5]', 0,
         "AttentionMILClassifier weights: weight .* has shape .* needs"),
        # the pretrained voxel network checks its own weights
        ('["n_filters", 4]', '["n_filters", 5]', 1,
         "ResNetClassifier weights: weight stem.0.weight has shape .* needs"),
        ('["history", ', '["histories", ', -1, "net_ is not a network's state"),
        ('"skmrs.ResNetClassifier"', '"skmrs.classification.NoiseAwareClassifier"',
         0, "estimator is not a ResNetClassifier"),
    ],
)  # fmt: skip
def test_tampered_bag_network_is_refused(old, new, n, match, patient_files, tmp_path):
    path, _ = _copy(patient_files, "bag", tmp_path)
    text = _members(path)["model.json"].decode()
    _rewrite(path, "model.json", _replace_nth(text, old, new, n))
    _damaged(path, match)


def test_tampered_bag_weights_are_refused(patient_files, tmp_path):
    path, _ = _copy(patient_files, "bag", tmp_path)
    members = _members(path)
    attention = _array_of(members, "pool.score.weight")
    members[attention] = _npy(np.zeros((1, 5), np.float32))
    _damaged(_zip(path, members), "weight pool.score.weight has shape")


@pytest.mark.parametrize(
    "old, new, n, match",
    [
        # the fitted voxel network inside the patient stage checks its own state
        ('["n_filters", 4]', '["n_filters", 5]', -1,
         "ResNetClassifier weights: weight stem.0.weight has shape .* needs"),
        ('["n_blocks", 2]', '["n_blocks", 1000]', -1,
         r"ResNetClassifier: n_blocks=1000 is not in \[1, 64\]"),
        ('"sklearn.linear_model.LogisticRegression"', '"os.system"', 0,
         "refused.*os.system.*not among the types"),
    ],
)  # fmt: skip
def test_tampered_patient_stage_is_refused(old, new, n, match, patient_files,
                                           tmp_path):  # fmt: skip
    path, _ = _copy(patient_files, "patient", tmp_path)
    text = _members(path)["model.json"].decode()
    _rewrite(path, "model.json", _replace_nth(text, old, new, n))
    if match.startswith("refused"):
        with pytest.raises(ValueError, match=match):
            load_model(path)
    else:
        _damaged(path, match)
