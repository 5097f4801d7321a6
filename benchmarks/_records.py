"""The header every record of ``benchmarks/results`` carries (see its README).

Shared by the benchmark scripts that write records, so that the command,
versions, machine and date are stated the same way everywhere.
"""

from __future__ import annotations

import json
import os
import platform
import shlex
import sys
import time
from pathlib import Path


def machine() -> str:
    """CPU model and cores, and the GPU if torch sees one."""
    import torch

    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    return f"{cpu}, {os.cpu_count()} cores, {gpu}"


def record_header(description: str, *, env: str = "") -> dict:
    """Command (this script's own command line), versions, machine, date."""
    import skmrs
    import skmrs.datasets

    script = Path(sys.argv[0])
    command = " ".join(
        [f"python benchmarks/{script.name}", *(shlex.quote(a) for a in sys.argv[1:])]
    )
    return {
        "command": f"{env} {command}".strip(),
        "skmrs_version": skmrs.__version__,
        "cohort_version": getattr(skmrs.datasets, "COHORT_VERSION", None)
        or ".".join(skmrs.__version__.split(".")[:2]),
        "machine": machine(),
        "date": time.strftime("%Y-%m-%d"),
        "description": description,
    }


def save_record(path, record: dict) -> Path:
    """Write ``record`` as JSON at ``path`` atomically.

    The JSON goes to a temporary file beside ``path`` that then replaces it,
    so an interrupted run leaves the former record whole, never half of a
    new one; the folder is made if it is missing.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(json.dumps(record, indent=1) + "\n")
    os.replace(tmp, path)
    return path
