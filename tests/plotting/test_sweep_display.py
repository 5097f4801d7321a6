import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skmrs.plotting import SweepDisplay


@pytest.fixture(scope="module")
def search():
    X, y = make_classification(n_samples=80, random_state=0)
    pipe = Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression())])
    grid = {"clf__C": [0.01, 1.0, 0.1], "clf__fit_intercept": [True, False]}
    return GridSearchCV(pipe, grid, cv=3, scoring="roc_auc").fit(X, y)


def test_from_cv_results_one_line_per_value(search):
    display = SweepDisplay.from_cv_results(
        search.cv_results_,
        param="C",
        line_param="fit_intercept",
        references={"SVM": 0.63, "RF": (0.64, 0.05)},
    )
    assert sorted(display.lines_) == ["False", "True"]
    x, mean = display.lines_["True"].get_data()
    np.testing.assert_allclose(x, [0.01, 0.1, 1.0])  # sorted
    res = search.cv_results_
    rows = [
        i
        for i in np.argsort(res["param_clf__C"].data.astype(float))
        if res["param_clf__fit_intercept"][i]
    ]
    np.testing.assert_allclose(mean, res["mean_test_score"][rows])
    assert display.reference_lines_["SVM"].get_ydata()[0] == 0.63
    assert display.ax_.get_xlabel() == "C"


def test_search_object_and_fixed_params(search):
    display = SweepDisplay.from_cv_results(
        search, param="clf__C", fixed_params={"fit_intercept": True}
    )
    assert list(display.lines_) == ["clf__C"]
    assert len(display.param_values["clf__C"]) == 3


def test_unknown_or_ambiguous_input(search):
    res = search.cv_results_
    with pytest.raises(ValueError, match="'alpha' is not in cv_results"):
        SweepDisplay.from_cv_results(res, param="alpha")
    with pytest.raises(ValueError, match="also varies 'clf__fit_intercept'"):
        SweepDisplay.from_cv_results(res, param="C")
    with pytest.raises(ValueError, match="metric 'f1' is not in cv_results"):
        SweepDisplay.from_cv_results(
            res, param="C", line_param="fit_intercept", metric="f1"
        )
    with pytest.raises(TypeError, match="cv_results must be"):
        SweepDisplay.from_cv_results([1, 2], param="C")
    with pytest.raises(TypeError, match="references must be"):
        SweepDisplay.from_cv_results(
            res, param="C", line_param="fit_intercept", references=[0.6]
        )


def test_from_table_dict_and_dataframe():
    pd = pytest.importorskip("pandas")
    table = {
        "factor": [5, 1, 3, 1, 3, 5],
        "strategy": ["both"] * 3 + ["same"] * 3,
        "mean": [0.70, 0.68, 0.72, 0.66, 0.69, 0.70],
        "std": [0.01] * 6,
    }
    for data in (table, pd.DataFrame(table)):
        display = SweepDisplay.from_table(data, param="factor", line_param="strategy")
        x, mean = display.lines_["both"].get_data()
        np.testing.assert_allclose(x, [1, 3, 5])
        np.testing.assert_allclose(mean, [0.68, 0.72, 0.70])


def test_table_errors():
    with pytest.raises(ValueError, match="no column 'alpha'"):
        SweepDisplay.from_table({"a": [1]}, param="alpha")
    with pytest.raises(ValueError, match="different lengths"):
        SweepDisplay.from_table({"alpha": [1, 2], "mean": [0.5]}, param="alpha")
    with pytest.raises(ValueError, match="several results"):
        SweepDisplay.from_table({"alpha": [1, 1], "mean": [0.5, 0.6]}, param="alpha")
