"""``skmrs predict --dask-scheduler``: files and chunks scored on a Dask cluster.

A ``LocalCluster`` in this process (threads, no worker processes) stands for
a cluster; the outputs must be byte for byte those of the local run. Skipped
when ``distributed`` is not installed (the ``dask`` extra).
"""

import numpy as np
import pytest

from skmrs.cli import main
from skmrs.datasets import make_mrs_cohort

distributed = pytest.importorskip("distributed")
dask = pytest.importorskip("dask")

TINY = ["--n-filters", "4", "--n-blocks", "2", "--kernel-size", "5",
        "--max-epochs", "1", "--batch-size", "64"]  # fmt: skip


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        yield cluster


@pytest.fixture
def inputs(tmp_path, write_nifti_mrs, synthetic_fid):
    """Two MRSI files (4 and 3 voxels, one of them empty) and a table of spectra."""
    rng = np.random.default_rng(0)
    scans = tmp_path / "scans"
    scans.mkdir()
    for name, n in (("a.nii.gz", 4), ("b.nii.gz", 3)):
        fids = np.stack([synthetic_fid(1024, shift=0.01 * k) for k in range(n)])
        fids = fids + 0.02 * (
            rng.normal(size=fids.shape) + 1j * rng.normal(size=fids.shape)
        )
        fids[-1] = 0  # a voxel outside the excited volume: flagged empty
        path = write_nifti_mrs(name, fids.astype(np.complex64).reshape(n, 1, 1, -1))
        path.rename(scans / name)
    cohort = make_mrs_cohort(n_patients=4, random_state=5)
    table = tmp_path / "table.npz"
    np.savez(table, X=cohort.data, patient=cohort.groups.astype(str), ppm=cohort.ppm)
    return [str(scans), str(table)]


def test_dask_scores_files_and_chunks_as_the_local_run(
    cluster, inputs, tmp_path, capsys
):
    model = tmp_path / "resnet.skmrs"
    argv = ["train", "--simulated", "--n-patients", "6", "--model", "ResNet", *TINY,
            "--output", str(model), "--no-progress"]  # fmt: skip
    assert main(argv) == 0
    outputs = {}
    for run, extra in (
        ("local", []),
        ("dask", ["--dask-scheduler", cluster.scheduler_address]),
    ):
        out = tmp_path / run / "pred.csv"
        argv = ["predict", str(model), *inputs, "--output", str(out),
                "--chunk-size", "20", *extra]  # fmt: skip
        assert main(argv) == 0, capsys.readouterr().err
        outputs[run] = (
            out.read_bytes(),
            out.with_name("pred_patients.csv").read_bytes(),
        )
    assert outputs["dask"] == outputs["local"]
    text = outputs["local"][0].decode()
    assert text.count("\n") == 1 + 4 + 3 + len(np.load(inputs[1])["X"])
    assert text.count(",empty,") == 2  # the two empty voxels, on the workers too


def test_an_unreachable_scheduler_is_one_error_line(inputs, tmp_path, capsys):
    model = tmp_path / "m.skmrs"
    argv = ["train", "--simulated", "--n-patients", "6", "--model", "RF",
            "--output", str(model), "--no-progress"]  # fmt: skip
    assert main(argv) == 0
    out = tmp_path / "pred.csv"
    argv = ["predict", str(model), inputs[1], "--output", str(out),
            "--dask-scheduler", "tcp://127.0.0.1:1"]  # fmt: skip
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        assert main(argv) == 2
    assert capsys.readouterr().err.startswith("skmrs: error:")
    assert not out.exists()
