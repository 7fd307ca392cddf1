"""bench/profile_stages.py sorts py-spy's raw samples into stages (stacks shaped as py-spy 0.4
printed them for `ncplan apply` of the layered 500)."""

from __future__ import annotations

from pathlib import Path

from profile_stages import report

MAIN = ("thread (1): MainThread;<module> (ncplan/__main__.py:5);main (ncplan/cli.py:206);"
        "execute (ncplan/orchestration/apply_run.py:239);_watch (ncplan/planner/engine.py:595)")
LOCK = ("thread (2): refresh_1;Thread._bootstrap (threading.py:1002);"
        "_Engine._execute (ncplan/planner/engine.py:470);"
        "IntentionWriter.write (ncplan/kinds/consul_intention.py:122)")
ANSWER = ("thread (3): refresh_2;Thread._bootstrap (threading.py:1002);"
          "_Engine._execute (ncplan/planner/engine.py:470);"
          "HTTPResponse.begin (http/client.py:325);SocketIO.readinto (socket.py:706)")
IMPORT = ("thread (1): MainThread;<module> (ncplan/__main__.py:5);"
          "_find_and_load (<frozen importlib._bootstrap>:1176);<module> (ncplan/cli.py:3)")


def test_samples_are_sorted_into_stages_and_what_workers_wait_for(tmp_path: Path) -> None:
    raw = tmp_path / "samples.raw"
    raw.write_text(f"{MAIN} 400\n{LOCK} 300\n{ANSWER} 100\n{IMPORT} 200\n")
    text = report(raw)
    assert "main thread, wall time by stage: 3.00 s" in text
    assert "apply: the ordered writes (engine)" in text and "2.00   66.7%" in text
    assert "start-up: imports" in text and "1.00   33.3%" in text
    assert "worker threads, apply's writes (engine workers): 2.00 thread-s" in text
    assert "waiting for an entry's lock (its writes one at a time)" in text
    assert "1.50   75.0%" in text and "0.50   25.0%" in text
    assert "_watch (ncplan/planner/engine.py)" in text
