"""At most one run of an action per interval, however often it is asked for."""

from __future__ import annotations

import time
from collections.abc import Callable


class Throttle:
    """Runs ``action`` at once when asked and its last run is at least ``interval`` seconds
    old, else at the next ``tick`` (called by an interval timer); asks in between fold into
    that one run. While ``hold()`` is true, a due run waits. Live data asks many times a
    second; the first change still shows at once."""

    def __init__(self, interval: float, action: Callable[[], None],
                 hold: Callable[[], bool] = lambda: False) -> None:
        self.interval, self.action, self.hold = interval, action, hold
        self.due = False  # asked for since the last run
        self.ran_at = 0.0  # time.monotonic() of the last run

    def ask(self) -> None:
        self.due = True
        if time.monotonic() - self.ran_at >= self.interval:
            self.tick()

    def tick(self) -> None:
        if not self.due or self.hold():
            return
        self.due, self.ran_at = False, time.monotonic()
        self.action()
