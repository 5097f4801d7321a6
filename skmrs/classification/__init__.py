"""Classifiers: the paper's residual CNN and the distillation pipeline.

Each classifier is imported on first use (PEP 562), so that loading a model
file of one network does not import the others' libraries (imbalanced-learn
for the distillation pipeline, for instance): ``skmrs predict`` starts
faster (issue 25).
"""

import importlib

#: public name -> the module that defines it
_MODULES = {
    "DEFAULT_PATIENT_FEATURES": "_patient",
    "AttentionMILClassifier": "_bag",
    "CleanLearningClassifier": "_cleanlab",
    "DistillMixClassifier": "_distillmix",
    "NoiseAwareClassifier": "_noisy",
    "PatientClassifier": "_patient",
    "ResNetClassifier": "_resnet",
    "make_distillmix_pipeline": "_distillmix",
    # not public: a model-file name (``NoiseAwareClassifier``'s network)
    "_PUResNetClassifier": "_noisy",
}

__all__ = [
    "DEFAULT_PATIENT_FEATURES",
    "AttentionMILClassifier",
    "CleanLearningClassifier",
    "DistillMixClassifier",
    "NoiseAwareClassifier",
    "PatientClassifier",
    "ResNetClassifier",
    "make_distillmix_pipeline",
]


def __getattr__(name: str):
    if name in _MODULES:
        value = getattr(importlib.import_module(f".{_MODULES[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
