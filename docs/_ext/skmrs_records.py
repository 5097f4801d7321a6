"""Figures from records: the docs' measured tables rendered from JSON records.

Every measured figure of the documentation comes from a record committed under
``benchmarks/results/`` (format: ``benchmarks/results/README.md``) and is
rendered when the docs build, so a figure cannot drift from the run that made
it. Two directives::

    .. record-table:: calibration_v0.3.json
       :group-by: variant, model
       :columns: auc, auc_tissue
       :headers: cohort, model, voxel AUC, tissue AUC
       :where: model=SVM, fold=0
       :digits: 3
       :count:
       :cohort: 0.3

    .. record-source:: calibration_h200.json

``:digits:`` is one number or one per column. A column ``auc+-auc_sd`` shows
two fields of one row as "mean ± sd" (a summary transcribed from a page, whose
per-fold values were not kept); ``:pivot: fold`` spreads a key's values over
the columns (one cell per group and value, several columns joined by "/");
``:signed:`` writes a + before positive numbers (differences). ``:minus:
model=ResNet`` with ``:match: seed, fold`` shows each row's columns minus
those of the row of model ResNet with the same seed and fold. A ``:where:``
value may list alternatives: ``model=Noise|DistillMix-both``.

A figure in the text is the role ``:record:``, which renders one value of a
record::

    the ResNet's tissue AUC is :record:`calibration_v0.4.json mean(auc_tissue)
    model="ResNet (Table 1)" :digits: 2`

(a record, a field, ``a/b`` or ``mean(field)``, ``sd``, ``mean+-sd``, ``min``,
``max``, ``range``, ``sum``, ``count()``; the rows as ``key=value`` items of
``:where:``; the directives' options as ``:digits: 2``, ``:signed:``,
``:rows: summary``, ``:cohort: 0.2``, ``:minus: model=SVM :match: fold``, and
``:scale: 100`` for a percentage). A page whose text cites records ends with
a section listing them, with their provenance lines and stale notes; hovering
over a figure names its record and rows.

``record-table`` renders the record's rows (grouped rows as mean +- sd over
the group) and, under it, the line saying which command, version, machine and
date made them. ``record-source`` renders that line alone (for a figure drawn
from a record). A record measured on an older simulated cohort than the one
the page describes (``:cohort:``, by default the cohort of the skmrs being
documented) gets a generated note saying so; with ``records_stale = "error"``
in ``conf.py`` it is a warning, which ``-W`` turns into a failed build.

The functions without Sphinx in them (:func:`load_record`,
:func:`check_record`, :func:`render_table`, ...) are what
``tests/test_docs_records.py`` checks the committed records with.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RECORDS_DIR = ROOT / "benchmarks" / "results"

#: Header fields every record carries, with what they say.
REQUIRED = {
    "command": "the command line that made the record, run from the repository root",
    "skmrs_version": "skmrs.__version__ of the run",
    "cohort_version": "version of the simulated cohort (major.minor), e.g. '0.3'",
    "machine": "the machine in words: CPU (cores) and GPU, e.g. 'AMD EPYC, 2 cores'",
    "date": "ISO date of the run, YYYY-MM-DD",
}
#: The file of a folder record (``skmrs benchmark --output``) holding its header.
FOLDER_HEADER = "record.json"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_VERSION = re.compile(r"^(\d+)\.(\d+)")


def version_key(version: str) -> tuple[int, int]:
    """(major, minor) of a version string: the cohort changes with these."""
    match = _VERSION.match(str(version))
    if match is None:
        raise ValueError(f"{version!r} is not a version (expected major.minor...)")
    return int(match.group(1)), int(match.group(2))


def current_cohort_version() -> str:
    """Cohort version of the installed skmrs.

    ``skmrs.datasets.COHORT_VERSION`` when the package defines it, else the
    major.minor of ``skmrs.__version__`` (every cohort change bumps the minor).
    """
    import skmrs
    import skmrs.datasets

    explicit = getattr(skmrs.datasets, "COHORT_VERSION", None)
    if explicit is not None:
        return str(explicit)
    return "{}.{}".format(*version_key(skmrs.__version__))


def record_path(name, records_dir=None) -> Path:
    """Path of the record ``name`` (a file or folder under ``records_dir``)."""
    base = Path(records_dir) if records_dir is not None else RECORDS_DIR
    path = base / name
    if not path.exists():
        raise FileNotFoundError(f"no record {name!r} in {base}")
    return path


def load_record(path, rows: str = "folds") -> dict:
    """A record's header fields and ``"rows"`` (a list of dicts).

    ``path`` is a JSON file holding the header fields and ``"rows"``, or a
    folder written by ``skmrs benchmark --output`` holding ``results.json``
    and a header file ``record.json``; its rows are the per-fold records
    (``rows="folds"``) or the per-model summary (``rows="summary"``). For a
    file, ``rows`` other than ``"folds"`` names another list of the record to
    show as its rows (``rows="distiller"``).
    """
    path = Path(path)
    if path.is_dir():
        header = json.loads((path / FOLDER_HEADER).read_text(encoding="utf-8"))
        results = json.loads((path / "results.json").read_text(encoding="utf-8"))
        record = {**header, "rows": results[rows], "results": results}
    else:
        record = json.loads(path.read_text(encoding="utf-8"))
        if rows != "folds":
            if not isinstance(record.get(rows), list):
                raise ValueError(f"{path.name} has no list {rows!r} to show as rows")
            record["rows"] = record[rows]
    record["path"] = path
    return record


def check_record(record: dict) -> list[str]:
    """What is wrong with a record's header and rows (empty when nothing)."""
    problems = []
    for field in REQUIRED:
        value = record.get(field)
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{field!r} missing or empty ({REQUIRED[field]})")
    if isinstance(record.get("date"), str) and not _DATE.match(record["date"]):
        problems.append(f"'date' {record['date']!r} is not YYYY-MM-DD")
    versions_ok = True
    for field in ("skmrs_version", "cohort_version"):
        try:
            version_key(record.get(field, ""))
        except ValueError as exc:
            problems.append(f"{field!r}: {exc}")
            versions_ok = False
    if versions_ok and version_key(record["cohort_version"]) > version_key(
        record["skmrs_version"]
    ):
        problems.append("'cohort_version' is newer than 'skmrs_version'")
    rows = record.get("rows")
    if not (isinstance(rows, list) and rows and all(isinstance(r, dict) for r in rows)):
        problems.append("'rows' must be a non-empty list of objects")
    return problems


def _parse_where(text: str) -> dict:
    where = {}
    for item in filter(None, (s.strip() for s in text.split(","))):
        key, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f":where: item {item!r} is not key=value")
        where[key.strip()] = value.strip()
    return where


def _matches(row: dict, where: dict) -> bool:
    return all(str(row.get(key)) in value.split("|") for key, value in where.items())


def _minus(record, rows, fields, minus, match):
    """``rows`` with ``fields`` replaced by their difference to a reference row.

    ``minus`` is ``key=value`` (the reference rows, anywhere in the record);
    the reference of a row is the one with the same values of ``match``.
    """
    key, sep, value = minus.partition("=")
    if not sep or not match:
        raise ValueError(":minus: needs key=value and :match: the keys to pair on")
    key, value = key.strip(), value.strip()
    refs = {}
    for r in record["rows"]:
        if str(r.get(key)) == value:
            pair = tuple(str(r.get(k)) for k in match)
            if pair in refs:
                # two reference rows for one key: pairing would pick one silently
                raise ValueError(
                    f"several rows {minus} share {dict(zip(match, pair))}: "
                    ":match: needs more keys"
                )
            refs[pair] = r
    out = []
    for row in rows:
        ref = refs.get(tuple(str(row.get(k)) for k in match))
        if ref is None:
            raise ValueError(f"no row {minus} with the {match} of {row}")
        new = dict(row)
        for f in fields:
            a, b = row[f], ref[f]
            if not (_is_number(a) or a is None) or not (_is_number(b) or b is None):
                raise ValueError(f":minus: column {f!r} holds text")
            new[f] = None if a is None or b is None else a - b
        out.append(new)
    return out


def _cell(values, digits: int, signed: bool = False) -> str:
    if (
        len(values) == 1
        and isinstance(values[0], int)
        and not isinstance(values[0], bool)
    ):
        return str(values[0])  # a fold, a seed, a count
    numbers = [float(v) for v in values if v is not None]
    numbers = [v for v in numbers if math.isfinite(v)]
    if not numbers:
        return "n/a"
    mean = sum(numbers) / len(numbers)
    sign = "+" if signed else ""
    if len(numbers) == 1:
        return f"{mean:{sign}.{digits}f}"
    sd = math.sqrt(sum((v - mean) ** 2 for v in numbers) / len(numbers))
    return f"{mean:{sign}.{digits}f} ± {sd:.{digits}f}"


_PLUS_MINUS = "+-"


def _fields(column: str) -> list[str]:
    """The record fields a column shows: ``auc`` or ``auc+-auc_sd``."""
    return [f.strip() for f in column.split(_PLUS_MINUS)]


def _digits(digits, columns) -> list[int]:
    """One number of decimals per column (``digits`` an int or a list)."""
    if isinstance(digits, int):
        return [digits] * len(columns)
    digits = [int(d) for d in digits]
    if len(digits) == 1:
        return digits * len(columns)
    if len(digits) != len(columns):
        raise ValueError(
            f":digits: gives {len(digits)} numbers for {len(columns)} columns"
        )
    return digits


def _show(members, column, digits, signed=False) -> str:
    """One cell: a column's value(s) over a group's rows."""
    fields = _fields(column)
    if len(fields) == 2:
        if len(members) != 1:
            raise ValueError(f"column {column!r} (mean+-sd) needs one row per cell")
        mean, sd = members[0][fields[0]], members[0][fields[1]]
        if mean is None or sd is None:
            return "n/a"
        sign = "+" if signed else ""
        return f"{float(mean):{sign}.{digits}f} ± {float(sd):.{digits}f}"
    values = [m[column] for m in members]
    if not all(_is_number(v) or v is None for v in values):
        if len(values) != 1:
            raise ValueError(f"column {column!r} holds text: one row per cell")
        return str(values[0])
    return _cell(values, digits, signed)


def table_rows(record, columns, group_by=(), where=None, digits=3, count=False,
               pivot=None, signed=False, minus=None, match=()):  # fmt: skip
    """The rows of a table: one per group (mean ± sd) or per record row.

    With ``pivot``, one cell per group and value of that key, the columns of
    the cell's row(s) joined by "/".
    """
    rows = [r for r in record["rows"] if _matches(r, where or {})]
    if not rows:
        raise ValueError(f"record {record['path']}: no row matches {where}")
    fields = [f for c in columns for f in _fields(c)]
    missing = [c for c in [*group_by, *fields, *([pivot] if pivot else [])]
               if c not in rows[0]]  # fmt: skip
    if missing:
        raise ValueError(
            f"record {record['path']}: no column {missing}; it has {sorted(rows[0])}"
        )
    digits = _digits(digits, columns)
    if minus:  # the keys rows are paired on are shown, not subtracted
        shown = [f for f in fields if f not in match]
        rows = _minus(record, rows, shown, minus, list(match))
    if not group_by and not pivot:
        return [
            [_show([row], c, d, signed) for c, d in zip(columns, digits)]
            for row in rows
        ]
    groups: dict[tuple, list] = {}
    for row in rows:
        groups.setdefault(tuple(str(row[g]) for g in group_by), []).append(row)
    out = []
    for key, members in groups.items():
        if pivot:
            cells = list(key)
            for value in pivot_values(rows, pivot):
                inside = [m for m in members if str(m[pivot]) == value]
                cells.append(
                    "/".join(
                        _show(inside, c, d, signed) for c, d in zip(columns, digits)
                    )
                    if inside
                    else ""
                )
        else:
            cells = list(key) + [
                _show(members, c, d, signed) for c, d in zip(columns, digits)
            ]
        if count:
            cells.append(str(len(members)))
        out.append(cells)
    return out


def pivot_values(rows, pivot) -> list[str]:
    """The values of the key ``pivot``, in the order the rows first give them."""
    return list(dict.fromkeys(str(r[pivot]) for r in rows))


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def render_table(record, columns, group_by=(), headers=None, where=None, digits=3,
                 count=False, pivot=None, signed=False, minus=None,
                 match=()) -> str:  # fmt: skip
    """reST ``list-table`` of a record."""
    body = table_rows(
        record, columns, group_by, where, digits, count, pivot, signed, minus, match
    )
    if pivot:
        values = pivot_values(
            [r for r in record["rows"] if _matches(r, where or {})], pivot
        )
        shown = [f"{pivot} {v}" for v in values]
    else:
        shown = list(columns)
    names = [*group_by, *shown] + (["n"] if count and (group_by or pivot) else [])
    headers = list(headers) if headers else names
    if len(headers) != len(names):
        raise ValueError(
            f":headers: gives {len(headers)} names for {len(names)} columns"
        )
    lines = [".. list-table::", "   :header-rows: 1", ""]
    for row in [headers, *body]:
        lines.append(f"   * - {row[0]}")
        lines.extend(f"     - {cell}" for cell in row[1:])
    return "\n".join(lines)


def provenance(record) -> str:
    """One line: which command, skmrs, cohort, machine and date made the record.

    A record with ``"uses_cohort": false`` (a timing on random spectra) names
    no cohort; one with ``"transcribed_from"`` says so (figures copied from a
    page into the record, not re-measured).
    """
    name = Path(record["path"]).name
    data = (
        "no simulated cohort"
        if record.get("uses_cohort") is False
        else f"cohort {record['cohort_version']}"
    )
    line = (
        f"Record ``benchmarks/results/{name}``: ``{record['command']}``, "
        f"skmrs {record['skmrs_version']} ({data}), "
        f"{record['machine']}, {record['date']}"
    )
    if record.get("transcribed_from"):
        line += f"; transcribed from {record['transcribed_from']}"
    return line + "."


def stale_note(record, describes: str) -> str | None:
    """The generated note of a record older than the cohort a page describes.

    None for a record that uses no cohort (``"uses_cohort": false``). The
    command that re-measures is ``rerun_command`` where the one that made the
    record no longer runs as it did, else ``command``.
    """
    if record.get("uses_cohort") is False:
        return None
    if version_key(record["cohort_version"]) >= version_key(describes):
        return None
    return (
        f"These figures were measured on the simulated cohort of skmrs "
        f"{record['cohort_version']}, older than the cohort of skmrs {describes} "
        f"that this page describes; they are re-measured by "
        f"``{record.get('rerun_command') or record['command']}``."
    )


# -- One figure in the text ------------------------------------------------------

#: What a figure may show of a field over the rows it selects.
AGGREGATES = ("mean", "sd", "mean+-sd", "min", "max", "range", "sum", "count")
#: A comparison among a figure's rows: ``tissue_minus_plain>0``.
_COMPARE = re.compile(r"^(\w+)(>=|<=|>|<)(-?[\d.]+(?:e-?\d+)?)$")
_OPS = {">": float.__gt__, "<": float.__lt__, ">=": float.__ge__, "<=": float.__le__}
_AGGREGATE = re.compile(r"^([a-z+-]+)\(([\w,\[\]]*)\)$")
#: An item of a list field: ``counts[0]``.
_ITEM = re.compile(r"^(\w+)\[(\d+)\]$")


def _with_items(rows, names):
    """``rows`` with the list items that ``names`` such as ``counts[0]`` ask for."""
    items = [(n, _ITEM.match(n)) for n in names]
    items = [(n, m.group(1), int(m.group(2))) for n, m in items if m]
    if not items:
        return rows

    def item(row, key, i):
        value = row.get(key)
        return value[i] if isinstance(value, list) and i < len(value) else None

    return [{**r, **{n: item(r, k, i) for n, k, i in items}} for r in rows]


#: The options of a figure (as the directives'), those that take a value.
FIGURE_OPTIONS = {"digits": True, "rows": True, "cohort": True, "minus": True,
                  "match": True, "scale": True, "signed": False}  # fmt: skip


def parse_figure(text: str) -> dict:
    """The parts of a ``:record:`` role's text.

    ``NAME EXPR [key=value ...] [:option: value ...]``: the record, what to
    show, the rows (``:where:`` items; quote a value with spaces,
    ``model="ResNet (Table 1)"``) and the directives' options ``:digits:``,
    ``:signed:``, ``:rows:``, ``:cohort:``, ``:minus:``/``:match:``, plus
    ``:scale: 100`` (a share shown as a percentage); ``field>0`` (``<``,
    ``>=``, ``<=``) keeps the rows whose number compares so. ``EXPR`` is a field (its
    value in the one row selected), ``mean+-sd`` style ``auc+-auc_sd`` (two
    fields of one row), ``a/b`` (the ratio of two fields of one row) or
    ``AGG(field)`` with ``AGG`` one of :data:`AGGREGATES` (``count()``
    counts the rows; ``range(a,b)`` pools the values of several fields). A
    field ``counts[0]`` is an item of a list field.
    """
    import shlex

    try:
        tokens = shlex.split(text)
    except ValueError as exc:
        raise ValueError(f"record figure {text!r}: {exc}") from exc
    if len(tokens) < 2:
        raise ValueError(f"record figure {text!r}: give a record and what to show")
    figure = {"name": tokens[0], "expr": tokens[1], "where": {}, "digits": 3,
              "rows": "folds", "cohort": None, "minus": None, "match": [],
              "scale": 1.0, "signed": False, "compare": []}  # fmt: skip
    rest = iter(tokens[2:])
    for token in rest:
        if token.startswith(":") and token.endswith(":") and len(token) > 2:
            option = token[1:-1]
            if option not in FIGURE_OPTIONS:
                raise ValueError(
                    f"record figure {text!r}: no option {token} "
                    f"(one of {', '.join(f':{o}:' for o in FIGURE_OPTIONS)})"
                )
            if not FIGURE_OPTIONS[option]:
                figure[option] = True
                continue
            value = next(rest, None)
            if value is None:
                raise ValueError(f"record figure {text!r}: {token} needs a value")
            if option == "digits":
                figure[option] = int(value)
            elif option == "scale":
                figure[option] = float(value)
            elif option == "cohort":
                version_key(value)  # a version, or the error says what is wrong
                figure[option] = value
            elif option == "match":
                figure[option] = [s.strip() for s in value.split(",") if s.strip()]
            else:
                figure[option] = value
        elif _COMPARE.match(token):
            field, op, value = _COMPARE.match(token).groups()
            figure["compare"].append((field, op, float(value)))
        else:  # one item (a quoted value may hold commas)
            key, sep, value = token.partition("=")
            if not sep:
                raise ValueError(f"record figure {text!r}: {token!r} is not key=value")
            figure["where"][key.strip()] = value.strip()
    return figure


def _number(value, digits, signed=False) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and not signed:
        return str(value)
    return f"{float(value):{'+' if signed else ''}.{digits}f}"


def _mean_sd(mean, sd, digits, signed=False) -> str:
    return f"{_number(float(mean), digits, signed)} ± {float(sd):.{digits}f}"


def figure_value(record, expr, where=None, digits=3, signed=False, minus=None,
                 match=(), scale=1.0, compare=()) -> str:  # fmt: skip
    """One figure of a record, as text: ``expr`` over the rows ``where`` selects.

    ``expr`` as in :func:`parse_figure`. A field alone, and ``a+-b``, need
    exactly one row; an aggregate takes every row selected (``None`` values
    left out; ``sd`` is the population sd, as the tables' mean ± sd).
    ``minus``/``match`` first replace the field (and those ``compare``
    names) by its difference to the reference row, as the tables' ``:minus:``;
    ``compare`` then keeps the rows whose numbers compare so.
    """
    name = Path(record["path"]).name
    rows = [r for r in record["rows"] if _matches(r, where or {})]
    found = _AGGREGATE.match(expr)
    aggregate, field = (found.group(1), found.group(2)) if found else (None, expr)
    if aggregate is not None and aggregate not in AGGREGATES:
        raise ValueError(f"record {name}: {aggregate!r} is not one of {AGGREGATES}")
    ratio = aggregate is None and "/" in field
    fields = [f.strip() for f in field.split("/")] if ratio else _fields(field)
    if aggregate:  # an aggregate may pool several fields: range(a,b)
        fields = [f.strip() for f in field.split(",")]
    fields = [f for f in fields if f]
    if aggregate == "count" and len(fields) > 1:
        raise ValueError(f"record {name}: count() takes one field, not {field}")
    compared = [f for f, _, _ in compare]
    rows = _with_items(rows, [*fields, *compared])
    missing = [f for f in [*fields, *compared] if rows and f not in rows[0]]
    if missing:
        raise ValueError(f"record {name}: no field {missing}; it has {sorted(rows[0])}")
    if minus and rows:  # the differences first: a comparison is of them
        shown = [f for f in dict.fromkeys([*fields, *compared]) if f not in match]
        rows = _minus(record, rows, shown, minus, list(match))
    rows = [
        r for r in rows
        if all(_is_number(r.get(f)) and _OPS[op](float(r[f]), v)
               for f, op, v in compare)
    ]  # fmt: skip
    if aggregate == "count":
        return str(sum(1 for r in rows if not fields or r.get(fields[0]) is not None))
    if not rows:
        raise ValueError(f"record {name}: no row matches {where} {list(compare)}")
    if aggregate is None:
        if len(rows) != 1:
            raise ValueError(
                f"record {name}: {len(rows)} rows match {where}; {expr!r} needs "
                "one (narrow the rows, or take mean(...), min(...), ...)"
            )
        values = [rows[0][f] for f in fields]
        if any(v is None for v in values):
            return "n/a"
        if not all(_is_number(v) for v in values):
            if len(values) == 1:
                return str(values[0])
            raise ValueError(f"record {name}: {expr!r} holds text")
        if ratio:
            values = [float(values[0]) / float(values[1])]
        if scale != 1.0:
            values = [v * scale for v in values]
        if len(values) == 2:
            return _mean_sd(values[0], values[1], digits, signed)
        return _number(values[0], digits, signed)
    values = [r[f] for r in rows for f in fields if r[f] is not None]
    if not all(_is_number(v) for v in values):
        raise ValueError(f"record {name}: {aggregate}({field}) over text")
    if not values:
        return "n/a"
    values = [v * scale if scale != 1.0 else v for v in values]
    mean = sum(values) / len(values)
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
    shown = {
        "mean": lambda: _number(float(mean), digits, signed),
        "sd": lambda: f"{sd:.{digits}f}",
        "mean+-sd": lambda: _mean_sd(mean, sd, digits, signed),
        "min": lambda: _number(min(values), digits, signed),
        "max": lambda: _number(max(values), digits, signed),
        "range": lambda: (
            f"{_number(min(values), digits, signed)}-"
            f"{_number(max(values), digits, signed)}"
        ),
        "sum": lambda: _number(sum(values), digits, signed),
    }
    return shown[aggregate]()


# -- Sphinx -------------------------------------------------------------------


def _directives():
    """The directive classes (Sphinx imported only when the docs build)."""
    from docutils import nodes
    from docutils.parsers.rst import directives
    from docutils.statemachine import StringList
    from sphinx.util import logging
    from sphinx.util.docutils import SphinxDirective

    logger = logging.getLogger(__name__)

    def split(text):
        return [s.strip() for s in (text or "").split(",") if s.strip()]

    class RecordSource(SphinxDirective):
        """The provenance line of a record (and its note when stale)."""

        required_arguments = 1
        option_spec = {"cohort": directives.unchanged, "rows": directives.unchanged}

        def load(self):
            config = self.env.config
            path = record_path(self.arguments[0], config.records_dir)
            watched = path if path.is_file() else path / "results.json"
            self.env.note_dependency(str(watched))
            record = load_record(path, self.options.get("rows", "folds"))
            problems = check_record(record)
            if problems:
                raise self.error(f"record {path}: " + "; ".join(problems))
            return record

        def footer(self, record) -> str:
            config = self.env.config
            describes = self.options.get("cohort") or config.records_cohort_version
            # a plain paragraph: inline literals cannot nest in emphasis
            text = [provenance(record), ""]
            note = stale_note(record, describes)
            if note:
                if self.env.config.records_stale == "error":
                    logger.warning(note, location=self.get_location())
                text += [".. note::", "", "   " + note, ""]
            return "\n".join(text)

        def parse(self, text: str):
            container = nodes.container(classes=["skmrs-record"])
            self.state.nested_parse(
                StringList(text.splitlines(), source=self.arguments[0]),
                self.content_offset, container,
            )  # fmt: skip
            return [container]

        def run(self):
            try:
                record = self.load()
            except (OSError, ValueError, KeyError) as exc:
                raise self.error(str(exc)) from exc
            return self.parse(self.footer(record))

    class RecordTable(RecordSource):
        """A table rendered from a record, with its provenance line."""

        option_spec = {
            **RecordSource.option_spec,
            "columns": directives.unchanged_required,
            "group-by": directives.unchanged,
            "headers": directives.unchanged,
            "where": directives.unchanged,
            "digits": directives.unchanged,
            "count": directives.flag,
            "pivot": directives.unchanged,
            "signed": directives.flag,
            "minus": directives.unchanged,
            "match": directives.unchanged,
        }

        def run(self):
            try:
                record = self.load()
                table = render_table(
                    record,
                    split(self.options["columns"]),
                    group_by=split(self.options.get("group-by")),
                    headers=split(self.options.get("headers")) or None,
                    where=_parse_where(self.options.get("where", "")),
                    digits=split(self.options.get("digits")) or 3,
                    count="count" in self.options,
                    pivot=self.options.get("pivot") or None,
                    signed="signed" in self.options,
                    minus=self.options.get("minus") or None,
                    match=split(self.options.get("match")),
                )
            except (OSError, ValueError, KeyError) as exc:
                raise self.error(str(exc)) from exc
            return self.parse(table + "\n\n" + self.footer(record))

    return RecordSource, RecordTable


#: Title of the section a page with figures in its text ends with.
FIGURES_SECTION = "Records of the figures in the text"
_FIGURE_CLASS = "skmrs-figure"


def _literal_nodes(text):
    """Text with ````literal```` spans as docutils nodes (a provenance line)."""
    from docutils import nodes

    out = []
    for i, part in enumerate(text.split("``")):
        if part:
            out.append(nodes.literal(part, part) if i % 2 else nodes.Text(part))
    return out


def _figure_role():
    """The ``:record:`` role: one figure of a record, in the text."""
    from docutils import nodes
    from sphinx.util.docutils import SphinxRole

    class RecordFigure(SphinxRole):
        def run(self):
            config = self.env.config
            try:
                figure = parse_figure(self.text)
                path = record_path(figure["name"], config.records_dir)
                watched = path if path.is_file() else path / "results.json"
                self.env.note_dependency(str(watched))
                record = load_record(path, figure["rows"])
                problems = check_record(record)
                if problems:
                    raise ValueError(f"record {path}: " + "; ".join(problems))
                value = figure_value(
                    record, figure["expr"], figure["where"], figure["digits"],
                    figure["signed"], figure["minus"], figure["match"],
                    figure["scale"], figure["compare"],
                )  # fmt: skip
            except (OSError, ValueError, KeyError) as exc:
                msg = self.inliner.reporter.error(
                    f":record:`{self.text}`: {exc}", line=self.lineno
                )
                problem = self.inliner.problematic(self.rawtext, self.rawtext, msg)
                return [problem], [msg]
            where = ", ".join(
                [f"{k}={v}" for k, v in figure["where"].items()]
                + [f"{f}{op}{v:g}" for f, op, v in figure["compare"]]
            )
            explanation = f"benchmarks/results/{figure['name']}: {figure['expr']}"
            if where:
                explanation += f" where {where}"
            if figure["minus"]:
                explanation += (
                    f", minus the row {figure['minus']} of the same "
                    f"{', '.join(figure['match'])}"
                )
            node = nodes.abbreviation(
                self.rawtext, value, explanation=explanation, classes=[_FIGURE_CLASS]
            )
            node["record"] = figure["name"]
            node["record_rows"] = figure["rows"]
            node["record_cohort"] = figure["cohort"] or config.records_cohort_version
            return [node], []

    return RecordFigure


def _add_figures_section(app, doctree):
    """End a page whose text cites records with their provenance lines.

    One item per record (in the order first cited), with the stale note of a
    record older than the cohort its figures describe (a warning at the first
    such figure when ``records_stale = "error"``).
    """
    from docutils import nodes
    from sphinx.util import logging

    logger = logging.getLogger(__name__)
    config = app.env.config
    cited: dict[tuple, list] = {}
    for node in doctree.findall(nodes.abbreviation):
        if _FIGURE_CLASS in node["classes"]:
            key = (node["record"], node["record_rows"])
            cited.setdefault(key, []).append(node)
    if not cited:
        return
    items = nodes.bullet_list()
    for (name, rows), figures in cited.items():
        record = load_record(record_path(name, config.records_dir), rows)
        paragraph = nodes.paragraph("", "", *_literal_nodes(provenance(record)))
        item = nodes.list_item("", paragraph)
        describes = max((f["record_cohort"] for f in figures), key=version_key)
        note = stale_note(record, describes)
        if note:
            if config.records_stale == "error":
                first = next(f for f in figures if f["record_cohort"] == describes)
                logger.warning(note, location=first)
            item += nodes.note("", nodes.paragraph("", "", *_literal_nodes(note)))
        items += item
    section = nodes.section(classes=["skmrs-record"])
    section += nodes.title(FIGURES_SECTION, FIGURES_SECTION)
    intro = (
        "The figures in this page's text are rendered from these records when "
        "the docs build (hover over a figure for its record and rows)."
    )
    section += nodes.paragraph(intro, intro)
    section += items
    section["names"].append(nodes.fully_normalize_name(FIGURES_SECTION))
    doctree.note_implicit_target(section)
    top = next(iter(doctree.findall(nodes.section)), None)
    (top if top is not None else doctree).append(section)


def setup(app):
    source, table = _directives()
    app.add_role("record", _figure_role()())
    # before Sphinx's collectors (priority 500), so the section is in the toc
    app.connect("doctree-read", _add_figures_section, priority=400)
    app.add_config_value("records_dir", str(RECORDS_DIR), "env")
    app.add_config_value("records_cohort_version", current_cohort_version(), "env")
    app.add_config_value("records_stale", "note", "env")
    app.add_directive("record-source", source)
    app.add_directive("record-table", table)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
