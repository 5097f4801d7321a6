"""Fuzzing the model files: damaged or rewritten files are refused, never a crash.

Valid files of each kind of estimator that ``save_model`` writes (a network, a
forest, an SVM, a pipeline with a network) are mutated by hypothesis: bytes
flipped, cut or inserted, members rewritten with altered JSON values or array
entries, shapes and dtypes. Each file is loaded in a subprocess (one for all
files, so a segmentation fault or an abort is seen, and its file named), with
an address-space limit so that an unbounded allocation fails there too. A
load must either raise ``ValueError`` / ``OSError`` or give a model that
predicts exactly as the original: every member but the manifest is checked
against the SHA-256 the manifest lists (format version 2), so a rewritten
member is refused before it is parsed, and a rewritten manifest either fails
its own checks or leaves the model as it was. (A file crafted with matching
checksums reaches the checks behind them: tests/io/test_model.py.)
"""

import io
import json
import subprocess
import sys
import textwrap
import warnings
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skmrs import ResNetClassifier
from skmrs.benchmark import default_models
from skmrs.io import save_model
from skmrs.utils import set_random_states

N_EXAMPLES = 40  # per estimator and kind of mutation
#: Address space of the loading process: torch and the models fit well within.
MEMORY_LIMIT = 6 * 2**30

_WORKER = textwrap.dedent(
    """
    import json, resource, sys, warnings
    import numpy as np
    limit = int(sys.argv[3])
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from skmrs.io import load_model
    warnings.simplefilter("ignore")
    X = np.load(sys.argv[2])
    with open(sys.argv[1]) as fh:
        cases = json.load(fh)
    for case in cases:
        print("START", case["file"], flush=True)
        try:
            model = load_model(case["file"])
        except (ValueError, OSError) as exc:
            print("RESULT refused", type(exc).__name__, flush=True)
            continue
        except BaseException as exc:
            print("RESULT load-raised", repr(exc)[:300], flush=True)
            continue
        try:
            proba = model.predict_proba(X)
        except ValueError as exc:
            print("RESULT predict-refused", flush=True)
            continue
        except BaseException as exc:
            print("RESULT predict-raised", repr(exc)[:300], flush=True)
            continue
        same = np.array_equal(proba, np.load(case["reference"]), equal_nan=True)
        print("RESULT loaded", "same" if same else "different", flush=True)
    """
)


def _data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 16)).astype(np.float32)
    y = np.arange(30) % 2
    X[y == 1, 8] += 3.0
    return X, y


def _models():
    tiny = dict(n_filters=2, n_blocks=2, kernel_size=3, max_epochs=1, batch_size=16)
    noise = default_models("quick")["Noise"]
    noise.set_params(
        **{
            k: tiny[k.split("__")[-1]]
            for k in noise.get_params()
            if k.split("__")[-1] in tiny
        }
    )
    return {
        "ResNet": ResNetClassifier(**tiny, random_state=0),
        "RF": default_models("quick")["RF"].set_params(n_estimators=2, max_depth=3),
        "SVM": default_models("quick")["SVM"],
        "Noise": set_random_states(noise, 0),
    }


@pytest.fixture(scope="module")
def originals(tmp_path_factory):
    """name -> (model file bytes, path of the reference predictions); and X."""
    folder = tmp_path_factory.mktemp("originals")
    X, y = _data()
    np.save(folder / "X.npy", X)
    files = {}
    for name, model in _models().items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = set_random_states(model, 0).fit(X, y)
        path = save_model(model, folder / f"{name}.skmrs")
        reference = folder / f"{name}_proba.npy"
        np.save(reference, model.predict_proba(X))
        files[name] = (path.read_bytes(), reference)
    return files, folder / "X.npy"


# ---------------------------------------------------------------- mutations
@st.composite
def _byte_damage(draw, data: bytes) -> bytes:
    """Flip, cut or insert bytes anywhere in the file."""
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["flip", "cut", "insert"]))
        at = draw(st.integers(0, max(len(out) - 1, 0)))
        if kind == "flip":
            out[at] ^= draw(st.integers(1, 255))
        elif kind == "cut":
            del out[at : at + draw(st.integers(1, 64))]
        else:
            out[at:at] = draw(st.binary(min_size=1, max_size=16))
    return bytes(out)


_ODD_VALUES = st.sampled_from(
    [0, -1, 1, 2, 3, 31, 2**31, 2**40, -(2**63), 4e9, 1e308, -0.5, 0.5, None,
     "x", [], {}, True, float("nan"), float("inf")]
)  # fmt: skip


def _leaves(node, path=()):
    """Paths to every number in a JSON value (names and references stay)."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _leaves(value, (*path, i))
    elif not isinstance(node, bool) and isinstance(node, (int, float)):
        yield path


def _set(node, path, value):
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


@st.composite
def _json_rewrite(draw, members: dict) -> dict:
    name = draw(st.sampled_from(["model.json", "manifest.json"]))
    tree = json.loads(members[name])
    leaves = sorted(_leaves(tree), key=str)
    for _ in range(draw(st.integers(1, 2))):
        _set(tree, draw(st.sampled_from(leaves)), draw(_ODD_VALUES))
    return {**members, name: json.dumps(tree).encode()}


@st.composite
def _array_rewrite(draw, members: dict) -> dict:
    name = draw(st.sampled_from(sorted(m for m in members if m.endswith(".npy"))))
    array = np.load(io.BytesIO(members[name]), allow_pickle=False)
    kind = draw(st.sampled_from(["value", "shape", "dtype"]))
    if kind == "value" and array.size:
        np.seterr(over="ignore")  # values too large for the dtype: cast as they come
        flat = array.reshape(-1).copy()
        at = draw(st.integers(0, flat.size - 1))
        field = draw(st.sampled_from(array.dtype.names or [None]))
        target = flat[field] if field else flat
        if target.dtype.kind in "iu":
            values = [-1, -2, 0, 2**31 - 1, np.iinfo(target.dtype).max, 7, 10**6]
            target[at] = draw(st.sampled_from(values))
        elif target.dtype.kind in "fc":
            target[at] = draw(st.sampled_from([np.nan, np.inf, -1e300, 0.0, 7.5]))
        array = flat.reshape(array.shape)
    elif kind == "shape" and array.size:
        array = array.reshape(-1)[: draw(st.integers(0, array.size - 1))]
    elif array.dtype.names is None and array.dtype.kind in "biuf":
        array = array.astype(draw(st.sampled_from(["<f4", "<i4", "<f8", "|u1"])))
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return {**members, name: buffer.getvalue()}


def _zip(members: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _collector(strategy, prefix, reference, cases):
    """A hypothesis run that writes each drawn file and lists it in ``cases``."""

    @settings(
        max_examples=N_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(strategy)
    def collect(mutated):
        path = prefix.with_name(f"{prefix.name}_{len(cases):04d}.skmrs")
        path.write_bytes(mutated)
        kind = prefix.name.split("_")[-1]
        cases.append({"file": str(path), "kind": kind, "reference": str(reference)})

    return collect


def _mutated_files(originals, folder) -> list[dict]:
    """Hypothesis draws the mutations; each becomes a file for the worker."""
    files, _ = originals
    cases = []
    for name, (data, reference) in files.items():
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = {n: archive.read(n) for n in archive.namelist()}
        for kind, strategy in (
            ("bytes", _byte_damage(data)),
            ("json", _json_rewrite(members).map(_zip)),
            ("array", _array_rewrite(members).map(_zip)),
        ):
            _collector(strategy, folder / f"{name}_{kind}", reference, cases)()
    return cases


def _run_worker(cases, X_path, folder) -> list[tuple[dict, str]]:
    listing = folder / "cases.json"
    listing.write_text(json.dumps(cases))
    result = subprocess.run(
        [sys.executable, "-c", _WORKER, str(listing), str(X_path), str(MEMORY_LIMIT)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    lines = result.stdout.splitlines()
    started = [line.split(" ", 1)[1] for line in lines if line.startswith("START")]
    if result.returncode != 0:
        pytest.fail(
            f"the loading process ended with code {result.returncode} on "
            f"{started[-1] if started else 'its start'}:\n{result.stderr[-3000:]}"
        )
    outcomes = [line.split(" ", 1)[1] for line in lines if line.startswith("RESULT")]
    assert len(outcomes) == len(cases), result.stderr[-3000:]
    return list(zip(cases, outcomes))


def test_mutated_model_files_are_refused_or_load_intact(originals, tmp_path):
    cases = _mutated_files(originals, tmp_path)
    assert len(cases) >= 4 * 3 * N_EXAMPLES * 0.8  # hypothesis drew them all
    results = _run_worker(cases, originals[1], tmp_path)
    bad = []
    for case, outcome in results:
        if not outcome.startswith(("refused", "loaded same")):
            bad.append(f"{case['file']} ({case['kind']}): {outcome}")
    assert bad == [], "\n".join(bad)
    # the mutations reached the checks: most files are refused, some load
    outcomes = [outcome.split()[0] for _, outcome in results]
    assert outcomes.count("refused") > len(cases) / 3
    assert outcomes.count("loaded") > 0


def test_the_worker_sees_a_crash(tmp_path):
    """A file that kills the interpreter fails the test, naming the file."""
    crash = textwrap.dedent(
        """
        import faulthandler, sys
        print("START evil.skmrs", flush=True)
        faulthandler._sigsegv()
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", crash], capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert result.stdout.strip().endswith("evil.skmrs")
