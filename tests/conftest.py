"""Shared fixtures: the real-data folder beside the checkout, small settings."""

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(
    os.environ.get("SKMRS_SHARED_DATA", REPO_ROOT.parent / "shared" / "data")
)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Folder of public in-vivo files (``../shared/data``), or skip."""
    if not SHARED_DATA.is_dir():
        pytest.skip(
            f"real-data folder {SHARED_DATA} is absent; set SKMRS_SHARED_DATA "
            "to the folder that holds MANIFEST.md to run this test"
        )
    return SHARED_DATA


def pytest_configure(config):
    """One torch thread per test process.

    With ``pytest -n 2`` on two cores, torch's default of one thread per core
    in every worker oversubscribes the CPU and small networks train up to 25x
    slower; one thread each keeps both cores busy without contention.
    """
    import torch

    torch.set_num_threads(1)
