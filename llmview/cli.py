"""Command line: ``llmview PATH...`` opens the viewer; subcommands answer headless.

Heavy modules (DuckDB, Arrow, Textual) are imported inside the commands so that ``--help`` and
argument errors are instant. Every failure a user can cause ends in one line on stderr and a
non-zero exit code, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

COMMANDS = ("stats", "search", "export", "demo", "metrics", "trace", "sessions", "session",
            "errors")

EXIT_USAGE = 2
EXIT_FAILED = 1


class CliError(Exception):
    """A failure to report as one line."""


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if argv and argv[0] not in COMMANDS and argv[0] not in ("-h", "--help", "--version"):
        argv.insert(0, "open")
    elif not argv:
        argv = ["open", "."]
    args = parser.parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001 - the one place that turns failures into a line
        message = user_message(exc)
        if message is None:
            raise
        print(f"llmview: {message}", file=sys.stderr)
        return EXIT_FAILED


def user_message(exc: Exception) -> str | None:
    """The one line for a failure the user can act on; None for a bug (shown with traceback)."""
    from .core.config import ConfigError
    from .core.query import QueryError
    from .core.sources import SourceError
    from .core.store import StoreError

    if isinstance(exc, (CliError, SourceError, StoreError)):
        return str(exc)
    if isinstance(exc, ConfigError):
        return f"{exc} — fix or move the file"
    if isinstance(exc, QueryError):
        return f"bad query: {exc}"
    if isinstance(exc, PermissionError):
        return f"{exc.filename}: permission denied"
    if isinstance(exc, OSError) and exc.filename:
        return f"{exc.filename}: {exc.strerror}"
    return None


# --- arguments --------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="llmview",
        description="A terminal viewer for the logs LLM applications write.",
        epilog="Run `llmview PATH` to open the viewer, or `llmview demo` to try it on sample "
               "logs. `llmview COMMAND --help` describes each command.",
    )
    parser.add_argument("--version", action="version", version=f"llmview {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    open_ = sub.add_parser("open", help="open the viewer on PATH... (the default command)")
    open_.add_argument("paths", nargs="*", default=["."], metavar="PATH")
    _index_options(open_)
    open_.set_defaults(run=run_open)

    stats = sub.add_parser("stats", help="totals: requests, errors, tokens, models, problems")
    stats.add_argument("paths", nargs="+", metavar="PATH")
    stats.add_argument("--json", action="store_true", help="print JSON")
    _index_options(stats)
    stats.set_defaults(run=run_stats)

    search = sub.add_parser("search", help="print the calls a query matches",
                            description="PATH... QUERY: the last argument is the query.")
    search.add_argument("paths", nargs="+", metavar="PATH... QUERY")
    fmt = search.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="one JSON object per line")
    fmt.add_argument("--csv", action="store_true", help="CSV with a header row")
    search.add_argument("--limit", type=int, default=50, help="at most N calls (default 50)")
    _index_options(search)
    _mask_option(search)
    search.set_defaults(run=run_search)

    export = sub.add_parser("export", help="write calls as JSONL, CSV or Parquet, or spans "
                                            "as OTLP JSON")
    export.add_argument("paths", nargs="+", metavar="PATH")
    export.add_argument("--format", choices=("jsonl", "csv", "parquet", "otlp"), default="jsonl",
                        help="otlp: the spans of the matching traces as OTLP JSON lines")
    export.add_argument("--query", default="", help="only calls matching this search")
    export.add_argument("--out", help="output file (default: stdout), or a directory for "
                                      "Parquet partitioned by day")
    _index_options(export)
    _mask_option(export)
    export.set_defaults(run=run_export)

    trace = sub.add_parser("trace", help="one trace as a waterfall or a JSON tree",
                           description="PATH... TRACE_ID: the last argument is the trace id (any "
                                       "case, 0x optional, or a unique prefix of 8+ hex digits).")
    trace.add_argument("paths", nargs="+", metavar="PATH... TRACE_ID")
    trace.add_argument("--json", action="store_true",
                       help='{"trace_id", "roots": [{span..., "children": [...]}]}')
    _index_options(trace)
    _mask_option(trace)
    trace.set_defaults(run=run_trace)

    metrics = sub.add_parser("metrics", help="latency percentiles, tokens and cost per model "
                             "(or app, user, ...); --prometheus for the exposition format")
    metrics.add_argument("paths", nargs="+", metavar="PATH")
    shape = metrics.add_mutually_exclusive_group()
    shape.add_argument("--prometheus", action="store_true",
                       help="Prometheus text exposition format (counters and a histogram)")
    shape.add_argument("--json", action="store_true", help="print JSON")
    metrics.add_argument("--query", default="", help="only calls matching this search")
    metrics.add_argument("--window", choices=("1h", "24h", "7d", "all"), default="all",
                         help="the last hour, day or week up to the newest call (default: all)")
    metrics.add_argument("--group", choices=("model", "provider", "app", "user", "session",
                                             "operation"), default="model",
                         help="one row per model (default), provider, app, ...")
    _index_options(metrics)
    _mask_option(metrics)
    metrics.set_defaults(run=run_metrics)

    sessions = sub.add_parser("sessions", help="list conversations: turns, tokens, cost, errors")
    sessions.add_argument("paths", nargs="+", metavar="PATH")
    sessions.add_argument("--json", action="store_true", help="one JSON object per line")
    sessions.add_argument("--query", default="",
                          help="only sessions matching this search (user:, app:, since:, ...)")
    sessions.add_argument("--limit", type=int, default=50, help="at most N sessions (default 50)")
    _index_options(sessions)
    _mask_option(sessions)
    sessions.set_defaults(run=run_sessions)

    session = sub.add_parser("session", help="one conversation, each message once, with what "
                             "changed between turns",
                             description="PATH... SESSION_ID: the last argument is the session "
                                         "id as `llmview sessions` lists it (or a unique prefix).")
    session.add_argument("paths", nargs="+", metavar="PATH... SESSION_ID")
    session.add_argument("--json", action="store_true", help="print JSON")
    _index_options(session)
    _mask_option(session)
    session.set_defaults(run=run_session)

    errors = sub.add_parser("errors", help="failures grouped by cause, with suggested fixes")
    errors.add_argument("paths", nargs="+", metavar="PATH")
    errors.add_argument("--json", action="store_true", help='{"groups": [{"category", '
                        '"signature", "count", "first_seen", "last_seen", "models", '
                        '"suggestion", "doc_url", "example_request_id"}]}')
    errors.add_argument("--since", metavar="TIME",
                        help="only failures since TIME: 15m, 2d, 2026-11-20 or 2026-11-20T10:00")
    errors.add_argument("--sort", choices=("count", "recent"), default="count",
                        help="most frequent first (default) or most recent first")
    _index_options(errors)
    _mask_option(errors)
    errors.set_defaults(run=run_errors)

    demo = sub.add_parser("demo", help="write realistic sample logs and open the viewer on them")
    demo.add_argument("dir", nargs="?", help="where to write (default: a temporary directory)")
    demo.add_argument("--write-only", action="store_true",
                      help="write the sample logs and exit without opening the viewer")
    demo.add_argument("--calls", type=int, default=400, help="calls in the first batch")
    _index_options(demo)
    demo.set_defaults(run=run_demo)
    return parser


def _index_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("index")
    where = group.add_mutually_exclusive_group()
    where.add_argument("--index", metavar="FILE", help="keep the index in FILE")
    where.add_argument("--no-index", action="store_true", help="index in memory only")
    group.add_argument("--poll", action="store_true",
                       help="poll files instead of OS notifications (NFS, some containers)")
    group.add_argument("--tz", metavar="ZONE",
                       help="time zone of timestamps written without one (default: local)")


def _mask_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--unmasked", action="store_true",
                        help="show personal data and secrets as logged (masked by default)")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("llmview")
    except PackageNotFoundError:
        return "dev"


# --- shared steps -----------------------------------------------------------------------------


def index_target(args: argparse.Namespace) -> str | bool | None:
    """``Index.open``'s ``index_path`` from --index/--no-index."""
    if args.no_index:
        return None
    return args.index or True


def open_index(args: argparse.Namespace, paths: list[str]) -> Any:
    """Open and bring up to date the index over ``paths``, reporting any fallback or rebuild
    once, when it happens."""
    from .core.index import Index

    index = Index.open(paths, index_path=index_target(args), tz=parse_tz(args.tz),
                       on_notice=notice)
    index.refresh(final=True)
    return index


def notice(message: str) -> None:
    """A fallback or rebuild of the index: worth a line on stderr, not a failure."""
    print(f"llmview: {message}", file=sys.stderr)


def parse_tz(name: str | None) -> Any:
    if not name:
        return None
    from datetime import timedelta, timezone
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if name.upper() in ("UTC", "Z"):
        return timezone.utc
    sign = name[:1]
    if sign in "+-" and ":" in name:
        hours, minutes = name[1:].split(":", 1)
        try:
            delta = timedelta(hours=int(hours), minutes=int(minutes))
        except ValueError:
            raise CliError(f"--tz {name}: expected a zone like Europe/Paris or +02:00") from None
        return timezone(delta if sign == "+" else -delta)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CliError(f"--tz {name}: unknown time zone (try Europe/Paris, UTC or +02:00)") \
            from None


def masker_for(args: argparse.Namespace) -> Callable[[Any], Any]:
    """A function masking a JSON value for output, or the identity with ``--unmasked``."""
    if getattr(args, "unmasked", False):
        return lambda value: value
    from .core.pii import default_masker

    return default_masker().mask_json


# --- commands ---------------------------------------------------------------------------------


def run_open(args: argparse.Namespace) -> int:
    from .ui.app import run_app

    return run_app(args)


def run_stats(args: argparse.Namespace) -> int:
    from .output import print_stats

    index = open_index(args, args.paths)
    print_stats(index.stats(), as_json=args.json)
    return 0


def run_search(args: argparse.Namespace) -> int:
    from .output import print_calls

    if len(args.paths) < 2:
        raise CliError("search needs PATH... and a QUERY (use '' to list every call)")
    *paths, query = args.paths
    index = open_index(args, paths)
    index.compile(query)  # report a bad query before anything else
    rows = index.search(query, limit=args.limit)
    fmt = "json" if args.json else "csv" if args.csv else "text"
    print_calls(rows, fmt=fmt, mask=masker_for(args))
    return 0


def run_export(args: argparse.Namespace) -> int:
    from .export import export_calls, export_spans_otlp

    index = open_index(args, args.paths)
    spans = args.format == "otlp"
    index.compile(args.query, "traces" if spans else "calls")
    if spans:
        count = export_spans_otlp(index, query=args.query, out=args.out, mask=masker_for(args))
    else:
        count = export_calls(index, fmt=args.format, query=args.query, out=args.out,
                             mask=masker_for(args))
    if args.out:
        print(f"llmview: exported {count} {'spans' if spans else 'calls'} to {args.out}",
              file=sys.stderr)
    return 0


def run_metrics(args: argparse.Namespace) -> int:
    from .output_metrics import print_metrics, print_prometheus

    index = open_index(args, args.paths)
    view = index.metrics(args.query, args.window, args.group)
    if args.prometheus:
        print_prometheus(view, mask=masker_for(args))
    else:
        print_metrics(view, as_json=args.json, mask=masker_for(args))
    return 0


def run_trace(args: argparse.Namespace) -> int:
    import shutil

    from .core.traces import TraceIdError
    from .output_trace import print_trace_json, print_trace_text

    if len(args.paths) < 2:
        raise CliError("trace needs PATH... and a TRACE_ID")
    *paths, typed = args.paths
    index = open_index(args, paths)
    try:
        trace_id = index.traces.resolve(typed)
    except TraceIdError as exc:
        raise CliError(str(exc)) from None
    tree = index.traces.tree(trace_id, full=True)
    if not tree.span_count:
        raise CliError(f"trace {trace_id}: no spans were logged, only calls carrying its id "
                       f"(llmview search PATH 'trace:{trace_id}')")
    if args.json:
        print_trace_json(tree, masker_for(args))
    else:
        print_trace_text(tree, shutil.get_terminal_size().columns, masker_for(args))
    return 0


def run_sessions(args: argparse.Namespace) -> int:
    from .output_sessions import print_sessions

    index = open_index(args, args.paths)
    rows = index.sessions.page(args.query, limit=args.limit)
    print_sessions(rows, as_json=args.json, mask=masker_for(args))
    return 0


def run_session(args: argparse.Namespace) -> int:
    from .core.thread import thread_json
    from .output_sessions import print_thread

    if len(args.paths) < 2:
        raise CliError("session needs PATH... and a SESSION_ID (llmview sessions PATH lists them)")
    *paths, session = args.paths
    thread = open_index(args, paths).sessions.thread(session)
    if thread is None:
        raise CliError(f"no session {session!r} (or more than one starts with it); "
                       "llmview sessions PATH lists them")
    print_thread(masker_for(args)(thread_json(thread)), as_json=args.json)
    return 0


def run_errors(args: argparse.Namespace) -> int:
    from .core.query import QueryError
    from .output_errors import print_errors

    index = open_index(args, args.paths)
    since = None
    if args.since:
        quoted = args.since.replace("\\", "\\\\").replace('"', '\\"')
        try:  # the search language's since: reads the time, so both accept the same
            since = index.compile(f'since:"{quoted}"').since
        except QueryError as exc:
            raise CliError(f"--since {args.since}: expected a time like 15m, 2d, 2026-11-20 "
                           "or 2026-11-20T10:00") from exc
    print_errors(index.error_groups(since=since, sort=args.sort), as_json=args.json,
                 mask=masker_for(args))
    return 0


def run_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo as demo

    return demo(args)


if __name__ == "__main__":
    sys.exit(main())
