"""ResNetClassifier: labels, partial_fit, randomness, persistence, bad input, CAMs."""

import os
import pickle
import subprocess
import sys

import numpy as np
import pytest
import torch

from skmrs import ResNetClassifier
from skmrs.classification._resnet import _BatchIterator, _TensorDataset

TINY = dict(n_filters=4, n_blocks=2, kernel_size=3, dropout=0.0, batch_size=16)


@pytest.fixture(autouse=True)
def _one_torch_thread():
    # Tiny networks gain nothing from intra-op threads, and on a loaded
    # 2-core machine OpenMP barriers make them ~30x slower.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _data(n=48, n_points=32, seed=0, labels=("healthy", "tumour")):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_points)).astype(np.float32)
    y = np.asarray(labels)[np.arange(n) % 2]
    X[y == labels[1], n_points // 2] += 3.0
    return X, y


def _fitted(**params):
    X, y = _data()
    return ResNetClassifier(
        **{**TINY, "max_epochs": 2, "random_state": 0, **params}
    ).fit(X, y), X


def test_string_labels_and_probabilities():
    clf, X = _fitted()
    assert list(clf.classes_) == ["healthy", "tumour"]
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    assert set(clf.predict(X)) <= {"healthy", "tumour"}
    assert clf.n_iter_ == 2 and len(clf.net_.history) == 2
    assert clf.device_ == torch.device("cpu")


def test_three_classes_and_channel_axis():
    X, y = _data(labels=("a", "b"))
    y = np.asarray(["a", "b", "c"])[np.arange(len(X)) % 3]
    clf = ResNetClassifier(**TINY, max_epochs=1, random_state=0).fit(X[:, None, :], y)
    assert clf.predict_proba(X).shape == (len(X), 3)
    np.testing.assert_array_equal(
        clf.predict_proba(X[:, None, :]), clf.predict_proba(X)
    )


def test_same_seed_same_predictions_and_global_rng_untouched():
    X, y = _data()
    seeded = dict(TINY, max_epochs=2, dropout=0.3)
    torch.manual_seed(123)
    np.random.seed(123)  # noqa: NPY002 (the caller's global state)
    torch_state, numpy_state = torch.get_rng_state(), np.random.get_state()  # noqa: NPY002
    a = ResNetClassifier(**seeded, random_state=7).fit(X, y)
    b = ResNetClassifier(**seeded, random_state=7).fit(X, y)
    c = ResNetClassifier(**seeded, random_state=8).fit(X, y)
    a.partial_fit(X, y)
    b.partial_fit(X, y)
    assert torch.equal(torch.get_rng_state(), torch_state)
    after = np.random.get_state()  # noqa: NPY002
    assert after[0] == numpy_state[0] and np.array_equal(after[1], numpy_state[1])
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    assert not np.array_equal(a.predict_proba(X), c.predict_proba(X))


def test_partial_fit_trains_one_epoch_and_matches_fit():
    X, y = _data()
    params = dict(TINY, dropout=0.3, random_state=3)
    stepwise = ResNetClassifier(**params, max_epochs=50)
    for epoch in range(1, 4):
        stepwise.partial_fit(X, y)
        assert stepwise.n_iter_ == epoch
        assert len(stepwise.net_.history) == epoch
    at_once = ResNetClassifier(**params, max_epochs=3).fit(X, y)
    np.testing.assert_array_equal(stepwise.predict_proba(X), at_once.predict_proba(X))
    # fit starts again from scratch
    assert at_once.fit(X, y).n_iter_ == 3


def test_partial_fit_classes():
    X, y = _data()
    first = y == "healthy"
    clf = ResNetClassifier(**TINY, random_state=0)
    clf.partial_fit(X[first], y[first], classes=["healthy", "tumour"])
    clf.partial_fit(X[~first], y[~first])
    assert list(clf.classes_) == ["healthy", "tumour"]
    with pytest.raises(ValueError, match="not among the classes"):
        clf.partial_fit(X, np.where(first, "healthy", "oedema"))
    with pytest.raises(ValueError, match="1 class"):
        ResNetClassifier(**TINY).partial_fit(X[first], y[first])


_LOAD_AND_PREDICT = """
import pickle, sys, warnings
import numpy as np
warnings.simplefilter("error")
warnings.filterwarnings("ignore", category=DeprecationWarning)
with open(sys.argv[1], "rb") as f:
    {load}
X = np.load(sys.argv[2])
np.save(sys.argv[3], clf.predict_proba(X))
print(clf.device_)
clf.partial_fit(X[:8], clf.classes_[np.arange(8) % 2])
"""


def _predict_in_new_process(clf, X, tmp_path, load="clf = pickle.load(f)"):
    with open(tmp_path / "clf.pkl", "wb") as f:
        pickle.dump(clf, f)
    np.save(tmp_path / "X.npy", X)
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            _LOAD_AND_PREDICT.format(load=load),
            str(tmp_path / "clf.pkl"),
            str(tmp_path / "X.npy"),
            str(tmp_path / "proba.npy"),
        ],
        capture_output=True,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return np.load(tmp_path / "proba.npy"), result.stdout.strip()


def test_pickle_loads_in_a_new_process(tmp_path):
    clf, X = _fitted()
    proba, device = _predict_in_new_process(clf, X, tmp_path)
    np.testing.assert_array_equal(proba, clf.predict_proba(X))
    assert device == "cpu"


def test_cuda_trained_model_loads_on_cpu(tmp_path):
    """Simulates a GPU-trained pickle on this CPU-only machine.

    The weights are CPU tensors here, but the pickle records the device as
    CUDA, exactly as one written after training on a GPU: loading must map
    everything to the CPU (skorch's ``map_location``), warn, report
    ``device_ == cpu``, predict identically, and keep training on the CPU.
    """
    if torch.cuda.is_available():
        pytest.skip("needs a machine without CUDA")
    clf, X = _fitted()
    expected = clf.predict_proba(X)
    clf.net_.device = "cuda"
    clf.device_ = torch.device("cuda")
    load = (
        "with warnings.catch_warnings(record=True) as caught:\n"
        "        warnings.simplefilter('always')\n"
        "        clf = pickle.load(f)\n"
        "    assert any('cuda' in str(w.message).lower() for w in caught), caught"
    )
    proba, device = _predict_in_new_process(clf, X, tmp_path, load=load)
    np.testing.assert_array_equal(proba, expected)
    assert device == "cpu"


_LOAD_MODEL_FILE = """
import sys
import numpy as np
from skmrs.io import load_model
clf = load_model(sys.argv[1])
clf.predict_proba(np.load(sys.argv[2]))
print("torch._dynamo" in sys.modules)
"""


def test_model_file_loads_and_scores_without_building_the_optimiser(tmp_path):
    """Building an optimiser imports torch._dynamo, most of the load time
    of ``skmrs predict`` (issue 25): a loaded network builds it only when
    training resumes, with the saved state."""
    from skmrs.io import load_model, save_model

    clf, X = _fitted()
    path = save_model(clf, tmp_path / "m.skmrs")
    np.save(tmp_path / "X.npy", X)
    result = subprocess.run(
        [sys.executable, "-c", _LOAD_MODEL_FILE, str(path), str(tmp_path / "X.npy")],
        capture_output=True,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False"]
    loaded = load_model(path)
    assert not hasattr(loaded.net_, "optimizer_")
    # saved again unchanged, then trained: as if trained without the files
    again = load_model(save_model(loaded, tmp_path / "again.skmrs"))
    clf.partial_fit(X, clf.predict(X))
    again.partial_fit(X, clf.predict(X))
    assert isinstance(again.net_.optimizer_, torch.optim.Adam)
    np.testing.assert_array_equal(again.predict_proba(X), clf.predict_proba(X))
    state = again.net_.optimizer_.state_dict()
    assert state == {**clf.net_.optimizer_.state_dict(), "state": state["state"]}


def _bad_X_cases():
    X, _ = _data(n=4)
    nan, inf = X.copy(), X.copy()
    nan[0, 0] = np.nan
    inf[1, 2] = np.inf
    return [
        pytest.param(nan, "NaN", id="nan"),
        pytest.param(inf, "infinity", id="inf"),
        pytest.param(X[:, :-1], "31 features.*expecting 32", id="n_points"),
        pytest.param(np.stack([X, X], axis=1), r"\(n_samples, 1, n_points\)", id="3d"),
        pytest.param(X[None], r"\(n_samples, 1, n_points\)", id="3d-batch"),
    ]


@pytest.mark.parametrize("X_bad, match", _bad_X_cases())
def test_bad_input_at_predict(X_bad, match):
    clf, _ = _fitted(max_epochs=1)
    for method in (clf.predict, clf.predict_proba, clf.class_activation_maps):
        with pytest.raises(ValueError, match=match):
            method(X_bad)


def test_bad_training_input():
    X, y = _data()
    clf = ResNetClassifier(**TINY, max_epochs=1)
    with pytest.raises(ValueError, match="NaN"):
        clf.fit(np.where(np.arange(X.shape[1]) == 3, np.nan, X), y)
    with pytest.raises(ValueError, match="at least 2 classes; got 1 class"):
        clf.fit(X, np.full(len(X), "tumour"))
    with pytest.raises(ValueError, match="unknown device 'tpu'"):
        ResNetClassifier(**TINY, device="tpu").fit(X, y)
    with pytest.raises(ValueError):
        ResNetClassifier(**TINY, device=3).fit(X, y)


@pytest.mark.skipif(torch.cuda.is_available(), reason="CUDA is present")
def test_cuda_without_cuda_is_a_clear_error():
    X, y = _data()
    with pytest.raises(ValueError, match="CUDA is not available"):
        ResNetClassifier(**TINY, device="cuda").fit(X, y)


def test_batch_iterator_slices_a_permutation():
    dataset = _TensorDataset(np.arange(10, dtype=np.float32)[:, None], np.arange(10))
    batches = list(_BatchIterator(dataset, batch_size=4, shuffle=True))
    assert [len(xb) for xb, _ in batches] == [4, 4, 2]
    xs = torch.cat([xb[:, 0] for xb, _ in batches])
    ys = torch.cat([yb for _, yb in batches])
    assert sorted(ys.tolist()) == list(range(10))
    assert torch.equal(xs.long(), ys)


def _peak_data(position, n=64, n_points=64, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(scale=0.3, size=(n, n_points)).astype(np.float32)
    y = np.arange(n) % 2
    t = np.arange(n_points)
    X[y == 1] += 2.0 * np.exp(-0.5 * ((t - position) / 1.5) ** 2)
    return X, y


@pytest.mark.parametrize("position", [12, 45])
def test_cam_of_positive_class_peaks_at_the_planted_peak(position):
    X, y = _peak_data(position)
    clf = ResNetClassifier(
        n_filters=4,
        n_blocks=2,
        kernel_size=5,
        dropout=0.0,
        batch_size=16,
        max_epochs=10,
        lr=1e-2,
        random_state=0,
    ).fit(X, y)
    X_test, y_test = _peak_data(position, seed=1)
    assert (clf.predict(X_test) == y_test).mean() > 0.9
    cams = clf.class_activation_maps(X_test[y_test == 1], class_label=1)
    assert cams.shape == ((y_test == 1).sum(), 64)
    assert abs(int(cams.mean(axis=0).argmax()) - position) <= 3
    # Default: the map of each spectrum's predicted class.
    predicted = clf.class_activation_maps(X_test)
    positive = clf.predict(X_test) == 1
    np.testing.assert_allclose(
        predicted[positive],
        clf.class_activation_maps(X_test[positive], class_label=1),
        rtol=1e-5,
        atol=1e-6,
    )
    with pytest.raises(ValueError, match="not among the classes"):
        clf.class_activation_maps(X_test, class_label=2)


@pytest.fixture
def small_chunks(monkeypatch):
    """Prediction batches of 32 rows validated 96 at a time (3 batches a chunk)."""
    from skmrs.classification import _resnet

    monkeypatch.setattr(_resnet, "_PREDICT_BATCH_SIZE", 32)
    monkeypatch.setattr(_resnet, "_PREDICT_CHUNK_SIZE", 96)


def test_chunked_prediction_is_identical_to_skorch_predict(small_chunks):
    """Chunked validation and float32 views give skorch's own results, bit for bit."""
    pd = pytest.importorskip("pandas")
    clf, _ = _fitted()
    X, _ = _data(n=250, seed=3)  # 2 full chunks and a partial one, 8 batches
    expected = clf.net_.predict_proba(_TensorDataset(X))
    X64 = X.astype(np.float64)
    read_only = X64.copy()
    read_only.flags.writeable = False
    inputs = {
        "float32": X,
        "float64": X64,
        "3-D": X64[:, None, :],
        "read-only": read_only,
        "DataFrame": pd.DataFrame(X64),
        "list": X64.tolist(),
    }
    for name, data in inputs.items():
        np.testing.assert_array_equal(clf.predict_proba(data), expected, err_msg=name)
    assert clf.predict_proba(X).dtype == np.float32
    np.testing.assert_array_equal(
        clf.predict(X64), clf.classes_[expected.argmax(axis=1)]
    )


def test_chunked_class_activation_maps_match_batchwise_maps(small_chunks):
    clf, _ = _fitted()
    X, _ = _data(n=250, seed=3)
    module = clf.net_.module_.eval()
    with torch.no_grad():
        batches = [torch.from_numpy(X[i : i + 32]) for i in range(0, len(X), 32)]
        full = torch.cat([module.class_activation_maps(xb) for xb in batches])
        predicted = torch.cat([module(xb).argmax(dim=1) for xb in batches])
    rows = torch.arange(len(X))
    np.testing.assert_array_equal(
        clf.class_activation_maps(X.astype(np.float64)), full[rows, predicted].numpy()
    )
    np.testing.assert_array_equal(
        clf.class_activation_maps(X, class_label="tumour"), full[:, 1].numpy()
    )


def test_chunked_prediction_refuses_bad_values_in_a_later_chunk(small_chunks):
    clf, _ = _fitted()
    X, _ = _data(n=250, seed=3)
    X = X.astype(np.float64)
    X[200, 5] = np.nan
    for method in (clf.predict_proba, clf.class_activation_maps):
        with pytest.raises(ValueError, match="NaN"):
            method(X)


def test_predict_proba_does_not_copy_a_float64_input_whole():
    """numpy memory held at once stays well under one float32 copy of the input."""
    import tracemalloc

    clf, _ = _fitted()
    X = np.random.default_rng(0).normal(size=(60_000, 32))  # float64, 15 MB
    tracemalloc.start()
    try:
        clf.predict_proba(X)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    full_float32_copy = X.size * 4
    assert peak < full_float32_copy / 2, (peak, full_float32_copy)
