"""A catalogue of bad and odd inputs across the public entry points.

Each bad input must meet a ValueError, TypeError or OSError raised early, in
the entry point, whose message names the problem (never a torch or numpy
internal error); each odd but valid input must give a correct result.
"""

import gzip

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import KFold

from skmrs import DistillMixClassifier, ResNetClassifier
from skmrs.cli import main
from skmrs.datasets import make_mrs_cohort
from skmrs.io import load_nifti_mrs_dataset, load_spectra_table, read_nifti_mrs
from skmrs.metrics import (
    patient_accuracy_score,
    patient_labels,
    patient_probabilities,
    patient_roc_auc_score,
    sensitivity_score,
    specificity_score,
)
from skmrs.model_selection import cross_validate_patients, patient_splits
from skmrs.preprocessing import SpectrumNormalizer, SpectrumPreprocessor
from skmrs.sampling import ConfidenceDistiller, MixingAugmenter, NoiseAugmenter

pytestmark = pytest.mark.filterwarnings("ignore::skmrs.sampling.DistillationWarning")

TINY = dict(n_filters=4, n_blocks=2, kernel_size=3, max_epochs=1, batch_size=16)
RNG = np.random.default_rng(0)
X = RNG.normal(size=(20, 32)).astype(np.float32)
Y = np.repeat([0, 1], 10)
GROUPS = np.repeat(np.arange(5), 4)


def _classifiers():
    return [
        ResNetClassifier(**TINY, random_state=0),
        DistillMixClassifier(
            ResNetClassifier(**TINY), distill_epochs=1, augment_factor=1, random_state=0
        ),
    ]


def _samplers():
    return [
        MixingAugmenter(random_state=0),
        NoiseAugmenter(random_state=0),
        ConfidenceDistiller(ResNetClassifier(**TINY), epochs=1, random_state=0),
    ]


def _name(estimator):
    return type(estimator).__name__


classifiers = pytest.mark.parametrize("clf", _classifiers(), ids=_name)


# ------------------------------------------------------------------ readers
@pytest.fixture
def svs_file(write_nifti_mrs, synthetic_fid):
    return write_nifti_mrs("svs.nii.gz", synthetic_fid(512).reshape(1, 1, 1, -1))


def test_truncated_gzip_is_not_nifti(tmp_path):
    path = tmp_path / "cut.nii.gz"
    path.write_bytes(gzip.compress(bytes(400))[:40])
    with pytest.raises(ValueError, match="could not be read as NIfTI"):
        read_nifti_mrs(path)


def test_text_file_named_nii_gz_is_not_nifti(tmp_path):
    path = tmp_path / "notes.nii.gz"
    path.write_text("not an image")
    with pytest.raises(ValueError, match="could not be read as NIfTI"):
        read_nifti_mrs(path)


def test_gzipped_text_is_not_nifti(tmp_path):
    path = tmp_path / "text.nii.gz"
    path.write_bytes(gzip.compress(b"not an image" * 100))
    with pytest.raises(ValueError, match="could not be read as NIfTI"):
        read_nifti_mrs(path)


def test_nifti_mrs_cut_in_half_is_called_truncated(svs_file):
    data = svs_file.read_bytes()
    svs_file.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="truncated"):
        read_nifti_mrs(svs_file)


def test_fid_along_the_first_axis_is_refused(write_nifti_mrs, synthetic_fid):
    path = write_nifti_mrs("x.nii.gz", synthetic_fid(512).reshape(512, 1, 1, 1))
    with pytest.raises(ValueError, match=r"dimension 4 \(time\) has 1 point"):
        read_nifti_mrs(path)


def test_folder_given_as_nifti_file(tmp_path):
    with pytest.raises(IsADirectoryError, match="is a folder"):
        read_nifti_mrs(tmp_path)


@pytest.fixture
def table():
    return pd.DataFrame(
        {"patient": ["p1", "p1", "p2", "p2"], "label": [0, 0, 1, 1],
         "ppm_4.19": [0.1, 0.2, 0.3, 0.4], "ppm_4.18": [1.0, 2.0, 3.0, 4.0]}
    )  # fmt: skip


def _write(table, path):
    table.to_csv(path, index=False)
    return path


def test_table_without_label_column(table, tmp_path):
    path = _write(table.drop(columns="label"), tmp_path / "t.csv")
    with pytest.raises(ValueError, match="no label column 'label'"):
        load_spectra_table(path)


def test_table_with_nan_label(table, tmp_path):
    table["label"] = [0, np.nan, 1, 1]
    with pytest.raises(ValueError, match="label column 'label' is empty in row 1"):
        load_spectra_table(_write(table, tmp_path / "t.csv"))


def test_table_with_nan_group(table, tmp_path):
    table["patient"] = ["p1", None, "p2", "p2"]
    with pytest.raises(ValueError, match="group column 'patient' is empty in row 1"):
        load_spectra_table(_write(table, tmp_path / "t.csv"))


def test_table_with_nan_spectrum_value(table, tmp_path):
    table.loc[2, "ppm_4.18"] = np.nan
    with pytest.raises(ValueError, match="NaN or infinite values .*row 2"):
        load_spectra_table(_write(table, tmp_path / "t.csv"))


def test_empty_csv(tmp_path):
    (tmp_path / "t.csv").write_text("")
    with pytest.raises(ValueError, match="could not be read as CSV"):
        load_spectra_table(tmp_path / "t.csv")


def test_table_of_unknown_type(tmp_path):
    (tmp_path / "t.xlsx").write_text("x")
    with pytest.raises(ValueError, match="unsupported file type"):
        load_spectra_table(tmp_path / "t.xlsx")


def test_npz_that_is_not_an_archive(tmp_path):
    (tmp_path / "t.npz").write_bytes(b"garbage")
    with pytest.raises(ValueError, match="could not be read as an NPZ"):
        load_spectra_table(tmp_path / "t.npz")


def test_npz_of_object_arrays(tmp_path):
    np.savez(tmp_path / "t.npz", X=np.array([[1, "a"]], dtype=object))
    with pytest.raises(ValueError, match="could not be read as an NPZ"):
        load_spectra_table(tmp_path / "t.npz")


def test_npz_with_groups_of_another_length(tmp_path):
    np.savez(tmp_path / "t.npz", X=np.ones((3, 4)), label=[0, 1, 1], patient=[1, 2])
    with pytest.raises(ValueError, match="'patient' has shape .* 3 rows"):
        load_spectra_table(tmp_path / "t.npz")


def test_manifest_without_label_column(svs_file, tmp_path):
    pd.DataFrame({"file": [svs_file.name], "patient": ["p1"]}).to_csv(
        tmp_path / "labels.csv", index=False
    )
    with pytest.raises(ValueError, match="no label column 'label'"):
        load_nifti_mrs_dataset(tmp_path, tmp_path / "labels.csv")


def test_manifest_naming_a_missing_file(tmp_path):
    pd.DataFrame({"file": ["absent.nii.gz"], "patient": ["p1"], "label": [0]}).to_csv(
        tmp_path / "labels.csv", index=False
    )
    with pytest.raises(FileNotFoundError, match="named in row 0"):
        load_nifti_mrs_dataset(tmp_path, tmp_path / "labels.csv")


# ----------------------------------------------------------- classifiers
def _fit(estimator):
    """``fit_resample`` of a sampler, ``fit`` of anything else."""
    return getattr(estimator, "fit_resample", None) or estimator.fit


@pytest.mark.parametrize("estimator", _classifiers() + _samplers(), ids=_name)
def test_complex_spectra_are_refused(estimator):
    with pytest.raises(ValueError, match="Complex data not supported: .*FIDs"):
        _fit(estimator)(X + 1j * X, Y)


@classifiers
def test_spectrum_grid_of_another_length_at_predict(clf):
    clf.fit(X, Y)
    with pytest.raises(ValueError, match="X has 30 features, but .* expecting 32"):
        clf.predict(X[:, :30])


@classifiers
def test_complex_spectra_at_predict(clf):
    clf.fit(X, Y)
    with pytest.raises(ValueError, match="Complex data not supported"):
        clf.predict_proba(X.astype(np.complex64))


@classifiers
def test_nan_in_spectra(clf):
    with pytest.raises(ValueError, match="Input X contains NaN"):
        clf.fit(np.where(X > 2, np.nan, X), Y)


@classifiers
def test_labels_of_another_length(clf):
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        clf.fit(X, Y[:-1])


@pytest.mark.parametrize("estimator", _classifiers() + _samplers(), ids=_name)
def test_one_class_only(estimator):
    with pytest.raises(ValueError, match="1 class"):
        _fit(estimator)(X, np.zeros(len(X)))


@classifiers
def test_nan_label(clf):
    with pytest.raises(ValueError, match="Input y contains NaN"):
        clf.fit(X, np.r_[Y[:-1], np.nan])


@classifiers
def test_sparse_spectra(clf):
    with pytest.raises(TypeError, match="dense data is required"):
        clf.fit(sp.csr_matrix(X), Y)


@classifiers
def test_string_labels_come_back_as_given(clf):
    labels = np.where(Y == 1, "tumour", "healthy")
    clf.fit(X, labels)
    assert set(clf.predict(X)) <= {"tumour", "healthy"}
    assert list(clf.classes_) == ["healthy", "tumour"]


def test_spectra_with_a_channel_axis_are_read_as_2d():
    proba_2d = ResNetClassifier(**TINY, random_state=0).fit(X, Y).predict_proba(X)
    clf = ResNetClassifier(**TINY, random_state=0).fit(X[:, None, :], Y)
    np.testing.assert_array_equal(clf.predict_proba(X[:, None, :]), proba_2d)
    with pytest.raises(ValueError, match="one channel per spectrum"):
        clf.predict(np.stack([X, X], axis=1))


# ---------------------------------------------------------------- samplers
def test_mixing_that_would_return_nothing():
    with pytest.raises(ValueError, match="would return no sample"):
        MixingAugmenter(factor=0, keep_original=False).fit_resample(X, Y)


def test_noise_on_constant_spectra_copies_them():
    flat = np.ones((4, 8))
    X_res, y_res = NoiseAugmenter(factor=2, random_state=0).fit_resample(
        flat, np.array([0, 0, 1, 1])
    )
    np.testing.assert_array_equal(X_res, np.ones((12, 8)))
    assert y_res.tolist() == [0, 0, 1, 1] * 3


# ----------------------------------------------------------------- metrics
P = np.array([0.9, 0.8, 0.2, 0.3])
G = np.array([1, 1, 2, 2])


@pytest.mark.parametrize(
    "proba, error, match",
    [
        (np.r_[P[:-1], np.nan], ValueError, "NaN"),
        (np.r_[P[:-1], np.inf], ValueError, "infinity"),
        (np.r_[P[:-1], 1.5], ValueError, r"in \[0, 1\]"),
        (np.r_[P[:-1], -0.1], ValueError, r"in \[0, 1\]"),
        (P + 0j, TypeError, "real probabilities"),
        (np.ones((4, 2, 1)), ValueError, "1-D or 2-D"),
    ],
)
def test_patient_probabilities_refuses_bad_probabilities(proba, error, match):
    with pytest.raises(error, match=match):
        patient_probabilities(proba, G)
    with pytest.raises(error, match=match):
        patient_accuracy_score([1, 1, 0, 0], proba, groups=G)


def test_patient_probabilities_of_nothing():
    with pytest.raises(ValueError, match="empty"):
        patient_probabilities([], groups=[])


def test_groups_as_one_string():
    with pytest.raises(TypeError, match="array of patient ids"):
        patient_roc_auc_score([1, 1, 0, 0], P, groups="ab12")


def test_nan_label_in_patient_labels():
    with pytest.raises(ValueError, match="y_true holds a missing label"):
        patient_labels([0, np.nan, 1], groups=[1, 2, 3])


def test_sensitivity_of_predictions_of_another_length():
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        sensitivity_score([0, 1, 1], [0, 1])
    with pytest.raises(ValueError, match="different lengths"):
        specificity_score([0, 1, 1], [0, 1])


def test_patient_scores_ignore_patient_id_type_and_order():
    y = [1, 1, 0, 0, 1]
    proba = [0.9, 0.7, 0.2, 0.4, 0.6]
    by_int = patient_roc_auc_score(y, proba, groups=[1, 1, 2, 2, 3])
    by_str = patient_roc_auc_score(y, proba, groups=["c", "c", "a", "a", "b"])
    assert by_int == by_str == 1.0


# --------------------------------------------------- splitters and CV
@pytest.fixture(scope="module")
def cohort():
    return make_mrs_cohort(n_patients=8, random_state=0)


def test_kfold_leaks_patients(cohort):
    with pytest.raises(ValueError, match=r"KFold\(.*\) puts patient"):
        cross_validate_patients(
            DummyClassifier(), cohort.data, cohort.target,
            groups=cohort.groups, cv=KFold(4),
        )  # fmt: skip


def test_one_patient_under_cross_validation():
    y = np.r_[np.zeros(5), np.ones(5)]
    with pytest.raises(ValueError, match="at least 2 patients; groups holds 1"):
        cross_validate_patients(
            DummyClassifier(), np.ones((10, 3)), y, groups=np.zeros(10), cv=2
        )


def test_groups_of_another_length(cohort):
    with pytest.raises(ValueError, match="groups has .* entries but there are"):
        patient_splits(2, cohort.data, cohort.target, cohort.groups[:-1])


def test_nan_groups_under_cross_validation(cohort):
    groups = cohort.groups.astype(float)
    groups[3] = np.nan
    with pytest.raises(ValueError, match="missing patient id .* index 3"):
        cross_validate_patients(
            DummyClassifier(), cohort.data, cohort.target, groups=groups, cv=2
        )


def test_nan_labels_under_cross_validation(cohort):
    y = cohort.target.astype(float)
    y[5] = np.nan
    with pytest.raises(ValueError, match="y holds a missing label .* index 5"):
        cross_validate_patients(
            DummyClassifier(), cohort.data, y, groups=cohort.groups, cv=2
        )


def test_regressor_under_cross_validation(cohort):
    with pytest.raises(ValueError, match="classifier with predict_proba"):
        cross_validate_patients(
            LinearRegression(), cohort.data, cohort.target, groups=cohort.groups
        )


def test_one_fold(cohort):
    with pytest.raises(ValueError, match=">= 2 folds"):
        patient_splits(1, cohort.data, cohort.target, cohort.groups)


# ----------------------------------------------------------------- cohort
@pytest.mark.parametrize(
    "params, match",
    [
        (dict(n_patients=0), "n_patients must be >= 1"),
        (dict(n_patients=2.5), "n_patients must be an integer"),
        (dict(n_patients=3, label_noise=2), "label_noise must be <= 1"),
        (dict(n_patients=3, snr=np.nan), "snr must be a finite number"),
    ],
)
def test_bad_cohort_parameters(params, match):
    with pytest.raises(ValueError, match=match):
        make_mrs_cohort(**params)


def test_cohort_of_one_patient():
    cohort = make_mrs_cohort(n_patients=1, random_state=0)
    assert np.unique(cohort.groups).size == 1
    assert cohort.data.shape == (len(cohort.target), 288)


# ---------------------------------------------------------- preprocessing
def test_fids_of_another_length_at_transform(synthetic_fid):
    fids = np.stack([synthetic_fid(512)] * 2)
    pre = SpectrumPreprocessor().fit(fids)
    with pytest.raises(ValueError, match="256 features, but .* expecting 512"):
        pre.transform(fids[:, :256])


def test_one_fid_as_a_1d_array(synthetic_fid):
    with pytest.raises(ValueError, match="Expected 2D array"):
        SpectrumPreprocessor().fit(synthetic_fid(512))


def test_reversed_water_range(synthetic_fid):
    fids = np.stack([synthetic_fid(512)] * 2)
    with pytest.raises(ValueError, match="water_range must be two increasing"):
        SpectrumPreprocessor(water_range=(5.0, 4.4)).fit_transform(fids)


def test_normalizer_given_fids(synthetic_fid):
    with pytest.raises(ValueError, match="Complex data not supported: .*FIDs"):
        SpectrumNormalizer().fit(np.stack([synthetic_fid(64)] * 2))


def test_silent_fids_give_zero_spectra():
    spectra = SpectrumPreprocessor().fit_transform(np.zeros((2, 512), complex))
    assert spectra.shape == (2, 288)
    np.testing.assert_array_equal(spectra, 0.0)


# --------------------------------------------------------------------- CLI
def test_cli_data_pointing_nowhere(tmp_path, capsys):
    assert main(["benchmark", "--data", str(tmp_path / "absent.csv")]) == 2
    err = capsys.readouterr().err
    assert "skmrs: error:" in err and "absent.csv does not exist" in err


def test_cli_data_pointing_at_a_folder(tmp_path, capsys):
    assert main(["benchmark", "--data", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err


def test_cli_data_without_label_column(table, tmp_path, capsys):
    path = _write(table.drop(columns="label"), tmp_path / "t.csv")
    assert main(["benchmark", "--data", str(path), "--models", "SVM"]) == 2
    assert "no label column 'label'" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv, match",
    [
        (["--n-patients", "0"], "n_patients must be >= 1"),
        (["--n-patients", "6", "--n-splits", "1"], ">= 2 folds"),
        (["--n-patients", "6", "--n-splits", "0"], ">= 2 folds"),
    ],
)
def test_cli_bad_sizes(argv, match, capsys, tmp_path):
    argv = ["benchmark", "--models", "SVM", "--output", str(tmp_path), *argv]
    assert main(argv) == 2
    assert match in capsys.readouterr().err


def test_cli_simulate_into_a_missing_folder(tmp_path, capsys):
    out = tmp_path / "absent" / "cohort.npz"
    assert main(["simulate", "--n-patients", "3", "--output", str(out)]) == 2
    assert "No such file or directory" in capsys.readouterr().err


# ------------------------------------ missing patient ids, indices past the end
def test_missing_patient_id_in_patient_context():
    from skmrs.preprocessing import PatientContextTransformer

    X = np.arange(8.0).reshape(4, 2)
    for groups in ([1.0, np.nan, 2.0, np.nan], np.array(["a", None, "b", "b"], object)):
        with pytest.raises(ValueError, match="missing patient id .* at index 1"):
            PatientContextTransformer().fit_transform(X, groups=groups)


def test_missing_patient_id_in_mil_bags():
    from skmrs.classification import NoiseAwareClassifier

    X = np.random.default_rng(0).normal(size=(8, 16)).astype(np.float32)
    y = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    groups = np.array([1, 1, 2, 2, np.nan, np.nan, 3, 3])
    net = ResNetClassifier(n_filters=2, n_blocks=1, kernel_size=3, max_epochs=1)
    clf = NoiseAwareClassifier(net, loss="mil", n_estimators=1, random_state=0)
    with pytest.raises(ValueError, match="groups holds a missing patient id .* 4"):
        clf.fit(X, y, groups=groups)


def test_nan_true_label_gets_no_true_auc():
    from skmrs.benchmark import run_benchmark

    X = np.random.default_rng(0).normal(size=(12, 8))
    y = np.arange(12) % 2
    y_true = y.astype(float)
    y_true[3] = np.nan
    with pytest.raises(ValueError, match="y_true holds a missing true label .* 3"):
        run_benchmark(X, y, np.arange(12) // 2, {"D": DummyClassifier()},
                      n_splits=2, seeds=(0,), y_true=y_true)  # fmt: skip


def test_split_past_the_end_of_X():
    X, y, groups = np.zeros((6, 2)), np.array([0, 1] * 3), np.array([1, 1, 2, 2, 3, 3])
    splits = [(np.array([0, 1]), np.array([2, 60]))]
    with pytest.raises(ValueError, match="split 0: the test part holds index 60, out"):
        patient_splits(splits, X, y, groups)
