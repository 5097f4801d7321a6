"""Skip the doctests of optional dependencies that are not installed."""

import importlib.util

import pytest

# doctest name prefix -> module it needs
_OPTIONAL_DOCTESTS = {"skmrs.classification._cleanlab.": "cleanlab"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        for prefix, module in _OPTIONAL_DOCTESTS.items():
            if (
                item.name.startswith(prefix)
                and importlib.util.find_spec(module) is None
            ):
                item.add_marker(pytest.mark.skip(reason=f"{module} is not installed"))
