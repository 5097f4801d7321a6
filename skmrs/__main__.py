"""``python -m skmrs``: the ``skmrs`` command."""

import sys

from .cli import main

if __name__ == "__main__":  # pragma: no cover - run as a subprocess in the tests
    sys.exit(main())
