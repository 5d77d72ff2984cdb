"""`rulepack eval --batch` and `rulepack verify` ended by a signal: one line, the shell's exit
code, no traceback, no worker left behind; for a batch, the --output file either absent or
whole, with no temporary file left after TERM or INT."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINE = ('{"account": {"platform": "douyin", "fans": 150000, "mcn_signed": false, '
        '"violations": []}}\n')


@pytest.fixture(scope="module")
def facts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("signals") / "facts.jsonl"
    path.write_text(LINE * 200_000, "utf-8")  # tens of seconds of work: a run is mid-way
    return path


def start(facts: Path, out: Path, jobs: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.Popen(
        [sys.executable, "-m", "rulepack", "eval", "--batch", str(facts), "--rules",
         str(ROOT / "rules"), "--as-of", "2026-03-01", "--jobs", jobs, "--output", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=out.parent,
        start_new_session=True)  # its own group: a signal to the group reaches the workers


def mid_run(process: subprocess.Popen[bytes], out: Path) -> None:
    """Wait until the run is writing its temporary output."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        if any(p.name.startswith(f".{out.name}.") and p.stat().st_size > 0
               for p in out.parent.iterdir()):
            return
        time.sleep(0.05)
    raise AssertionError("the run never started writing")


def leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_ends_the_run_with_one_line(
        facts: Path, tmp_path: Path, jobs: str, signum: int, code: int) -> None:
    out = tmp_path / "out.jsonl"
    process = start(facts, out, jobs)
    mid_run(process, out)
    os.killpg(process.pid, signum)  # as Ctrl-C does: the whole group, workers included
    _, stderr = process.communicate(timeout=60)
    text = stderr.decode("utf-8")
    assert process.returncode == code, text
    assert "Traceback" not in text
    (line,) = text.splitlines()
    name = signal.Signals(signum).name
    assert line.startswith(f"rulepack: stopped by {name}: ") and " line(s) done" in line
    done = int(line.split(": ")[2].split(" ")[0].replace(",", ""))
    assert 0 < done < 200_000
    assert not out.exists() and leftovers(out) == []


def test_term_to_the_parent_alone_stops_the_workers_too(facts: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    process = start(facts, out, "2")
    mid_run(process, out)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 143 and b"Traceback" not in stderr
    assert not out.exists() and leftovers(out) == []


def test_sigkill_leaves_out_absent_or_whole(facts: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    out.write_text('{"earlier": "run"}\n', "utf-8")
    process = start(facts, out, "2")
    mid_run(process, out)
    os.killpg(process.pid, signal.SIGKILL)
    process.communicate(timeout=60)
    # The earlier output is untouched: nothing is written to OUT until the run is complete.
    assert [json.loads(line) for line in out.read_text("utf-8").splitlines()] == [
        {"earlier": "run"}]


def workers_of(pid: int) -> list[int]:
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children.extend(int(c) for c in (task / "children").read_text().split())
    return children


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc")
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_stops_verify_and_its_workers(signum: int, code: int) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    process = subprocess.Popen(
        [sys.executable, "-m", "rulepack", "verify", str(ROOT / "rules"), "--jobs", "2",
         "--budget", "100000"],  # minutes of work: it is mid-way whenever the signal comes
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while len(workers_of(process.pid)) < 2:
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()
        time.sleep(0.05)
    time.sleep(0.5)  # the workers are searching
    os.killpg(process.pid, signum)
    _, stderr = process.communicate(timeout=60)
    text = stderr.decode("utf-8")
    assert process.returncode == code, text
    assert text.splitlines() == [f"rulepack: verify stopped by {signal.Signals(signum).name}"]
    # Every worker is gone with the parent: none is left searching.
    for _ in range(100):
        if not group_alive(process.pid):
            break
        time.sleep(0.05)
    assert not group_alive(process.pid)
