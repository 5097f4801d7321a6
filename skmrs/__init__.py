"""skmrs: brain-tumour detection from 1H MR spectroscopy, the scikit-learn way.

The package implements confidence distillation and mixing augmentation for
deep networks trained on scarce, noisily labelled MR spectra (Lu et al.,
arXiv:2006.12285), a physically grounded simulator of patient cohorts as its
embedded data set, readers for real data, and patient-wise evaluation.
"""

__version__ = "0.5.0"

__all__ = [
    "AttentionMILClassifier",
    "DistillMixClassifier",
    "PatientClassifier",
    "ResNetClassifier",
    "__version__",
]


def __getattr__(name: str):
    """The estimators of ``__all__``, imported on first use (PEP 562).

    ``import skmrs`` and the ``skmrs`` command then start without torch and
    scikit-learn, which they load only when a command or a user needs them.
    """
    if name in __all__ and name != "__version__":
        from . import classification

        return getattr(classification, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
