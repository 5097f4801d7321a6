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
        self.output_dir = Path(output_dir)
        self.fingerprint = fingerprint
        self.folder = self.output_dir / "jobs"
        self.folder.mkdir(parents=True, exist_ok=True)
        self._lock = self.output_dir / ".lock"
        self._acquire()
        try:
            self._check_config()
        except BaseException:
            self.close()
            raise

    def _acquire(self) -> None:
        """Create the lock file, or refuse a folder a living process uses."""
        for _ in range(2):
            try:
                fd = os.open(self._lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                text = self._lock.read_text(errors="replace").strip()
                owner = text.split()[0] if text else ""
                if owner.isdigit() and _pid_alive(int(owner)):
                    raise ValueError(
                        f"{self.output_dir} is in use by another benchmark run "
                        f"(process {owner}, lock file {self._lock}); wait for it "
                        "to end or use another output folder."
                    ) from None
                warnings.warn(
                    f"{self._lock}: a lock left by process {owner or '?'}, which "
                    "no longer runs; taking the folder over.",
                    OutputFolderWarning,
                    stacklevel=3,
                )
                self._lock.unlink(missing_ok=True)
                continue
            with os.fdopen(fd, "w") as fh:
                fh.write(f"{os.getpid()} {socket.gethostname()}\n")
            self._owned = True
            return
        raise ValueError(f"{self._lock} could not be created; is the folder shared?")

    def close(self) -> None:
        """Remove this process's lock file."""
        if getattr(self, "_owned", False):
            self._owned = False
            self._lock.unlink(missing_ok=True)

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
