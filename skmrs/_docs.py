"""Documentation written once: the paper's reference, injected into docstrings."""

from __future__ import annotations

PAPER_REFERENCE = (
    "D. Lu, N. Polomac, I. Gacheva, E. Hattingen, J. Triesch,\n"
    '"Human-Expert-Level Brain Tumor Detection Using Deep Learning with Data\n'
    'Distillation and Augmentation", arXiv:2006.12285, 2020'
)
_MARKER = "<paper>"


def cite_paper(obj):
    """Replace ``<paper>`` in ``obj``'s docstring with :data:`PAPER_REFERENCE`.

    The marker stands after a numpydoc citation label (``.. [1] <paper>.``);
    the reference's continuation lines are indented under the label's text.
    """
    doc = obj.__doc__
    if doc is None or _MARKER not in doc:
        raise ValueError(f"{obj.__name__}'s docstring has no {_MARKER} marker.")
    lines = []
    for line in doc.split("\n"):
        if _MARKER in line:
            indent = " " * (len(line) - len(line.lstrip()) + 3)
            line = line.replace(_MARKER, PAPER_REFERENCE.replace("\n", "\n" + indent))
        lines.append(line)
    obj.__doc__ = "\n".join(lines)
    return obj
