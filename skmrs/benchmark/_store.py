"""The on-disk job store: every finished job saved as it completes."""

from __future__ import annotations

import hashlib
import json
import os
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


class JobStore:
    """``output_dir/jobs/<model>__seed<s>__fold<f>.npz``, one file per job.

    A folder that holds jobs of another configuration (another
    ``fingerprint``) is refused.
    """

    def __init__(self, output_dir, fingerprint: str) -> None:
        self.folder = Path(output_dir) / "jobs"
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = Path(output_dir) / "config.json"
        if stamp.exists():
            if json.loads(stamp.read_text())["fingerprint"] != fingerprint:
                raise ValueError(
                    f"{output_dir} holds results of a different configuration "
                    "(data, models, folds or seeds differ): use another folder."
                )
        else:
            stamp.write_text(json.dumps({"fingerprint": fingerprint}))

    def path(self, job: Job) -> Path:
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in job.model)
        return self.folder / f"{safe}__seed{job.seed}__fold{job.fold}.npz"

    def load(self, jobs) -> dict:
        """The outputs of the jobs already stored."""
        done = {}
        for job in jobs:
            if self.path(job).exists():
                with np.load(self.path(job)) as data:
                    record = json.loads(str(data["record"]))
                    done[job] = (record, data["test"], data["proba"])
        return done

    def save(self, job: Job, output) -> None:
        record, test, proba = output
        path = self.path(job)
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez(tmp, record=json.dumps(record, default=float), test=test, proba=proba)
        os.replace(tmp, path)
