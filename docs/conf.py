"""Sphinx configuration of the skmrs documentation.

Build with warnings as errors (this runs every example of the gallery)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

``-D plot_gallery=0`` skips running the examples (a quick check of the text).
"""

import os
import re
import sys
from pathlib import Path

# The examples train small networks; on a shared CPU one thread per library
# is much faster than oversubscribed OpenMP pools. Set before numpy, torch
# and scikit-learn are imported by the gallery; an exported value wins.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "docs" / "_ext"))

import skmrs  # noqa: E402

project = "skmrs"
author = "the skmrs developers"
copyright = "2025, the skmrs developers"
release = skmrs.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "skmrs_records",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "**.ipynb_checkpoints"]
default_role = "literal"
# No glossary here: scikit-learn's ``:term:`fit``` etc. in docstrings stay text.
suppress_warnings = ["ref.term"]

# -- API reference ----------------------------------------------------------
autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": False}
autodoc_typehints = "none"  # numpydoc writes the types from the docstrings
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# -- Figures from records ----------------------------------------------------
# ``.. record-table::``, ``.. record-source::`` and the role ``:record:`` (one
# figure in the text) render measured figures from the JSON records of
# benchmarks/results/ (docs/_ext/skmrs_records.py). A record
# measured on an older cohort than its page describes gets a generated note;
# "error" makes it a warning, so a -W build fails instead.
records_stale = "note"

# -- HTML -------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"skmrs {release}"
html_static_path = ["_static"]
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 6,
}
html_sidebars = {"install": [], "quickstart": []}

# -- Gallery ----------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": ["../examples"],
    "gallery_dirs": ["auto_examples"],
    "filename_pattern": r"/plot_",
    # Titles start with "Figure N:", so the paper's figures come in order.
    "within_subsection_order": "ExampleTitleSortKey",
    "backreferences_dir": "gen_modules/backreferences",
    "doc_module": ("skmrs",),
    "download_all_examples": False,
    "remove_config_comments": True,
    "show_memory": False,
    "matplotlib_animations": False,
    "abort_on_example_error": False,
    "only_warn_on_example_error": False,
}


# -- API coverage -------------------------------------------------------------
def _documented_names(api_rst: Path) -> set[tuple[str, str]]:
    """(module, name) of every autosummary entry of api.rst."""
    names, module, in_summary = set(), None, False
    for line in api_rst.read_text().splitlines():
        stripped = line.strip()
        if stripped.startswith(".. currentmodule::"):
            module = stripped.split("::", 1)[1].strip()
        elif stripped.startswith(".. autosummary::"):
            in_summary = True
        elif in_summary and line.startswith("   ") and stripped:
            if not stripped.startswith(":"):
                names.add((module, stripped))
        elif stripped and not line.startswith(" "):
            in_summary = False
    return names


def _check_api_coverage(app):
    """Warn (an error under -W) when a public name is missing from api.rst."""
    import importlib
    import inspect
    import pkgutil

    from sphinx.util import logging

    logger = logging.getLogger(__name__)
    documented = _documented_names(Path(app.srcdir) / "api.rst")
    objects = set()
    for module, name in documented:
        obj = getattr(importlib.import_module(module), name, None)
        if obj is None:
            logger.warning(f"api.rst lists {module}.{name}, which does not exist")
        elif inspect.isclass(obj) or inspect.isfunction(obj):
            objects.add(id(obj))
    modules = ["skmrs"] + [
        f"skmrs.{info.name}"
        for info in pkgutil.iter_modules(skmrs.__path__)
        if not info.name.startswith("_") and info.name != "cli"
    ]
    for module in modules:
        mod = importlib.import_module(module)
        for name in getattr(mod, "__all__", []):
            if name.startswith("__") or (module, name) in documented:
                continue
            obj = getattr(mod, name)
            if (inspect.isclass(obj) or inspect.isfunction(obj)) and id(obj) in objects:
                continue
            logger.warning(f"{module}.{name} is public but missing from api.rst")


def _skip_metadata_requests(app, what, name, obj, skip, options):
    """Leave out scikit-learn's generated ``set_*_request`` methods."""
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return None


_SHAPE = re.compile(r"shape \(([^)]*)\)")
_TRAILING_UNDERSCORE = re.compile(r"(?<![`\w])([A-Za-z]\w*_)(?![`\w])")


def _quote_fitted_shapes(app, what, name, obj, options, lines):
    """Write ``(n_features_in_,)`` in types as code, not as a reST reference.

    scikit-learn spells these with backticks; a plain trailing underscore is
    a reference to an unknown target in reST.
    """
    for i, line in enumerate(lines):
        lines[i] = _SHAPE.sub(
            lambda m: "shape (" + _TRAILING_UNDERSCORE.sub(r"``\1``", m.group(1)) + ")",
            line,
        )


def setup(app):
    app.connect("autodoc-process-docstring", _quote_fitted_shapes, priority=100)
    app.connect("builder-inited", _check_api_coverage)
    app.connect("autodoc-skip-member", _skip_metadata_requests)
