"""Model files that run no code when they are opened: ``save_model`` / ``load_model``.

A model file is a zip archive of three kinds of members:

- ``manifest.json``: the format version and what a reader needs to trust the
  model (versions, classes, ppm grid, preprocessing, training set, date);
- ``model.json``: the estimator as a tree of JSON nodes. Containers and
  numbers are JSON; an estimator is ``{"__kind__": "object", "type": name,
  "state": ...}`` where ``name`` is a skmrs estimator's model-file name
  (:class:`~skmrs.utils.ModelStateMixin`) or on :data:`TRUSTED_TYPES`, and
  ``state`` is what the estimator's ``_skmrs_state_()`` returned; arrays and
  tensors are references to ``.npy`` members;
- ``arrays/NNNN.npy``: every array, network weights included, read back with
  ``numpy.load(allow_pickle=False)``.

Nothing is unpickled: the only Python objects a file can create are the
JSON values, NumPy arrays of plain dtypes, torch tensors made from them, and
instances of the registered and trusted types: a skmrs estimator is rebuilt
by its own ``_skmrs_from_state_(state)``, which checks its state first; any
other type is built with ``cls.__new__`` and given its state with
``__setstate__``.
"""

from __future__ import annotations

import collections
import datetime
import hashlib
import io
import json
import platform
import zipfile
from pathlib import Path

import numpy as np

from ..utils._model_state import (
    ModelStateMixin,
    registered_model_type,
    registered_model_types,
)
from ._files import atomic_path
from ._model_checks import (
    DAMAGED,
    _SafeArchive,
    check_fitted_arrays,
    check_manifest,
    check_state_names,
    check_tree_args,
    check_tree_state,
    damaged,
)

#: Version of the layout written by :func:`save_model`; files of a larger
#: version are refused by :func:`load_model`. Version 3 (issue 22) stores every
#: skmrs estimator as the state it returns itself; versions 1 (skmrs 0.2) and
#: 2 stored a network's training state in a node of its own, still read.
MODEL_FORMAT_VERSION = 3
_FORMAT_NAME = "skmrs-model"
_KIND = "__kind__"

#: The scikit-learn and imbalanced-learn types a model file may instantiate
#: (the benchmark's rows and the patient stage of ``PatientClassifier`` are
#: made of them; none hands compiled code an index it has not checked, or it
#: is checked in ``_model_checks``): name in the file -> "module:attribute".
#: skmrs's own estimators name themselves (:class:`~skmrs.utils.ModelStateMixin`).
TRUSTED_TYPES = {
    "imblearn.pipeline.Pipeline": "imblearn.pipeline:Pipeline",
    "imblearn.over_sampling.RandomOverSampler": (
        "imblearn.over_sampling:RandomOverSampler"
    ),
    "sklearn.pipeline.Pipeline": "sklearn.pipeline:Pipeline",
    "sklearn.calibration.CalibratedClassifierCV": (
        "sklearn.calibration:CalibratedClassifierCV"
    ),
    "sklearn.calibration._CalibratedClassifier": (
        "sklearn.calibration:_CalibratedClassifier"
    ),
    "sklearn.calibration._SigmoidCalibration": (
        "sklearn.calibration:_SigmoidCalibration"
    ),
    "sklearn.svm.SVC": "sklearn.svm:SVC",
    "sklearn.ensemble.RandomForestClassifier": (
        "sklearn.ensemble:RandomForestClassifier"
    ),
    "sklearn.tree.DecisionTreeClassifier": "sklearn.tree:DecisionTreeClassifier",
    "sklearn.tree._tree.Tree": "sklearn.tree._tree:Tree",
    "sklearn.linear_model.LogisticRegression": (
        "sklearn.linear_model:LogisticRegression"
    ),
    "sklearn.preprocessing.StandardScaler": "sklearn.preprocessing:StandardScaler",
    "sklearn.model_selection.StratifiedKFold": (
        "sklearn.model_selection:StratifiedKFold"
    ),
}


def _trusted_class(name) -> type:
    import importlib

    if isinstance(name, str) and name in TRUSTED_TYPES:
        module, attribute = TRUSTED_TYPES[name].split(":")
        return getattr(importlib.import_module(module), attribute)
    # a skmrs estimator: only the module the name points to is imported
    cls = registered_model_type(name) if isinstance(name, str) else None
    if cls is None:
        registered = registered_model_types()
        raise ValueError(
            f"refused: the model file asks for the type {name!r}, which is not "
            "among the types a skmrs model file may hold "
            f"({', '.join(sorted([*registered, *TRUSTED_TYPES]))}); {DAMAGED}"
        )
    return cls


def _trusted_names() -> dict[type, str]:
    names = {cls: name for name, cls in registered_model_types().items()}
    return {**names, **{_trusted_class(name): name for name in TRUSTED_TYPES}}


# ----------------------------------------------------------------- writing
class _Encoder:
    """Turn an estimator into JSON nodes and a list of arrays."""

    def __init__(self):
        self.arrays: list[np.ndarray] = []
        self.names = _trusted_names()
        # id -> (object, key): an object met twice is written once, then as a
        # reference (the distiller is both a pipeline step and ``distiller_``)
        self.seen: dict[int, tuple[object, int]] = {}

    def _array_ref(self, array: np.ndarray, kind: str) -> dict:
        name = f"arrays/{len(self.arrays):04d}.npy"
        self.arrays.append(np.ascontiguousarray(array))
        return {_KIND: kind, "ref": name}

    def encode(self, obj, where: str = "model"):
        shared = type(obj) in self.names or (
            isinstance(obj, np.ndarray) and not obj.dtype.hasobject
        )
        if not shared:
            return self._encode(obj, where)
        if id(obj) in self.seen:
            return {_KIND: "ref", "id": self.seen[id(obj)][1]}
        key = len(self.seen)
        self.seen[id(obj)] = (obj, key)
        return {**self._encode(obj, where), "id": key}

    def _encode(self, obj, where: str):
        import torch

        if obj is None or isinstance(obj, (bool, int, float, str)):
            return obj
        if isinstance(obj, (np.bool_, np.integer, np.floating)):
            return {_KIND: "scalar", "dtype": obj.dtype.str, "value": obj.item()}
        if isinstance(obj, np.ndarray):
            if obj.dtype.hasobject:
                return self._object_array(obj, where)
            return self._array_ref(obj, "array")
        if isinstance(obj, torch.Tensor):
            return self._array_ref(obj.detach().cpu().numpy(), "tensor")
        if isinstance(obj, torch.device):
            return {_KIND: "device", "value": str(obj)}
        if isinstance(obj, np.random.RandomState):
            return {_KIND: "random_state", "state": self.encode(obj.get_state())}
        if isinstance(obj, list):
            return [self.encode(v, f"{where}[{i}]") for i, v in enumerate(obj)]
        if isinstance(obj, tuple):
            items = [self.encode(v, f"{where}[{i}]") for i, v in enumerate(obj)]
            return {_KIND: "tuple", "items": items}
        if isinstance(obj, dict):
            kind = "odict" if isinstance(obj, collections.OrderedDict) else "dict"
            items = [
                [self.encode(k, where), self.encode(v, f"{where}[{k!r}]")]
                for k, v in obj.items()
            ]
            return {_KIND: kind, "items": items}
        name = self.names.get(type(obj))
        if name is None:
            raise TypeError(
                f"{where} is a {type(obj).__module__}.{type(obj).__qualname__}, "
                "which a skmrs model file cannot hold; it holds the skmrs "
                "estimators and the scikit-learn / imbalanced-learn types of the "
                "benchmark's models and of PatientClassifier's patient stage "
                f"({', '.join(sorted(TRUSTED_TYPES))})."
            )
        if name == "sklearn.tree._tree.Tree":
            _, args, state = obj.__reduce__()
            return {
                _KIND: "tree",
                "type": name,
                "args": self.encode(args, where),
                "state": self.encode(state, where),
            }
        if isinstance(obj, ModelStateMixin):
            state = obj._skmrs_state_()
        else:
            state = obj.__getstate__() if hasattr(obj, "__getstate__") else vars(obj)
        if not isinstance(state, dict):
            raise TypeError(f"{where}: the state of {name} is not a dict.")
        return {_KIND: "object", "type": name, "state": self.encode(state, where)}

    def _object_array(self, array: np.ndarray, where: str) -> dict:
        values = array.ravel().tolist()
        if not all(isinstance(v, (str, int, float, bool)) for v in values):
            raise TypeError(
                f"{where} is an object array holding other values than strings "
                "and numbers; a skmrs model file cannot hold it."
            )
        return {_KIND: "object_array", "shape": list(array.shape), "items": values}


# ----------------------------------------------------------------- reading
class _Decoder:
    """Build objects back from JSON nodes; arrays come from ``read_array``."""

    def __init__(self, read_array, path=None, format_version=MODEL_FORMAT_VERSION):
        self.read_array = read_array
        self.path = path
        self.format_version = format_version
        self.shared: dict[int, object] = {}
        self.n_defined = 0

    def decode(self, node):
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, list):
            return [self.decode(v) for v in node]
        if not isinstance(node, dict) or _KIND not in node:
            raise ValueError(f"malformed node in model.json: {str(node)[:80]!r}.")
        kind = node[_KIND]
        method = getattr(self, f"_decode_{kind}", None)
        if method is None:
            raise ValueError(f"unknown node kind {kind!r} in model.json.")
        if "id" in node and kind != "ref":
            # shared objects are numbered in the order they are written
            if node["id"] != self.n_defined or isinstance(node["id"], bool):
                raise ValueError(f"object number {node['id']!r} out of order.")
            self.n_defined += 1
        obj = method(node)
        if "id" in node:
            self.shared[node["id"]] = obj
        return obj

    def _decode_ref(self, node):
        if node.get("id") not in self.shared:
            raise ValueError(f"model.json refers to an unknown object {node!r}.")
        return self.shared[node["id"]]

    def _decode_scalar(self, node):
        dtype = np.dtype(node["dtype"])
        if dtype.kind not in "biuf":  # what the encoder writes: no void, no object
            raise ValueError(f"a scalar of dtype {dtype} in model.json.")
        return dtype.type(node["value"])

    def _decode_array(self, node):
        return self.read_array(node["ref"])

    def _decode_tensor(self, node):
        import torch

        return torch.from_numpy(self.read_array(node["ref"]).copy())

    def _decode_device(self, node):
        import torch

        return torch.device(node["value"])

    def _decode_random_state(self, node):
        rng = np.random.RandomState()
        rng.set_state(self.decode(node["state"]))
        return rng

    def _decode_tuple(self, node):
        return tuple(self.decode(v) for v in node["items"])

    def _decode_dict(self, node):
        return {self.decode(k): self.decode(v) for k, v in node["items"]}

    def _decode_odict(self, node):
        return collections.OrderedDict(
            (self.decode(k), self.decode(v)) for k, v in node["items"]
        )

    def _decode_object_array(self, node):
        array = np.empty(len(node["items"]), dtype=object)
        array[:] = node["items"]
        return array.reshape(node["shape"])

    def _decode_object(self, node):
        cls = _trusted_class(node["type"])
        state = self.decode(node["state"])
        check_state_names(state, self.path)
        if issubclass(cls, ModelStateMixin):
            return cls._skmrs_from_state_(state)
        obj = cls.__new__(cls)
        if hasattr(obj, "__setstate__"):
            obj.__setstate__(state)
        else:  # sklearn's _CalibratedClassifier
            obj.__dict__.update(state)
        return obj

    def _decode_tree(self, node):
        cls = _trusted_class(_expect(node, "sklearn.tree._tree.Tree"))
        args = self.decode(node["args"])
        check_tree_args(args, self.path)
        state = self.decode(node["state"])
        check_tree_state(args, state, self.path)
        tree = cls(*args)
        tree.__setstate__(state)
        return tree

    def _decode_resnet(self, node):
        """Formats 1 and 2: a network's training state in a ``net`` entry.

        It is handed to the estimator as the ``net_`` entry of its state,
        where format 3 stores it.
        """
        if self.format_version > 2:
            raise ValueError("unknown node kind 'resnet' in model.json.")
        cls = _trusted_class(node.get("type"))
        if not issubclass(cls, ModelStateMixin):
            raise ValueError(f"a 'resnet' node of type {node.get('type')!r}.")
        state = self.decode(node["state"])
        check_state_names(state, self.path)
        if "net" in node:  # a JSON object of nodes
            state["net_"] = {k: self.decode(v) for k, v in node["net"].items()}
        return cls._skmrs_from_state_(state)


def _expect(node: dict, *names: str) -> str:
    _trusted_class(node.get("type"))
    if node.get("type") not in names:
        raise ValueError(
            f"a {node[_KIND]!r} node must be of type {' or '.join(map(repr, names))}."
        )
    return node["type"]


# ------------------------------------------------------------ public API
def _versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    from .. import __version__

    out = {"python": platform.python_version(), "skmrs": __version__}
    for name in ("numpy", "torch", "scikit-learn", "imbalanced-learn"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:  # pragma: no cover - all are dependencies
            out[name] = None
    return out


def _json_value(value):
    """A label or number as JSON (numpy scalars become Python ones)."""
    if isinstance(value, np.generic):
        return value.item()
    return value


def _training_summary(model, y, groups) -> dict | None:
    if y is None and groups is None:
        return None
    summary = {}
    if y is not None:
        y = np.asarray(y)
        classes = getattr(model, "classes_", np.unique(y))
        summary["n_spectra"] = int(len(y))
        summary["n_per_class"] = {
            str(_json_value(c)): int(np.sum(y == c)) for c in classes
        }
    if groups is not None:
        summary["n_patients"] = int(np.unique(np.asarray(groups)).size)
    return summary


def _preprocessing_record(preprocessing) -> dict | None:
    if preprocessing is None:
        return None
    from ..preprocessing import SpectrumPreprocessor

    if not isinstance(preprocessing, SpectrumPreprocessor):
        raise TypeError(
            "preprocessing must be a SpectrumPreprocessor (the settings the "
            f"training FIDs went through) or None; got {preprocessing!r}."
        )
    params = preprocessing.get_params()
    # acquisition parameters come from each file, not from the model
    for name in ("spectral_width", "centre_frequency"):
        params.pop(name)
    return {
        name: list(map(float, value)) if isinstance(value, (tuple, list)) else value
        for name, value in params.items()
    }


def _n_features(model) -> int | None:
    """Input length of a fitted model (of its last step for a pipeline)."""
    for step in (model, getattr(model, "steps", [[None, None]])[-1][-1]):
        try:
            return int(step.n_features_in_)
        except AttributeError:
            continue
    return None


def _device_of(model) -> str | None:
    devices = set()

    def visit(obj):
        device = getattr(obj, "device_", None)
        if device is not None:
            devices.add(str(device))
        if hasattr(obj, "get_params"):
            for value in vars(obj).values():
                if hasattr(value, "get_params"):
                    visit(value)
                elif isinstance(value, (list, tuple)):
                    for item in value:
                        visit(item[-1] if isinstance(item, tuple) else item)

    visit(model)
    return ", ".join(sorted(devices)) or None


def save_model(
    model,
    path,
    *,
    ppm=None,
    preprocessing=None,
    y=None,
    groups=None,
    **metadata,
) -> Path:
    """Write a fitted model to a file that runs no code when it is opened.

    The file is a zip archive: a JSON manifest, the estimator as a tree of
    JSON nodes whose types must be on a fixed list (the skmrs estimators and
    the scikit-learn / imbalanced-learn types of the benchmark's models), and
    every array, network weights included, as ``.npy`` members read back
    without pickle. See :func:`load_model`.

    Parameters
    ----------
    model : estimator object
        A fitted :class:`~skmrs.ResNetClassifier`,
        :class:`~skmrs.DistillMixClassifier` (with its fitted pipeline), any
        other skmrs estimator, or one of the benchmark's rows
        (:func:`skmrs.benchmark.default_models`: the SVM, the random forest,
        the noise-augmentation pipeline). Unfitted estimators are saved too.
    path : str or path-like
        File to write (``.skmrs`` by convention); replaced if it exists, in
        one step: the file is written under a temporary name in the same
        folder, then renamed, so an interrupted write leaves no half file.
    ppm : array-like of shape (n_points,) or None, default=None
        Chemical shift of each input point of the model, recorded so that
        spectra on another grid can be refused.
    preprocessing : SpectrumPreprocessor or None, default=None
        How the training FIDs were turned into spectra; its parameters
        (without ``spectral_width`` and ``centre_frequency``, which belong
        to each file) are recorded so that new FIDs get the same treatment.
    y : array-like of shape (n_samples,) or None, default=None
        The training labels, to record the number of spectra per class.
    groups : array-like of shape (n_samples,) or None, default=None
        The training patients, to record their number.
    **metadata : JSON-serialisable values
        Anything else to keep in the manifest (``source="..."``).

    Returns
    -------
    path : pathlib.Path
        The file written.

    Raises
    ------
    TypeError
        If the model holds an object of a type a model file cannot hold
        (it is then not written), or ``metadata`` is not JSON-serialisable.
    ValueError
        If ``ppm`` has another length than the model's input, or values
        that are not finite.

    See Also
    --------
    load_model : Read the model back.
    read_model_info : Read only the manifest.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import numpy as np
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> from skmrs.io import load_model, read_model_info, save_model
    >>> X = np.random.default_rng(0).normal(size=(20, 4))
    >>> y = np.arange(20) % 2
    >>> forest = RandomForestClassifier(n_estimators=3, random_state=0).fit(X, y)
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "forest.skmrs"
    >>> _ = save_model(forest, path, y=y, groups=np.arange(20) // 2)
    >>> bool(np.all(load_model(path).predict_proba(X) == forest.predict_proba(X)))
    True
    >>> read_model_info(path)["training_data"]
    {'n_spectra': 20, 'n_per_class': {'0': 10, '1': 10}, 'n_patients': 10}
    """
    path = Path(path)
    n_features = _n_features(model)
    ppm_record = None
    if ppm is not None:
        ppm = np.asarray(ppm, dtype=float).ravel()
        if ppm.size == 0 or not np.all(np.isfinite(ppm)):
            raise ValueError(
                "ppm must hold the finite chemical shift of every input point; "
                f"got {ppm.size} values, {int(np.sum(~np.isfinite(ppm)))} of them "
                "NaN or infinite."
            )
        if n_features is not None and len(ppm) != n_features:
            raise ValueError(
                f"ppm has {len(ppm)} points but the model takes {n_features}."
            )
        ppm_record = ppm.tolist()
    classes = getattr(model, "classes_", None)
    manifest = {
        "format": _FORMAT_NAME,
        "format_version": MODEL_FORMAT_VERSION,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec="seconds"
        ),
        "versions": _versions(),
        "estimator": type(model).__name__,
        "classes": None if classes is None else [_json_value(c) for c in classes],
        "n_features": n_features,
        "ppm": ppm_record,
        "trained_on": _device_of(model),
        "preprocessing": _preprocessing_record(preprocessing),
        "training_data": _training_summary(model, y, groups),
        "metadata": metadata,
    }
    encoder = _Encoder()
    members = {"model.json": json.dumps(encoder.encode(model)).encode()}
    for i, array in enumerate(encoder.arrays):
        buffer = io.BytesIO()
        np.save(buffer, array, allow_pickle=False)
        members[f"arrays/{i:04d}.npy"] = buffer.getvalue()
    # format 2: every member's SHA-256, checked before the member is parsed
    manifest["sha256"] = {k: hashlib.sha256(v).hexdigest() for k, v in members.items()}
    try:
        manifest_text = json.dumps(manifest, indent=1)
    except TypeError as exc:
        raise TypeError(f"metadata must be JSON-serialisable: {exc}") from exc
    with atomic_path(path) as temporary:
        with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("manifest.json", manifest_text)
            for name, data in members.items():
                zf.writestr(name, data)
    return path


def _open(path) -> zipfile.ZipFile:
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(
            f"Model file {path} is a folder; give the .skmrs file written by "
            "skmrs.io.save_model or `skmrs train`."
        )
    if not path.is_file():
        raise FileNotFoundError(f"Model file {path} does not exist.")
    if not zipfile.is_zipfile(path):
        raise ValueError(
            f"{path} is not a skmrs model file (not a zip archive); skmrs never "
            "opens models with pickle. Write models with skmrs.io.save_model or "
            "`skmrs train`."
        )
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, ValueError, EOFError, OSError) as exc:
        raise damaged(path, "(archive)", f"a damaged zip archive ({exc})") from None


def _manifest(archive: _SafeArchive, path) -> dict:
    if "manifest.json" not in archive:
        raise ValueError(
            f"{path} is a zip archive but not a skmrs model file: it has no "
            "manifest.json."
        )
    manifest = archive.read_json("manifest.json")
    if not isinstance(manifest, dict) or manifest.get("format") != _FORMAT_NAME:
        raise ValueError(
            f"{path} is not a skmrs model file: its manifest does not say "
            f"format {_FORMAT_NAME!r}."
        )
    version = manifest.get("format_version")
    if not isinstance(version, int) or version < 1:
        raise damaged(path, "manifest.json", f"invalid format_version {version!r}")
    if version > MODEL_FORMAT_VERSION:
        versions = manifest.get("versions")
        written_by = (
            versions.get("skmrs", "a newer skmrs")
            if isinstance(versions, dict)
            else "a newer skmrs"
        )
        raise ValueError(
            f"{path} has model-file format version {version}, written by skmrs "
            f"{written_by}; this skmrs reads versions up to {MODEL_FORMAT_VERSION}. "
            "Upgrade skmrs to open it."
        )
    check_manifest(manifest, path)
    return manifest


def read_model_info(path) -> dict:
    """Read the manifest of a model file, without loading the model.

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`save_model`.

    Returns
    -------
    info : dict
        ``format_version``, ``created`` (UTC, ISO 8601), ``versions``
        (skmrs, torch, numpy, scikit-learn, imbalanced-learn, Python),
        ``estimator``, ``classes``, ``n_features``, ``ppm``, ``trained_on``
        (the networks' device), ``preprocessing``, ``training_data``
        (spectra per class, patients) and ``metadata``.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is not a skmrs model file, or has a newer format version.

    Examples
    --------
    See :func:`save_model`.
    """
    with _open(path) as archive:
        return _manifest(_SafeArchive(archive, path), path)


def load_model(path):
    """Read a model written by :func:`save_model`; no code in the file runs.

    Arrays are read with ``numpy.load(allow_pickle=False)``, estimators are
    built only from the types on a fixed list, and networks are rebuilt from
    their recorded parameters and given their weights. A network trained on
    a GPU loads on a CPU-only machine (with a warning) and predicts there.

    Parameters
    ----------
    path : str or path-like
        A ``.skmrs`` file.

    Returns
    -------
    model : estimator object
        The estimator, fitted as it was saved.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    IsADirectoryError
        If ``path`` is a folder.
    ValueError
        If the file is not a skmrs model file (a pickle, say), is damaged,
        has a newer format version, names a type that is not on the list,
        or holds an array with pickled objects: such files are refused
        before anything in them is run. Also if a member breaks a limit or
        a consistency check made before anything is allocated or indexed
        (sizes, JSON depth, array headers, network and tree shapes; see
        ``docs/models.rst``): the message names the file and the member and
        ends "the file is damaged or was not written by skmrs."

    See Also
    --------
    save_model : Write a model.
    read_model_info : The manifest only.

    Examples
    --------
    See :func:`save_model`.
    """
    with _open(path) as archive:
        safe = _SafeArchive(archive, path)
        manifest = _manifest(safe, path)
        if manifest["format_version"] >= 2:  # version 1 (skmrs 0.2) had none
            safe.expect_digests(manifest.get("sha256"))
        if "model.json" not in safe:
            raise damaged(path, "model.json", "the model file has no model.json")
        tree = safe.read_json("model.json")

        def read_array(name):
            if name not in safe:
                raise damaged(path, "model.json", f"refers to a missing {name!r}")
            return safe.read_array(name)

        try:
            model = _Decoder(read_array, path, manifest["format_version"]).decode(tree)
        except ValueError as exc:
            if DAMAGED in str(exc) or str(exc).startswith("refused"):
                raise
            raise damaged(path, "model.json", str(exc).rstrip(".")) from None
        except (
            KeyError,
            TypeError,
            AttributeError,
            IndexError,
            RuntimeError,
            OverflowError,
            RecursionError,
        ) as exc:
            raise damaged(path, "model.json", f"malformed ({exc!r})") from None
    check_fitted_arrays(model, path)
    return model
