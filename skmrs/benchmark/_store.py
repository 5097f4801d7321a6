"""The on-disk job store: every finished job saved as it completes."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import uuid
import warnings
import zipfile
from pathlib import Path

import numpy as np

from ._jobs import Job


def fingerprint(models, X, y, groups, n_splits, seeds) -> str:
    """A short hash of everything the results depend on."""
    h = hashlib.sha256()
    for arr in (X, y, groups):
        h.update(np.ascontiguousarray(arr).tobytes())
    h.update(repr(sorted((k, repr(v)) for k, v in models.items())).encode())
    h.update(repr((n_splits, tuple(seeds))).encode())
    return h.hexdigest()[:16]


class OutputFolderWarning(UserWarning):
    """A note on the output folder (damaged record, stale lock): always shown."""


def _atomic_write(path: Path, write) -> None:
    """``write(file)`` to a name unique to this process, then rename onto ``path``.

    Two runs on one folder never share a temporary file, and a run killed
    while writing leaves the old file (or none), never half of one.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(tmp, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


class _Lock:
    """``path`` names the process that uses ``what``, while it does.

    A second process is refused while the first lives; a lock left by a dead
    process is taken over with a warning.
    """

    def __init__(self, path: Path, what: Path) -> None:
        self.path = path
        self.what = what
        self._owned = False

    def acquire(self) -> None:
        """Create the lock file, or refuse what a living process uses."""
        for _ in range(2):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                text = self.path.read_text(errors="replace").strip()
                owner = text.split()[0] if text else ""
                if owner.isdigit() and _pid_alive(int(owner)):
                    raise ValueError(
                        f"{self.what} is in use by another benchmark run "
                        f"(process {owner}, lock file {self.path}); wait for it "
                        "to end or use another output folder."
                    ) from None
                warnings.warn(
                    f"{self.path}: a lock left by process {owner or '?'}, which "
                    f"no longer runs; taking {self.what} over.",
                    OutputFolderWarning,
                    stacklevel=3,
                )
                self.path.unlink(missing_ok=True)
                continue
            with os.fdopen(fd, "w") as fh:
                fh.write(f"{os.getpid()} {socket.gethostname()}\n")
            self._owned = True
            return
        raise ValueError(f"{self.path} could not be created; is the folder shared?")

    def release(self) -> None:
        """Remove the lock file, if this process made it."""
        if self._owned:
            self._owned = False
            self.path.unlink(missing_ok=True)


class JobStore:
    """``output_dir/jobs/<model>__seed<s>__fold<f>.npz``, one file per job.

    A folder that holds jobs of another configuration (another
    ``fingerprint``) is refused. ``output_dir/.lock`` names the process that
    uses the folder: a second run on it is refused while that process lives,
    and a lock left by a dead process is taken over with a warning. A
    ``config.json`` or a job record damaged by a killed run is replaced (the
    job refitted) with a warning.
    """

    def __init__(self, output_dir, fingerprint: str) -> None:
        self.output_dir = self.location = Path(output_dir)
        self.fingerprint = fingerprint
        self.folder = self.output_dir / "jobs"
        self.folder.mkdir(parents=True, exist_ok=True)
        self._lock = _Lock(self.output_dir / ".lock", self.output_dir)
        self._lock.acquire()
        try:
            self._check_config()
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Remove this process's lock file."""
        self._lock.release()

    def _check_config(self) -> None:
        stamp = self.output_dir / "config.json"
        stored = None
        if stamp.exists():
            try:
                stored = json.loads(stamp.read_text())["fingerprint"]
            except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
                warnings.warn(
                    f"{stamp} is damaged (a killed run?): {exc}; it is written "
                    "afresh, and job records of another configuration are refitted.",
                    OutputFolderWarning,
                    stacklevel=3,
                )
        if stored is not None and stored != self.fingerprint:
            raise ValueError(
                f"{self.output_dir} holds results of a different configuration "
                "(data, models, folds or seeds differ): use another folder."
            )
        if stored is None:
            self._config_trusted = False
            text = json.dumps({"fingerprint": self.fingerprint}).encode()
            _atomic_write(stamp, lambda fh: fh.write(text))
        else:
            self._config_trusted = True

    def path(self, job: Job) -> Path:
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in job.model)
        return self.folder / f"{safe}__seed{job.seed}__fold{job.fold}.npz"

    def _read(self, path: Path):
        """A stored job's outputs, or None (with a warning) when damaged."""
        try:
            with np.load(path, allow_pickle=False) as data:
                record = json.loads(str(data["record"]))
                stamp = str(data["fingerprint"]) if "fingerprint" in data else None
                output = (record, data["test"], data["proba"])
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
            reason = f"damaged ({type(exc).__name__}: {exc})"
        else:
            if stamp == self.fingerprint or (stamp is None and self._config_trusted):
                return output
            reason = "of another configuration"
        warnings.warn(
            f"job record {path.name} is {reason}; refitting that job.",
            OutputFolderWarning,
            stacklevel=3,
        )
        path.unlink(missing_ok=True)
        return None

    def load(self, jobs) -> dict:
        """The outputs of the jobs already stored (damaged records dropped)."""
        done = {}
        for job in jobs:
            if self.path(job).exists():
                output = self._read(self.path(job))
                if output is not None:
                    done[job] = output
        return done

    def save(self, job: Job, output) -> None:
        record, test, proba = output
        arrays = {
            "record": json.dumps(record, default=float),
            "fingerprint": self.fingerprint,
            "test": test,
            "proba": proba,
        }
        _atomic_write(self.path(job), lambda fh: np.savez(fh, **arrays))


def task_key(task) -> str:
    """A task's identity in a :class:`TaskStore`: its arguments as JSON."""
    return json.dumps(list(task), sort_keys=True)


class TaskStore:
    """``path``: one JSON line per finished task, appended as each ends.

    A line is the task's record: what ``function(*task)`` returned, with
    ``task`` (its arguments, a list) and ``seconds``. A record holding
    ``error`` is a task that failed: it is run again. A line a killed run
    left half-written is skipped with a warning. Unless ``read_only``,
    ``.<name>.lock`` beside the file names the process that writes it, as
    :class:`JobStore`'s does.
    """

    def __init__(self, path, *, read_only: bool = False) -> None:
        self.path = self.location = Path(path)
        self._lock = _Lock(self.path.with_name(f".{self.path.name}.lock"), self.path)
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._lock.acquire()

    def close(self) -> None:
        """Remove this process's lock file."""
        self._lock.release()

    def records(self) -> dict:
        """The finished tasks' records, by :func:`task_key` (later lines win)."""
        done = {}
        if not self.path.exists():
            return done
        lines = self.path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, 1):
            try:
                record = json.loads(line)
                key = task_key(record["task"])
            except (ValueError, KeyError, TypeError) as exc:
                warnings.warn(
                    f"{self.path}, line {number} is damaged (a killed run?): "
                    f"{exc}; that task is run again.",
                    OutputFolderWarning,
                    stacklevel=3,
                )
                continue
            if "error" not in record:
                done[key] = record
        return done

    def load(self, tasks) -> dict:
        """The records of the tasks already finished, by task."""
        done = self.records()
        return {task: done[task_key(task)] for task in tasks if task_key(task) in done}

    def save(self, task, record) -> None:
        """Append ``record`` as one line (after a half line a killed run left)."""
        line = json.dumps(record) + "\n"
        with open(self.path, "a+b") as fh:
            fh.seek(0, os.SEEK_END)
            if fh.tell():
                fh.seek(-1, os.SEEK_END)
                if fh.read(1) != b"\n":
                    line = "\n" + line
            fh.write(line.encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
