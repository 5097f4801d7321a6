"""skmrs: brain-tumour detection from 1H MR spectroscopy, the scikit-learn way.

The package implements confidence distillation and mixing augmentation for
deep networks trained on scarce, noisily labelled MR spectra (Lu et al.,
arXiv:2006.12285), a physically grounded simulator of patient cohorts as its
embedded data set, readers for real data, and patient-wise evaluation.
"""

from .classification import DistillMixClassifier, PatientClassifier, ResNetClassifier

__version__ = "0.3.0"

__all__ = [
    "DistillMixClassifier",
    "PatientClassifier",
    "ResNetClassifier",
    "__version__",
]
