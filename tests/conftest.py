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
