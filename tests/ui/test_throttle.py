"""One run per interval however often asked: the first ask runs at once, later ones fold into
the next tick, and a hold keeps a due run waiting."""

from __future__ import annotations

from llmview.ui.throttle import Throttle


def test_the_first_ask_runs_at_once_and_asks_within_the_interval_wait_for_a_tick() -> None:
    runs: list[int] = []
    throttle = Throttle(60.0, lambda: runs.append(1))
    throttle.ask()
    throttle.ask()
    throttle.ask()
    assert runs == [1]
    throttle.tick()
    assert runs == [1, 1]  # the two later asks folded into one run
    throttle.tick()
    assert runs == [1, 1]  # nothing asked since


def test_a_hold_keeps_a_due_run_waiting() -> None:
    runs: list[int] = []
    held = [True]
    throttle = Throttle(0.0, lambda: runs.append(1), hold=lambda: held[0])
    throttle.ask()
    throttle.tick()
    assert runs == []
    held[0] = False
    throttle.tick()
    assert runs == [1]
