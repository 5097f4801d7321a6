"""Write the model files of this folder with skmrs 0.2 (format 1).

Run with the skmrs 0.2 sources first on the path (commit 8d5f40d^, the last
commit of version 0.2.0), from any folder::

    git archive 8d5f40d^ skmrs | tar -x -C /tmp/skmrs02
    PYTHONPATH=/tmp/skmrs02 python make_files.py tests/io/data/skmrs_0.2

``tests/io/test_model.py`` loads them with the current skmrs and compares the
probabilities with ``expected.npz``, written here.
"""

import sys
import warnings

import numpy as np


def main(out):
    import skmrs
    from skmrs import DistillMixClassifier, ResNetClassifier
    from skmrs.benchmark import OracleClassifier, default_models
    from skmrs.classification import NoiseAwareClassifier
    from skmrs.io import save_model
    from skmrs.utils import set_random_states

    assert skmrs.__version__.startswith("0.2"), skmrs.__file__
    warnings.simplefilter("ignore")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 32)).astype(np.float32)
    y = np.arange(40) % 2
    X[y == 1, 16] += 3.0
    tiny = dict(
        n_filters=4, n_blocks=2, kernel_size=3, max_epochs=2, batch_size=16,
        device="cpu",
    )  # fmt: skip
    noise = default_models("quick")["Noise"]
    noise.set_params(classifier=ResNetClassifier(**tiny))
    models = {
        "resnet": ResNetClassifier(**tiny, random_state=0),
        "distillmix": DistillMixClassifier(
            **tiny, distill_epochs=1, threshold=0.6, augment_factor=1, random_state=0
        ),
        "noiseaware_nnpu": NoiseAwareClassifier(
            ResNetClassifier(**tiny),
            n_estimators=2,
            loss="nnpu",
            class_prior=0.2,
            random_state=0,
        ),  # fmt: skip
        "noise": set_random_states(noise, 0),
        "svm": default_models("quick")["SVM"],
        "rf": set_random_states(default_models("quick")["RF"], 0).set_params(
            n_estimators=4
        ),
        "oracle": OracleClassifier(ResNetClassifier(**tiny, random_state=0)),
    }
    expected = {"X": X}
    for name, model in models.items():
        model.fit(X, y)
        save_model(model, f"{out}/{name}.skmrs", y=y)
        expected[name] = model.predict_proba(X)
    np.savez(f"{out}/expected.npz", **expected)


if __name__ == "__main__":
    main(sys.argv[1])
