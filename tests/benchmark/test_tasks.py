"""run_tasks: any function's calls as benchmark jobs, each record kept as it ends."""

import json
import os

import pytest

from skmrs.benchmark import run_tasks


def _square(n, log=None):
    """n squared; a log file counts the calls (worker processes too)."""
    if log is not None:
        with open(log, "a") as fh:
            fh.write(f"{n}\n")
    if n < 0:
        raise ValueError("negative")
    return {"square": n * n, "digits": [int(d) for d in str(n)]}


def _calls(log):
    return sorted(int(n) for n in log.read_text().split()) if log.exists() else []


def test_records_in_task_order_with_the_task_and_its_time():
    records = run_tasks(_square, [(3,), (12,)])
    assert [r["square"] for r in records] == [9, 144]
    assert [r["task"] for r in records] == [[3], [12]]
    assert records[1]["digits"] == [1, 2]
    assert all(r["seconds"] >= 0 for r in records)


def test_a_failed_task_is_reported_and_the_others_go_on():
    records = run_tasks(_square, [(-1,), (2,)])
    assert records[0]["error"] == "ValueError: negative" and "square" not in records[0]
    assert records[1]["square"] == 4


def test_parallel_workers_give_the_same_records():
    tasks = [(n,) for n in range(6)]
    alone, side_by_side = (run_tasks(_square, tasks, n_jobs=n) for n in (1, 2))
    for a, b in zip(alone, side_by_side, strict=True):
        assert a.pop("seconds") >= 0 and b.pop("seconds") >= 0
        assert a == b


def test_a_rerun_runs_only_the_tasks_not_finished(tmp_path):
    log, out = tmp_path / "calls.log", tmp_path / "sub" / "tasks.jsonl"
    run_tasks(_square, [(1, str(log)), (-2, str(log))], output=out)
    log.unlink()
    tasks = [(1, str(log)), (-2, str(log)), (3, str(log))]
    records = run_tasks(_square, tasks, output=out)
    assert _calls(log) == [-2, 3]  # the failed task again, the new one; not the first
    assert [r.get("square") for r in records] == [1, None, 9]
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [line["task"][0] for line in lines] == [1, -2, -2, 3]
    assert not list(tmp_path.glob("sub/.*.lock"))  # the lock goes with the run


def test_read_only_runs_nothing_and_says_what_is_missing(tmp_path, capsys):
    log, out = tmp_path / "calls.log", tmp_path / "tasks.jsonl"
    run_tasks(_square, [(2, str(log))], output=out)
    log.unlink()
    records = run_tasks(
        _square, [(2, str(log)), (5, str(log))], output=out, read_only=True
    )
    assert not log.exists()
    assert records[0]["square"] == 4
    assert records[1] == {"task": [5, str(log)], "error": "missing"}


def test_verbose_prints_each_record_without_its_lists(capsys):
    run_tasks(_square, [(7,)], verbose=True)
    first, line = capsys.readouterr().out.splitlines()
    assert first == "1 tasks, 0 already done"
    assert json.loads(line)["task"] == [7] and "digits" not in json.loads(line)


def test_a_half_written_line_is_run_again_with_a_warning(tmp_path):
    log, out = tmp_path / "calls.log", tmp_path / "tasks.jsonl"
    run_tasks(_square, [(1, str(log)), (2, str(log))], output=out)
    text = out.read_text()
    out.write_text(text[: len(text) - 10])  # killed while writing the last line
    log.unlink()
    with pytest.warns(UserWarning, match=r"tasks\.jsonl, line 2 is damaged"):
        records = run_tasks(_square, [(1, str(log)), (2, str(log))], output=out)
    assert _calls(log) == [2] and records[1]["square"] == 4
    lines = out.read_text().splitlines()
    assert json.loads(lines[-1])["task"][0] == 2  # on a line of its own
    with pytest.warns(UserWarning, match="line 2 is damaged"):
        again = run_tasks(_square, [(1, str(log)), (2, str(log))], output=out)
    assert _calls(log) == [2] and again == records


def test_a_file_another_run_writes_is_refused(tmp_path):
    out = tmp_path / "tasks.jsonl"
    (tmp_path / ".tasks.jsonl.lock").write_text(f"{os.getpid()} host\n")
    with pytest.raises(ValueError, match=rf"in use by another .*process {os.getpid()}"):
        run_tasks(_square, [(1,)], output=out)
    assert run_tasks(_square, [(1,)], output=out, read_only=True)[0]["error"]


def _count(name, items):
    return {"n": len(items)}


def test_a_task_holding_a_tuple_is_recorded_as_stored_and_resumed(tmp_path):
    out = tmp_path / "tasks.jsonl"
    task = ("bases", ("SVM", "count"))
    first = run_tasks(_count, [task], output=out)
    assert first[0]["task"] == ["bases", ["SVM", "count"]] and first[0]["n"] == 2
    assert run_tasks(_count, [task], output=out, read_only=True) == first
