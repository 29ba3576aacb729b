"""Short, fixed-width renderings of numbers and times for table cells."""

from __future__ import annotations

from datetime import datetime, timezone


def local_time(ts: datetime | None, *, today: datetime | None = None) -> str:
    """``HH:MM:SS`` for today, ``MM-DD HH:MM`` before; the index stores naive UTC."""
    if ts is None:
        return "—"
    moment = ts.replace(tzinfo=timezone.utc).astimezone()
    now = today or datetime.now().astimezone()
    if moment.date() == now.date():
        return moment.strftime("%H:%M:%S")
    return moment.strftime("%m-%d %H:%M")


def full_time(ts: datetime | None) -> str:
    if ts is None:
        return "—"
    return ts.replace(tzinfo=timezone.utc).astimezone().strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def duration(ms: float | None) -> str:
    if ms is None:
        return "—"
    if ms < 1000:
        return f"{ms:.0f}ms"
    if ms < 60_000:
        return f"{ms / 1000:.1f}s"
    return f"{ms / 60_000:.1f}m"


def count(n: int | None) -> str:
    if n is None:
        return "—"
    if n < 10_000:
        return str(n)
    if n < 1_000_000:
        return f"{n / 1000:.1f}k"
    return f"{n / 1_000_000:.1f}M"


def money(usd: float | None) -> str:
    if usd is None:
        return ""
    if usd < 0.01:
        return f"${usd:.4f}"
    return f"${usd:.2f}"


def percent(rate: float | None) -> str:
    """A 0..1 rate as ``4.1%``."""
    return "—" if rate is None else f"{rate * 100:.1f}%"


def cost_cell(usd: float | None, unpriced: int, differs: bool) -> str:
    """A cost that may be incomplete: ``$1.23``; ``$1.23+?`` when some calls are unpriced;
    ``?`` when none could be priced; a trailing ``≠`` when the logged cost differs from the
    list price. Never a bare ``$0.00`` for calls nobody priced."""
    if usd is None:
        return "?" if unpriced else "—"
    return money(usd) + ("+?" if unpriced else "") + ("≠" if differs else "")


SPARK = "▁▂▃▄▅▆▇█"


def sparkline(values: list[int]) -> str:
    """One character per value, scaled to the largest: a zero is a space, anything above zero
    at least ``▁`` so a single failure stays visible."""
    top = max(values, default=0)
    if top <= 0:
        return " " * len(values)
    return "".join(" " if v <= 0 else SPARK[min(len(SPARK) - 1, (v * len(SPARK) - 1) // top)]
                   for v in values)
