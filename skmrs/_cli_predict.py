"""The scoring loop of ``skmrs predict``: chunks scored here or on Dask, written.

``predictions.csv`` is written chunk by chunk to a temporary file that
replaces the output only when every input has been scored; the patients'
mean probabilities are summed as the chunks go, so memory depends on the
chunk, not on the number of spectra (issue 25). A chunk is scored by
:func:`score_chunk`, in this process (:class:`LocalScorer`) or on the workers
of a Dask cluster (:class:`DaskScorer`): the same function either way, so
the results are the same.
"""

from __future__ import annotations

import contextlib
import csv
import functools
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass
class SpectrumRows:
    """Rows of ``predictions.csv`` for one chunk of spectra, column by column.

    Every field is an array of one value per spectrum; ``label`` is None when
    the input has no labels. Rows of status ``"ok"`` have a spectrum in the
    chunk's array of spectra, in order.
    """

    file: np.ndarray
    index: np.ndarray
    voxel: np.ndarray
    patient: np.ndarray
    label: np.ndarray | None
    status: np.ndarray
    note: np.ndarray

    @property
    def scored(self) -> np.ndarray:
        """Whether each row's spectrum passed the gate and is scored."""
        return self.status == "ok"

    def __len__(self) -> int:
        return len(self.status)


class PredictionWriter:
    """Write ``predictions.csv`` chunk by chunk; sum each patient's probabilities.

    Used as a context manager: the CSV is written to a temporary name and
    replaces ``output`` when the block ends without an error (on an error it
    is removed, and ``output`` is left as it was).

    Parameters
    ----------
    output : path-like
        The per-spectrum CSV.
    classes : array-like
        The model's classes, the order of the probability columns.
    has_labels : bool
        Whether a ``label`` column is written (some input has labels).
    """

    def __init__(self, output, classes, has_labels: bool) -> None:
        self.output = Path(output)
        self.classes = np.asarray(classes)
        self.has_labels = has_labels
        self.proba_columns = [f"proba_{c}" for c in self.classes]
        self.statuses: dict[str, int] = {}
        self._sums: dict[str, np.ndarray] = {}
        self._counts: dict[str, int] = {}

    def __enter__(self) -> PredictionWriter:
        from .io._files import atomic_path

        self.output.parent.mkdir(parents=True, exist_ok=True)
        self._stack = contextlib.ExitStack()
        temporary = self._stack.enter_context(atomic_path(self.output))
        self._fh = self._stack.enter_context(
            open(temporary, "w", newline="", encoding="utf-8")
        )
        self._writer = csv.writer(self._fh)
        header = ["file", "spectrum", "voxel", "patient", *self.proba_columns]
        header += ["predicted"] + (["label"] if self.has_labels else [])
        self._writer.writerow(header + ["status", "note"])
        return self

    def __exit__(self, *exc_info) -> bool:
        self._fh.close()  # before atomic_path renames it
        return self._stack.__exit__(*exc_info)

    @property
    def n_scored(self) -> int:
        return self.statuses.get("ok", 0)

    def add(self, rows: SpectrumRows, proba: np.ndarray, predicted=None) -> None:
        """Write one chunk: ``proba`` holds one row per scored spectrum.

        ``predicted`` (one class per scored spectrum) is the decision of a
        model that does not take the most probable class (a patient model's
        threshold); None takes the most probable.
        """
        scored = rows.scored
        n = len(rows)
        values = np.full((n, len(self.classes) + 1), "", dtype=object)
        if scored.any():
            if predicted is None:
                predicted = self.classes[proba.argmax(axis=1)]
            values[scored, :-1] = np.round(proba, 6).astype(str)
            values[scored, -1] = np.asarray(predicted).astype(str)
            self._add_patients(rows.patient[scored], proba)
        columns = [rows.file, rows.index, rows.voxel, rows.patient, *values.T]
        if self.has_labels:
            columns.append([""] * n if rows.label is None else rows.label)
        self._writer.writerows(zip(*columns, rows.status, rows.note))
        found, first, counts = np.unique(
            rows.status, return_index=True, return_counts=True
        )
        for k in np.argsort(first):  # in the order the rows name them
            status = str(found[k])
            self.statuses[status] = self.statuses.get(status, 0) + int(counts[k])

    def _add_patients(self, patients: np.ndarray, proba: np.ndarray) -> None:
        ids, inverse = np.unique(patients.astype(str), return_inverse=True)
        sums = np.zeros((len(ids), proba.shape[1]))
        np.add.at(sums, inverse, proba)
        counts = np.bincount(inverse, minlength=len(ids))
        for patient, total, count in zip(ids.tolist(), sums, counts.tolist()):
            if patient in self._sums:
                self._sums[patient] += total
                self._counts[patient] += count
            else:
                self._sums[patient] = total
                self._counts[patient] = count

    def patients(self) -> tuple[list[str], list[int], np.ndarray]:
        """Sorted patient ids, their numbers of scored spectra, mean probabilities."""
        ids = sorted(self._sums)
        counts = [self._counts[p] for p in ids]
        mean = np.asarray([self._sums[p] / self._counts[p] for p in ids])
        return ids, counts, mean.reshape(len(ids), len(self.classes))


def given(spectra, rows):
    """A chunk already read (a table's): the spectra and rows as they are."""
    return spectra, rows


def score_chunk(model, produce, arguments, keep_spectra: bool = False):
    """``produce(*arguments)`` -> (spectra, rows), then the model's probabilities.

    ``produce`` reads a chunk (:func:`given` for a table's chunk read by the
    caller; reading and preprocessing a NIfTI-MRS file, which a Dask worker
    then does where the file is). Returns (spectra or None, probabilities
    or None when nothing passed the gate, rows); the spectra are returned
    only with ``keep_spectra`` (class activation maps need them).
    """
    spectra, rows = produce(*arguments)
    proba = model.predict_proba(spectra) if model is not None and len(spectra) else None
    return (spectra if keep_spectra else None), proba, rows


def score_patients(model, chunks) -> tuple[list, object]:
    """A patient model's answers, each patient scored from all its spectra at once.

    ``chunks`` are ``(spectra, None, rows)`` triples read but not scored
    (:func:`score_chunk` without a model); all are read first, since a
    patient's spectra may lie in several chunks or files, so memory grows
    with the input here. Returns one ``(spectra, proba, rows, predicted)``
    per chunk, where every scored spectrum carries its patient's
    probabilities and decision (``model.predict_patients``), and that
    per-patient table (None when no spectrum was scored).
    """
    from .metrics import positive_label

    chunks = [(spectra, rows) for spectra, _, rows in chunks]
    patients = [rows.patient[rows.scored].astype(str) for _, rows in chunks]
    patients = np.concatenate(patients) if patients else np.array([], dtype=str)
    if patients.size == 0:
        return [(spectra, None, rows, None) for spectra, rows in chunks], None
    spectra = np.concatenate([spectra for spectra, _ in chunks if len(spectra)])
    table = model.predict_patients(spectra, groups=patients)
    codes = np.searchsorted(table.patient, patients)
    tumour = table.proba[codes][:, None]
    classes = np.asarray(model.classes_)
    proba = np.where(classes[None, :] == positive_label(classes), tumour, 1 - tumour)
    predicted = table.prediction[codes]
    answers, start = [], 0
    for spectra, rows in chunks:
        part = slice(start, start + len(spectra))
        answers.append((spectra, proba[part], rows, predicted[part]))
        start = part.stop
    return answers, table


def release_free_memory() -> bool:
    """Give the heap's free pages back to the system (glibc ``malloc_trim``).

    Called after each chunk of ``skmrs predict``'s local loop: the next
    chunk's buffers (MBs each) otherwise come from heap pages that small
    objects pin, and the resident set crept up by about 0.3 kB per spectrum
    (issue 25). The loop first fixed glibc's mmap threshold at 256 kB instead,
    which gave every buffer the network allocates a memory map of its own,
    page-faulted anew on each batch: scoring ran 3 times slower (4,000
    instead of 12,000 spectra per CPU second on the quick network). Trimming
    once per chunk keeps the resident set flat at the speed of the untouched
    allocator (``benchmarks/results/scale_notes_v0.4.json``). Returns whether
    it ran (not on other C libraries).
    """
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True


@functools.cache
def _malloc_trim():
    """glibc's ``malloc_trim``, looked up once; None on other C libraries."""
    import ctypes

    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


class LocalScorer:
    """Score chunks in this process, one after the other."""

    def __init__(self, model) -> None:
        self.model = model

    def __enter__(self) -> LocalScorer:
        return self

    def __exit__(self, *exc_info) -> None:
        return None

    def map(self, tasks, keep_spectra: bool = False):
        """:func:`score_chunk` of each ``(produce, arguments)`` task, in order."""
        for produce, arguments in tasks:
            yield score_chunk(self.model, produce, arguments, keep_spectra)
            release_free_memory()


class DaskScorer(LocalScorer):
    """Score chunks on a Dask cluster, at most ``window`` of them at a time.

    The model is sent to every worker once; results come back in the order
    of the tasks, so the output is the local run's.
    """

    def __init__(self, model, address: str, window: int = 4) -> None:
        super().__init__(model)
        self.address = address
        self.window = window

    def __enter__(self) -> DaskScorer:
        try:
            from distributed import Client
        except ImportError as exc:
            raise ImportError(
                "--dask-scheduler needs dask.distributed: pip install 'skmrs[dask]'"
            ) from exc
        self.client = Client(self.address)
        self.remote_model = self.client.scatter(self.model, broadcast=True)
        return self

    def __exit__(self, *exc_info) -> None:
        self.client.close()

    def map(self, tasks, keep_spectra: bool = False):
        pending: deque = deque()
        for produce, arguments in tasks:
            pending.append(
                self.client.submit(score_chunk, self.remote_model, produce,
                                   arguments, keep_spectra, pure=False)
            )  # fmt: skip
            if len(pending) >= self.window:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
