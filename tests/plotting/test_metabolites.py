import matplotlib.pyplot as plt
import pytest

from skmrs.plotting import METABOLITE_PPM, mark_metabolites


def test_table_holds_the_paper_metabolites():
    for name in ("Cr", "Ins", "Cho", "NAA", "Glx", "Lip", "Lac", "2HG"):
        assert name in METABOLITE_PPM
    assert METABOLITE_PPM["NAA"] == (2.01,)
    assert all(0.2 < p < 4.2 for ps in METABOLITE_PPM.values() for p in ps)


def test_marks_only_positions_inside_the_axis():
    _, ax = plt.subplots()
    ax.set_xlim(3.5, 1.5)
    artists = mark_metabolites(ax)
    labels = sorted(a.get_text() for a in artists if hasattr(a, "get_text"))
    assert labels == ["2HG", "Cho", "Cr", "Glx", "NAA"]


def test_close_labels_go_on_different_rows():
    _, ax = plt.subplots()
    ax.set_xlim(4.2, 0.2)
    texts = [a for a in mark_metabolites(ax, ["Lip", "Lac"]) if hasattr(a, "get_text")]
    by_name = {}
    for text in texts:
        by_name.setdefault(text.get_text(), []).append(text.get_position())
    lip_13 = next(p for p in by_name["Lip"] if p[0] == 1.30)
    assert lip_13[1] != by_name["Lac"][0][1]


def test_custom_positions_and_unknown_names():
    _, ax = plt.subplots()
    ax.set_xlim(4.2, 0.2)
    assert len(mark_metabolites(ax, {"Ala": 1.47})) == 2
    with pytest.raises(ValueError, match="unknown metabolite"):
        mark_metabolites(ax, ["NAA", "Foo"])
    with pytest.raises(TypeError, match="metabolites must be"):
        mark_metabolites(ax, 3)
