"""What a model file is checked for before anything in it is allocated or indexed.

:func:`skmrs.io.load_model` reads a model file through :class:`_SafeArchive`
(limits on members and sizes, bounded reads, JSON depth, ``.npy`` headers
parsed and checked before the data), and checks what compiled code will
index with: trees (:func:`check_tree_state`, :func:`check_tree_estimators`)
and SVMs. Each skmrs estimator checks its own state as it is rebuilt
(``_skmrs_from_state_``, :class:`~skmrs.utils.ModelStateMixin`). Every
violation is a ``ValueError`` naming the file and the member and ending with
:data:`DAMAGED`.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import re
import zipfile
import zlib

import numpy as np

DAMAGED = "the file is damaged or was not written by skmrs."

#: Most members a model file may have (a forest of 1000 trees has ~3000).
MAX_MEMBERS = 50_000
#: Most uncompressed bytes of ``manifest.json`` and ``model.json``.
MAX_JSON_BYTES = 64 * 2**20
#: Most uncompressed bytes of one ``.npy`` member, and of all members.
MAX_MEMBER_BYTES = 2**30
MAX_TOTAL_BYTES = 2 * 2**30
#: Deepest nesting of ``[`` and ``{`` in a JSON member (skmrs writes < 30).
MAX_JSON_DEPTH = 100
#: Most input points of a model the manifest may declare.
MAX_N_FEATURES = 2**20
#: Ranges of a tree's shape: features, outputs, classes per output, nodes.
_TREE_RANGES = {
    "n_features": (1, 2**24),
    "n_outputs": (1, 1024),
    "n_classes": (1, 2**16),
    "node_count": (0, 2**31 - 1),
}
# dtype kinds an array may have: bool, integers, floats, complex, text
_ARRAY_KINDS = "biufcUS"
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)


def damaged(path, member, problem) -> ValueError:
    """The one error of a bad model file, naming file and member."""
    return ValueError(f"{path}: member {member}: {problem}; {DAMAGED}")


# ------------------------------------------------------------------ archive
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class _SafeArchive:
    """A zip archive whose members are read within stated limits."""

    def __init__(self, archive: zipfile.ZipFile, path):
        self.archive = archive
        self.path = path
        infos = archive.infolist()
        if len(infos) > MAX_MEMBERS:
            raise damaged(
                path, "(archive)", f"{len(infos)} members, more than {MAX_MEMBERS}"
            )
        self.infos = {}
        total = 0
        for info in infos:
            if info.filename in self.infos:
                raise damaged(path, info.filename, "the member name appears twice")
            self.infos[info.filename] = info
            total += info.file_size
        if total > MAX_TOTAL_BYTES:
            raise damaged(
                path,
                "(archive)",
                f"members of {total} bytes in all, more than {MAX_TOTAL_BYTES}",
            )

        self.digests = None

    def __contains__(self, name) -> bool:
        return isinstance(name, str) and name in self.infos

    def expect_digests(self, digests) -> None:
        """Check every member read from now on against its SHA-256 in the manifest.

        The manifest (format version 2) lists every other member, none more.
        """
        if not isinstance(digests, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and _SHA256.match(v)
            for k, v in digests.items()
        ):
            raise damaged(self.path, "manifest.json", "'sha256' is not a checksum list")
        members = set(self.infos) - {"manifest.json"}
        for name in sorted(members ^ set(digests)):
            where = "is not listed" if name in members else "is missing"
            raise damaged(self.path, name, f"the member {where} in the manifest")
        self.digests = digests

    def read(self, name: str, limit: int) -> bytes:
        """The member's bytes; its declared size is checked first, then kept to."""
        info = self.infos[name]
        if info.file_size > limit:
            raise damaged(
                self.path,
                name,
                f"declares {info.file_size} bytes uncompressed, more than "
                f"the limit of {limit}",
            )
        try:
            with self.archive.open(info) as member:
                data = member.read(info.file_size + 1)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            raise damaged(self.path, name, f"cannot be read ({exc})") from None
        except (NotImplementedError, RuntimeError) as exc:  # compression, password
            raise damaged(self.path, name, f"cannot be read ({exc})") from None
        if len(data) != info.file_size:
            raise damaged(
                self.path,
                name,
                f"holds {len(data)} bytes, not the {info.file_size} it declares",
            )
        if self.digests is not None and (
            hashlib.sha256(data).hexdigest() != self.digests[name]
        ):
            raise damaged(self.path, name, "its SHA-256 is not the manifest's")
        return data

    def read_json(self, name: str):
        data = self.read(name, MAX_JSON_BYTES)
        depth = json_depth(data)
        if depth > MAX_JSON_DEPTH:
            raise damaged(
                self.path,
                name,
                f"JSON nested {depth} levels deep, more than {MAX_JSON_DEPTH}",
            )
        try:
            return json.loads(data)
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
            raise damaged(self.path, name, f"not valid JSON ({exc})") from None

    def read_array(self, name: str) -> np.ndarray:
        data = self.read(name, MAX_MEMBER_BYTES)
        stream = io.BytesIO(data)
        dtype = _npy_header(stream, len(data), self.path, name)
        try:
            array = np.lib.format.read_array(stream, allow_pickle=False)
        except ValueError as exc:
            raise damaged(self.path, name, f"not a valid .npy array ({exc})") from None
        if array.dtype != dtype:  # pragma: no cover - read_array keeps the header's
            raise damaged(self.path, name, "the array changed dtype on reading")
        return array


def json_depth(data: bytes) -> int:
    """Deepest nesting of ``[``/``{`` in JSON text, its strings left out."""
    stripped = _JSON_STRING.sub(b'""', data)
    codes = np.frombuffer(stripped, dtype=np.uint8)
    steps = np.zeros(codes.shape, dtype=np.int64)
    steps[(codes == ord("[")) | (codes == ord("{"))] = 1
    steps[(codes == ord("]")) | (codes == ord("}"))] = -1
    return int(np.cumsum(steps).max(initial=0))


def _npy_header(stream, n_bytes: int, path, name: str) -> np.dtype:
    """Parse an ``.npy`` header; check dtype and data size before any reading."""
    fmt = np.lib.format
    try:
        version = fmt.read_magic(stream)
        if version == (1, 0):
            shape, fortran, dtype = fmt.read_array_header_1_0(stream)
        elif version in ((2, 0), (3, 0)):
            shape, fortran, dtype = fmt.read_array_header_2_0(stream)
        else:
            raise ValueError(f"unknown .npy version {version}")
    except (ValueError, TypeError, SyntaxError, EOFError) as exc:
        raise damaged(path, name, f"not a valid .npy array ({exc})") from None
    finally:
        header_end = stream.tell()
    stream.seek(0)
    if dtype.hasobject:
        raise ValueError(
            f"refused: {path} member {name} holds pickled Python objects, which "
            "could run code when read; nothing was unpickled; skmrs model files "
            f"never hold them, so {DAMAGED}"
        )
    _check_dtype(dtype, path, name)
    if any(not isinstance(n, int) or n < 0 for n in shape):
        raise damaged(path, name, f"invalid array shape {shape}")
    n_values = math.prod(shape)
    n_data = n_values * dtype.itemsize
    if n_data != n_bytes - header_end:
        raise damaged(
            path,
            name,
            f"the header declares {n_values} values of {dtype} ({n_data} bytes) "
            f"but the member holds {n_bytes - header_end} bytes of data",
        )
    return dtype


def _check_dtype(dtype: np.dtype, path, name: str) -> None:
    if dtype.fields is None:
        if dtype.kind in _ARRAY_KINDS and dtype.subdtype is None:
            return
        raise damaged(path, name, f"array of dtype {dtype}, which skmrs never writes")
    for field, (sub, *_) in dtype.fields.items():
        # numbered void fields are the padding of an aligned record (tree nodes)
        padding = sub.kind == "V" and sub.fields is None and sub.subdtype is None
        if not (padding or sub.fields is None and sub.kind in "biuf"):
            raise damaged(
                path, name, f"record field {field!r} of dtype {sub} is not allowed"
            )


# ----------------------------------------------------------------- manifest
_MANIFEST_TYPES = {
    "created": (str,),
    "versions": (dict,),
    "estimator": (str,),
    "classes": (list, type(None)),
    "n_features": (int, type(None)),
    "ppm": (list, type(None)),
    "trained_on": (str, type(None)),
    "preprocessing": (dict, type(None)),
    "training_data": (dict, type(None)),
    "metadata": (dict,),
}


def check_manifest(manifest: dict, path) -> None:
    """Every key a reader uses, of its type; the ppm grid finite and of the model's
    length; the preprocessing settings among those a SpectrumPreprocessor takes."""
    where = "manifest.json"
    for key, types in _MANIFEST_TYPES.items():
        if key not in manifest:
            raise damaged(path, where, f"the key {key!r} is missing")
        if not isinstance(manifest[key], types) or isinstance(manifest[key], bool):
            raise damaged(path, where, f"{key!r} is {manifest[key]!r}")
    classes, n_features = manifest["classes"], manifest["n_features"]
    if classes is not None and not all(
        isinstance(c, (str, int, float, bool)) for c in classes
    ):
        raise damaged(path, where, "'classes' holds other values than labels")
    if n_features is not None and not 1 <= n_features <= MAX_N_FEATURES:
        raise damaged(path, where, f"'n_features' is {n_features}")
    ppm = manifest["ppm"]
    if ppm is not None:
        ok = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in ppm)
        if not ok or len(ppm) == 0 or not np.all(np.isfinite(ppm)):
            raise damaged(path, where, "'ppm' is not a list of finite numbers")
        if n_features is not None and len(ppm) != n_features:
            raise damaged(
                path, where, f"'ppm' has {len(ppm)} points, the model {n_features}"
            )
    _check_preprocessing(manifest["preprocessing"], path)


def _check_preprocessing(settings, path) -> None:
    if settings is None:
        return
    from ..preprocessing import SpectrumPreprocessor

    known = set(SpectrumPreprocessor().get_params()) - {
        "spectral_width",
        "centre_frequency",
    }
    unknown = sorted(set(settings) - known)
    if unknown:
        raise damaged(
            path,
            "manifest.json",
            f"unknown preprocessing setting(s) {unknown} (known: {sorted(known)})",
        )


# -------------------------------------------------------------------- trees
def _int_in(value, low: int, high: int) -> bool:
    return (
        isinstance(value, (int, np.integer))
        and not isinstance(value, (bool, np.bool_))
        and low <= value <= high
    )


def check_tree_args(args, path) -> None:
    """``Tree(n_features, n_classes, n_outputs)``: sizes in range, before building."""
    where = "model.json (tree)"
    if not isinstance(args, tuple) or len(args) != 3:
        raise damaged(path, where, "a tree needs (n_features, n_classes, n_outputs)")
    n_features, n_classes, n_outputs = args
    low, high = _TREE_RANGES["n_features"]
    if not _int_in(n_features, low, high):
        raise damaged(
            path, where, f"n_features={n_features!r} is not in [{low}, {high}]"
        )
    low, high = _TREE_RANGES["n_outputs"]
    if not _int_in(n_outputs, low, high):
        raise damaged(path, where, f"n_outputs={n_outputs!r} is not in [{low}, {high}]")
    low, high = _TREE_RANGES["n_classes"]
    if (
        not isinstance(n_classes, np.ndarray)
        or n_classes.dtype.kind not in "iu"
        or n_classes.shape != (n_outputs,)
        or n_classes.min() < low
        or n_classes.max() > high
    ):
        raise damaged(
            path,
            where,
            f"n_classes must be {n_outputs} integer(s) in [{low}, {high}]",
        )


def check_tree_state(args, state, path) -> None:
    """The node and value arrays a tree's compiled code indexes with.

    Children are both the leaf marker -1 or both nodes after their parent
    (so every path ends), features of internal nodes are below
    ``n_features``, thresholds are finite, and ``values`` has one
    ``(n_outputs, max_n_classes)`` block per node.
    """
    where = "model.json (tree)"
    n_features, n_classes, n_outputs = args
    if not isinstance(state, dict):
        raise damaged(path, where, "the tree state is not a mapping")
    node_count = state.get("node_count")
    nodes, values = state.get("nodes"), state.get("values")
    if not _int_in(node_count, *_TREE_RANGES["node_count"]):
        raise damaged(path, where, f"invalid node_count {node_count!r}")
    names = ("left_child", "right_child", "feature", "threshold")
    if (
        not isinstance(nodes, np.ndarray)
        or nodes.dtype.fields is None
        or not set(names) <= set(nodes.dtype.fields)
        or nodes.shape != (node_count,)
    ):
        raise damaged(path, where, f"nodes must be a record array of {node_count}")
    shape = (node_count, n_outputs, int(n_classes.max()))
    if not isinstance(values, np.ndarray) or values.shape != shape:
        raise damaged(path, where, f"values must have shape {shape}")
    if values.dtype.kind != "f" or not np.all(np.isfinite(values)):
        raise damaged(path, where, "values must be finite floats")
    _check_nodes(nodes, node_count, n_features, path, where)


def _check_nodes(nodes, node_count: int, n_features: int, path, where) -> None:
    left, right = nodes["left_child"], nodes["right_child"]
    leaf = left == -1
    if np.any(leaf != (right == -1)):
        raise damaged(path, where, "a node has one child only")
    index = np.arange(node_count)
    inner = ~leaf
    for side, child in (("left", left), ("right", right)):
        bad = inner & ((child <= index) | (child >= node_count))
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            raise damaged(
                path,
                where,
                f"node {k} has {side} child {int(child[k])}, not a node after it "
                f"among the {node_count}",
            )
    feature, threshold = nodes["feature"][inner], nodes["threshold"][inner]
    if np.any((feature < 0) | (feature >= n_features)):
        raise damaged(
            path, where, f"a node splits on a feature not in [0, {n_features})"
        )
    if not np.all(np.isfinite(threshold)):
        raise damaged(path, where, "a node has a threshold that is not finite")


def check_fitted_arrays(model, path) -> None:
    """The arrays compiled code indexes with, against the estimator holding them.

    Each fitted tree (alone or in a forest) matches its estimator's input:
    a forest checks its input once, then hands it to each tree unchecked,
    so every tree must split on the forest's ``n_features_in_`` features.
    Each fitted SVC's support vectors and coefficients agree in number.
    """
    from sklearn.svm import SVC
    from sklearn.tree import DecisionTreeClassifier

    for obj in _walk(model):
        _check_classes(obj, path)
        if isinstance(obj, SVC) and hasattr(obj, "support_vectors_"):
            _check_svc(obj, path)
        trees = (
            getattr(obj, "estimators_", None)
            if hasattr(obj, "n_features_in_")
            else None
        )
        members = [obj] if isinstance(obj, DecisionTreeClassifier) else []
        if isinstance(trees, list) and all(
            isinstance(t, DecisionTreeClassifier) for t in trees
        ):
            members += [(t, obj) for t in trees]
        for member in members:
            tree, owner = member if isinstance(member, tuple) else (member, member)
            _check_tree_estimator(tree, owner, path)


def _check_tree_estimator(tree, owner, path) -> None:
    where = f"model.json ({type(owner).__name__})"
    if not hasattr(tree, "tree_"):
        if owner is not tree:
            raise damaged(path, where, "a tree of the forest is not fitted")
        return
    n_in = getattr(owner, "n_features_in_", None)
    if (
        not _int_in(n_in, 1, _TREE_RANGES["n_features"][1])
        or tree.tree_.n_features != n_in
    ):
        raise damaged(
            path,
            where,
            f"a tree splits {tree.tree_.n_features} features but the model takes "
            f"{n_in!r}",
        )
    classes = getattr(tree, "classes_", None)
    n_classes = tree.tree_.n_classes
    if (
        tree.tree_.n_outputs != 1
        or getattr(tree, "n_outputs_", None) != 1
        or not isinstance(classes, np.ndarray)
        or classes.shape != (int(n_classes[0]),)
    ):
        raise damaged(path, where, "a tree's classes do not match its values")


def _check_classes(obj, path) -> None:
    """Class labels as estimators index them: one-dimensional, distinct, some."""
    attributes = vars(obj) if hasattr(obj, "__dict__") else {}
    for name in ("classes_", "classes"):
        value = attributes.get(name)
        if isinstance(value, np.ndarray) and (
            value.ndim != 1 or value.size == 0 or np.unique(value).size != value.size
        ):
            raise damaged(
                path,
                f"model.json ({type(obj).__name__})",
                f"{name} of shape {value.shape} is not a list of distinct labels",
            )


def check_state_names(state, path) -> None:
    """An estimator's state: a mapping of attribute names."""
    if not isinstance(state, dict) or not all(
        isinstance(k, str) and k.isidentifier() for k in state
    ):
        raise damaged(path, "model.json", "an object state names no attributes")


def _check_svc(svc, path) -> None:
    """What libsvm indexes with: support vectors, their counts, coefficients."""
    where = "model.json (SVC)"
    get = vars(svc).get
    classes, n_in = get("classes_"), get("n_features_in_")
    if not isinstance(classes, np.ndarray) or not _int_in(n_in, 1, 2**24):
        raise damaged(path, where, "classes_ or n_features_in_ is missing")
    k = len(classes)
    sv, n_support = get("support_vectors_"), get("_n_support")
    n_sv = sv.shape[0] if isinstance(sv, np.ndarray) and sv.ndim == 2 else -1
    expected = {
        "support_vectors_": (n_sv, n_in),
        "support_": (n_sv,),
        "_n_support": (k,),
        "_dual_coef_": (k - 1, n_sv),
        "_intercept_": (k * (k - 1) // 2,),
        "class_weight_": (k,),
    }
    for name, shape in expected.items():
        value = get(name)
        if not isinstance(value, np.ndarray) or value.shape != shape:
            raise damaged(path, where, f"{name} must have shape {shape}")
    for name in ("_probA", "_probB"):
        value = get(name)
        if not isinstance(value, np.ndarray) or value.shape not in (
            (0,),
            (k * (k - 1) // 2,),
        ):
            raise damaged(path, where, f"{name} has another shape than the classes")
    if (
        n_support.dtype.kind not in "iu"
        or n_support.min(initial=0) < 0
        or n_support.sum() != n_sv
    ):
        raise damaged(
            path, where, f"_n_support does not count the {n_sv} support vectors"
        )
    if (
        get("kernel") not in ("linear", "poly", "rbf", "sigmoid")
        or get("_sparse") is not False
    ):
        raise damaged(
            path, where, f"kernel {get('kernel')!r} is not a dense kernel skmrs saves"
        )
    if not _int_in(get("degree"), 0, 100) or not np.all(np.isfinite(get("_gamma"))):
        raise damaged(path, where, "degree or gamma out of range")


def _walk(root):
    """Every object reachable from ``root`` through attributes and containers."""
    seen, stack = set(), [root]
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, (str, bytes, int, float, np.ndarray)):
            continue
        seen.add(id(obj))
        yield obj
        if isinstance(obj, dict):
            stack.extend(obj.values())
        elif isinstance(obj, (list, tuple)):
            stack.extend(obj)
        elif hasattr(obj, "__dict__") and not isinstance(obj, type):
            stack.extend(vars(obj).values())
