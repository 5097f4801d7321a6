"""Figures from records: every record is complete, every page cites a real one.

The records are the JSON files of ``benchmarks/results/`` (format:
``benchmarks/results/README.md``); the docs render them with the
``record-table`` and ``record-source`` directives and the ``:record:`` role
(one figure in the text) of ``docs/_ext/skmrs_records.py``.
"""

import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "docs" / "_ext"))

import skmrs_records as rec  # noqa: E402

# at any indentation (a directive may sit in a list item); its options are
# indented 3 more spaces than the directive
DIRECTIVE = re.compile(r"^( *)\.\. record-(table|source):: *(\S+) *$")
OPTION = re.compile(r"^ *:([\w-]+):(.*)$")


def _records():
    """Every record under benchmarks/results: JSON files and folder records."""
    base = rec.RECORDS_DIR
    if not base.is_dir():
        return []
    files = [p for p in base.rglob("*.json") if p.parent == base]
    folders = [p.parent for p in base.rglob(rec.FOLDER_HEADER) if p.parent != base]
    return sorted(files + folders)


def _citations():
    """(page, directive, record name, options) of every directive in docs/."""
    found = []
    for page in sorted((ROOT / "docs").glob("*.rst")):
        lines = page.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            match = DIRECTIVE.match(line)
            if not match:
                continue
            indent, options = match.group(1) + "   ", {}
            for following in lines[i + 1 :]:
                opt = OPTION.match(following)
                if not (opt and following.startswith(indent + ":")):
                    break
                options[opt.group(1)] = opt.group(2).strip()
            found.append((page.name, match.group(2), match.group(3), options))
    return found


RECORDS = _records()
CITATIONS = _citations()


@pytest.mark.parametrize(
    "path", RECORDS or [None], ids=lambda p: p.name if p else "none"
)
def test_record_is_complete(path):
    if path is None:
        pytest.skip("no record committed under benchmarks/results yet")
    record = rec.load_record(path)
    assert rec.check_record(record) == [], path
    current = rec.version_key(rec.current_cohort_version())
    assert rec.version_key(record["cohort_version"]) <= current, (
        f"{path} claims a cohort newer than this skmrs's"
    )
    if path.is_dir():
        assert isinstance(record.get("wall_s"), (int, float)), f"{path}: no wall_s"


@pytest.mark.parametrize(
    "page, kind, name, options",
    CITATIONS or [(None, None, None, None)],
    ids=lambda v: str(v) if isinstance(v, str) else "",
)
def test_page_cites_a_record_that_renders(page, kind, name, options):
    if page is None:
        pytest.skip("no page cites a record yet")
    record = rec.load_record(rec.record_path(name), options.get("rows", "folds"))
    assert rec.check_record(record) == [], f"{page} cites {name}"
    if kind == "table":

        def split(key):
            return [s.strip() for s in options.get(key, "").split(",") if s.strip()]

        rec.render_table(
            record,
            split("columns"),
            group_by=split("group-by"),
            headers=split("headers") or None,
            where=rec._parse_where(options.get("where", "")),
            digits=split("digits") or 3,
            count="count" in options,
            pivot=options.get("pivot") or None,
            signed="signed" in options,
            minus=options.get("minus") or None,
            match=split("match"),
        )
    if record.get("transcribed_from"):
        # figures copied from a page: say from which commit, and how to re-measure
        assert re.search(r"\b[0-9a-f]{7,40}\b", record["transcribed_from"]), name


def _record(tmp_path, cohort="0.2", rows=None, **extra):
    rows = rows or [
        {"variant": "default", "model": "SVM", "fold": f, "auc": a}
        for f, a in enumerate([0.6, 0.7])
    ] + [{"variant": "default", "model": "RF", "fold": 0, "auc": 0.5}]
    data = {
        "command": "python benchmarks/bench_calibration.py",
        "skmrs_version": "0.2.0",
        "cohort_version": cohort,
        "machine": "AMD EPYC, 2 cores",
        "date": "2026-12-01",
        "rows": rows,
        **extra,
    }
    path = tmp_path / "calib.json"
    path.write_text(json.dumps(data))
    return path


def test_render_table_groups_mean_sd(tmp_path):
    record = rec.load_record(_record(tmp_path))
    text = rec.render_table(record, ["auc"], group_by=["model"], count=True)
    assert "* - model\n     - auc\n     - n" in text
    assert "* - SVM\n     - 0.650 ± 0.050\n     - 2" in text
    assert "* - RF\n     - 0.500\n     - 1" in text
    one = rec.render_table(record, ["model", "auc"], where={"fold": "1"})
    assert "* - SVM\n     - 0.700" in one and "RF" not in one
    with pytest.raises(ValueError, match="no column"):
        rec.render_table(record, ["tissue_auc"])


def test_render_table_transcribed_summaries_pivot_and_digits(tmp_path):
    rows = [
        {"cohort": "pure", "model": m, "seed": 0, "fold": f, "auc": a,
         "auc_sd": 0.01, "note": "load"}
        for m, a0 in [("plain", 0.5), ("mixing", -0.25)]
        for f, a in enumerate([a0, a0 + 0.125])
    ]  # fmt: skip
    record = rec.load_record(_record(tmp_path, rows=rows))
    # two fields of one row as "mean ± sd"; text columns as they are
    text = rec.render_table(
        record, ["auc+-auc_sd", "note"], group_by=["model"], where={"fold": "0"},
        digits=[2, 0],
    )  # fmt: skip
    assert "* - plain\n     - 0.50 ± 0.01\n     - load" in text
    with pytest.raises(ValueError, match="one row per cell"):
        rec.render_table(record, ["auc+-auc_sd"], group_by=["model"])
    with pytest.raises(ValueError, match="no column"):
        rec.render_table(record, ["auc+-tissue_sd"])
    with pytest.raises(ValueError, match="2 numbers for 1 columns"):
        rec.render_table(record, ["auc"], digits=[1, 2])
    # one column per fold, signed differences
    wide = rec.render_table(
        record, ["auc", "auc_sd"], group_by=["model"], pivot="fold", signed=True
    )
    assert "* - model\n     - fold 0\n     - fold 1\n" in wide
    assert "* - mixing\n     - -0.250/+0.010\n     - -0.125/+0.010" in wide
    # each row minus the plain network's on the same fold; alternatives in :where:
    diff = rec.render_table(
        record, ["auc"], group_by=["model"], where={"model": "mixing|plain"},
        minus="model=plain", match=["fold"], pivot="fold", signed=True,
    )  # fmt: skip
    assert "* - plain\n     - +0.000\n     - +0.000" in diff
    assert "* - mixing\n     - -0.750\n     - -0.750" in diff
    by_fold = rec.render_table(
        record, ["fold", "auc"], where={"model": "mixing"}, minus="model=plain",
        match=["fold"],
    )  # fmt: skip
    assert "* - 1\n     - -0.750" in by_fold  # the fold shown, not subtracted
    with pytest.raises(ValueError, match="no row model=oracle"):
        rec.render_table(record, ["auc"], minus="model=oracle", match=["fold"])
    with pytest.raises(ValueError, match=":match:"):
        rec.render_table(record, ["auc"], minus="model=plain")
    # two reference rows for one fold (two cohorts): refused, not paired by chance
    twice = {**record, "rows": record["rows"] + [
        dict(r, variant="other") for r in record["rows"]]}  # fmt: skip
    with pytest.raises(ValueError, match="several rows model=plain"):
        rec.render_table(twice, ["auc"], minus="model=plain", match=["fold"])


def test_provenance_of_transcribed_and_cohort_free_records(tmp_path):
    record = rec.load_record(
        _record(
            tmp_path,
            cohort="0.1",
            uses_cohort=False,
            transcribed_from="docs/resnet.rst at commit 2156cbf",
        )
    )
    line = rec.provenance(record)
    assert "no simulated cohort" in line and "cohort 0.1" not in line
    assert line.endswith("transcribed from docs/resnet.rst at commit 2156cbf.")
    assert rec.stale_note(record, "0.3") is None  # random spectra: never stale
    old = {"cohort_version": "0.2", "command": "python a.py --out x.jsonl",
           "rerun_command": "python a.py --output x"}  # fmt: skip
    assert "``python a.py --output x``" in rec.stale_note(old, "0.3")


def test_check_record_names_what_is_missing(tmp_path):
    record = rec.load_record(_record(tmp_path, cohort="0.4", date="yesterday"))
    del record["machine"]
    problems = " ".join(rec.check_record(record))
    assert "'machine'" in problems and "YYYY-MM-DD" in problems
    assert "newer than 'skmrs_version'" in problems


def test_stale_note():
    record = {"cohort_version": "0.2", "command": "python bench.py"}
    assert rec.stale_note(record, "0.2") is None
    assert rec.stale_note(record, "0.2.5") is None
    note = rec.stale_note(record, "0.3")
    assert "skmrs 0.2" in note and "``python bench.py``" in note


TABLE_PAGE = (
    "Page\n====\n\n.. record-table:: calib.json\n   :group-by: model\n"
    "   :columns: auc\n   :headers: model, voxel AUC\n\n"
    ".. record-source:: calib.json\n   :cohort: 0.2\n"
)


def _build(tmp_path, stale, page=TABLE_PAGE):
    """Build a one-page Sphinx project citing a cohort-0.2 record, as 0.3.

    Returns the page's HTML, the warnings and Sphinx's status code (1 when a
    warning was turned into an error).
    """
    import io

    from sphinx.application import Sphinx

    tmp_path.mkdir(exist_ok=True)
    _record(tmp_path)
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT / 'docs' / '_ext')!r})\n"
        f"extensions = ['skmrs_records']\nrecords_dir = {str(tmp_path)!r}\n"
        f"records_cohort_version = '0.3'\nrecords_stale = {stale!r}\n"
    )
    (src / "index.rst").write_text(page)
    out, warnings = tmp_path / "html", io.StringIO()
    try:  # a second Sphinx in one process warns of nodes registered again
        from sphinx.testing.util import _clean_up_global_state
    except ImportError:  # pragma: no cover - older Sphinx

        def _clean_up_global_state():
            pass

    _clean_up_global_state()
    app = Sphinx(
        str(src), str(src), str(out), str(tmp_path / "doctrees"), "html",
        warningiserror=True, status=None, warning=warnings, freshenv=True,
    )  # fmt: skip
    try:
        app.build()
    except Exception as exc:  # older Sphinx raises on the first warning
        return "", str(exc), 1
    finally:
        _clean_up_global_state()
    html = (out / "index.html").read_text(encoding="utf-8")
    return html, warnings.getvalue(), app.statuscode


def test_sphinx_renders_the_table_and_the_stale_note(tmp_path):
    html, warnings, status = _build(tmp_path, "note")
    assert status == 0, warnings
    assert "voxel AUC" in html and "0.650 ± 0.050" in html
    text = re.sub(r"<[^>]+>", "", html)
    assert "python benchmarks/bench_calibration.py" in text
    assert "``" not in html  # the command renders as a literal, not as text
    # the table (page describes 0.3) gets the note; the source (:cohort: 0.2) not
    assert html.count("older than the cohort of skmrs 0.3") == 1


def test_sphinx_fails_on_a_stale_record_when_asked(tmp_path):
    _, warnings, status = _build(tmp_path, "error")
    assert status == 1 and "older than the cohort" in warnings


def test_a_file_record_shows_another_of_its_lists_as_rows(tmp_path):
    path = _record(tmp_path, distiller=[{"kept": 160, "n": 6713}])
    record = rec.load_record(path, "distiller")
    assert record["rows"] == [{"kept": 160, "n": 6713}]
    assert "* - 160\n     - 6713" in rec.render_table(record, ["kept", "n"])
    assert len(rec.load_record(path)["rows"]) == 3  # the folds, by default
    with pytest.raises(ValueError, match="no list 'kmeans'"):
        rec.load_record(path, "kmeans")


# -- one figure in the text: the :record: role ---------------------------------

ROLE = re.compile(r":record:`([^`]+)`", re.S)


def _figures():
    """(page, role text) of every :record: role in docs/."""
    found = []
    for page in sorted((ROOT / "docs").glob("*.rst")):
        text = page.read_text(encoding="utf-8")
        found += [(page.name, " ".join(m.split())) for m in ROLE.findall(text)]
    return found


FIGURES = _figures()


@pytest.mark.parametrize("page, text", FIGURES or [(None, None)])
def test_page_figure_renders(page, text):
    if page is None:
        pytest.skip("no page cites a figure in its text yet")
    fig = rec.parse_figure(text)
    record = rec.load_record(rec.record_path(fig["name"]), fig["rows"])
    assert rec.check_record(record) == [], f"{page} cites {fig['name']}"
    value = rec.figure_value(
        record, fig["expr"], fig["where"], fig["digits"], fig["signed"],
        fig["minus"], fig["match"], fig["scale"], fig["compare"],
    )  # fmt: skip
    assert value and value != "n/a", f"{page}: {text}"


def test_parse_figure():
    fig = rec.parse_figure(
        'calib.json mean(auc) model="ResNet (Table 1)" fold=0|1 :digits: 2 :signed:'
    )
    assert fig["name"] == "calib.json" and fig["expr"] == "mean(auc)"
    assert fig["where"] == {"model": "ResNet (Table 1)", "fold": "0|1"}
    assert fig["digits"] == 2 and fig["signed"] and fig["rows"] == "folds"
    fig = rec.parse_figure('a.json auc variant="field_effect=0.1, snr=4"')
    assert fig["where"] == {"variant": "field_effect=0.1, snr=4"}
    fig = rec.parse_figure(
        "a.json auc :minus: model=SVM :match: seed,fold :cohort: 0.2 :scale: 100"
    )
    assert fig["minus"] == "model=SVM" and fig["match"] == ["seed", "fold"]
    assert fig["cohort"] == "0.2" and fig["scale"] == 100.0 and fig["where"] == {}
    assert rec.parse_figure("a.json count() d>0 e<=-0.5")["compare"] == [
        ("d", ">", 0.0),
        ("e", "<=", -0.5),
    ]
    with pytest.raises(ValueError, match="no option :colour:"):
        rec.parse_figure("a.json auc :colour: red")
    with pytest.raises(ValueError, match="needs a value"):
        rec.parse_figure("a.json auc :digits:")
    with pytest.raises(ValueError, match="'model' is not key=value"):
        rec.parse_figure("a.json auc model")
    with pytest.raises(ValueError, match="give a record"):
        rec.parse_figure("a.json")
    with pytest.raises(ValueError, match="not a version"):
        rec.parse_figure("a.json auc :cohort: new")


def test_figure_value(tmp_path):
    rows = [
        {"model": m, "fold": f, "auc": a, "n": n, "note": "load", "auc_sd": 0.02}
        for m, f, a, n in [("SVM", 0, 0.6, 3), ("SVM", 1, 0.7, 5), ("RF", 0, 0.5, 4)]
    ]
    record = rec.load_record(_record(tmp_path, rows=rows))
    value = rec.figure_value
    assert value(record, "mean(auc)", {"model": "SVM"}) == "0.650"
    assert value(record, "sd(auc)", {"model": "SVM"}, digits=2) == "0.05"
    assert value(record, "mean+-sd(auc)", {"model": "SVM"}) == "0.650 ± 0.050"
    assert value(record, "range(auc)", {}, digits=2) == "0.50-0.70"
    assert value(record, "max(n)", {}) == "5" and value(record, "sum(n)", {}) == "12"
    assert value(record, "count()", {"fold": "0"}) == "2"
    assert value(record, "count()", {}, compare=[("auc", ">", 0.55)]) == "2"
    assert value(record, "count()", {}, compare=[("auc", ">=", 0.9)]) == "0"
    assert value(record, "mean(n)", {}, compare=[("auc", "<", 0.65)]) == "3.500"
    assert value(record, "auc", {"model": "RF"}) == "0.500"
    assert value(record, "n", {"model": "RF"}) == "4"  # an int stays one
    assert value(record, "note", {"model": "RF"}) == "load"
    assert value(record, "auc+-auc_sd", {"model": "RF"}, digits=2) == "0.50 ± 0.02"
    assert value(record, "auc", {"model": "RF"}, digits=0, scale=100) == "50"
    assert value(record, "auc/n", {"model": "RF"}, digits=1, scale=100) == "12.5"
    assert value(record, "max(auc,n)", {"fold": "0"}, digits=1) == "4"
    assert value(record, "range(auc,auc_sd)", {"model": "RF"}, digits=2) == "0.02-0.50"
    diff = value(record, "auc", {"model": "SVM", "fold": "0"}, signed=True,
                 minus="model=RF", match=["fold"])  # fmt: skip
    assert diff == "+0.100"
    # a comparison is of the differences: rows of fold 0 above RF's
    above = value(record, "count()", {"fold": "0"}, minus="model=RF",
                  match=["fold"], compare=[("auc", ">", 0)])  # fmt: skip
    assert above == "1"  # the SVM's (+0.1); RF's own difference is 0
    listed = rec.load_record(_record(tmp_path, rows=[{"counts": [3218, 4242]}]))
    assert value(listed, "counts[1]", {}) == "4242"
    assert value(listed, "counts[2]", {}) == "n/a"
    with pytest.raises(ValueError, match="2 rows match"):
        value(record, "auc", {"model": "SVM"})
    with pytest.raises(ValueError, match="no row matches"):
        value(record, "auc", {"model": "oracle"})
    with pytest.raises(ValueError, match="no field"):
        value(record, "mean(tissue)", {})
    with pytest.raises(ValueError, match="not one of"):
        value(record, "median(auc)", {})
    with pytest.raises(ValueError, match="over text"):
        value(record, "mean(note)", {})


PAGE = (
    "Page\n====\n\nThe SVM reached :record:`calib.json mean(auc) model=SVM` "
    "and the RF\n:record:`calib.json auc model=RF :digits: 2`.\n\n"
    "Section\n-------\n\nText.\n"
)


def test_sphinx_renders_figures_and_their_records(tmp_path):
    html, warnings, status = _build(tmp_path, "note", PAGE)
    assert status == 0, warnings
    text = re.sub(r"<[^>]+>", "", html)
    assert "The SVM reached 0.650 and the RF\n0.50." in text
    assert 'title="benchmarks/results/calib.json: mean(auc) where model=SVM"' in html
    # one section at the end naming the record once, with its stale note
    assert text.index(rec.FIGURES_SECTION) > text.index("Text.")
    assert text.count("Record benchmarks/results/calib.json:") == 1
    assert html.count("older than the cohort of skmrs 0.3") == 1
    # figures that describe the record's own cohort are not stale
    old = PAGE.replace("model=SVM`", "model=SVM :cohort: 0.2`")
    old = old.replace(":digits: 2`", ":digits: 2 :cohort: 0.2`")
    html, warnings, status = _build(tmp_path / "b", "note", old)
    assert status == 0, warnings
    assert "older than the cohort" not in html


def test_sphinx_figures_fail_on_stale_record_or_bad_text(tmp_path):
    _, warnings, status = _build(tmp_path, "error", PAGE)
    assert status == 1 and "older than the cohort" in warnings
    bad = "Page\n====\n\n:record:`calib.json auc model=SVM`\n"
    _, warnings, status = _build(tmp_path / "b", "note", bad)
    assert status == 1 and "2 rows match" in warnings
