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

COMMANDS = ("stats", "search", "export", "demo")

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
    from .core.query import QueryError
    from .core.sources import SourceError
    from .core.store import StoreError

    if isinstance(exc, (CliError, SourceError, StoreError)):
        return str(exc)
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

    export = sub.add_parser("export", help="write calls as JSONL, CSV or Parquet")
    export.add_argument("paths", nargs="+", metavar="PATH")
    export.add_argument("--format", choices=("jsonl", "csv", "parquet"), default="jsonl")
    export.add_argument("--query", default="", help="only calls matching this search")
    export.add_argument("--out", help="output file (default: stdout), or a directory for "
                                      "Parquet partitioned by day")
    _index_options(export)
    _mask_option(export)
    export.set_defaults(run=run_export)

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
    """Open and bring up to date the index over ``paths``, reporting any fallback once."""
    from .core.index import Index

    index = Index.open(paths, index_path=index_target(args), tz=parse_tz(args.tz))
    if index.notice:
        print(f"llmview: {index.notice}", file=sys.stderr)
    index.refresh(final=True)
    return index


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
    from .export import export_calls

    index = open_index(args, args.paths)
    index.compile(args.query)
    count = export_calls(index, fmt=args.format, query=args.query, out=args.out,
                         mask=masker_for(args))
    if args.out:
        print(f"llmview: exported {count} calls to {args.out}", file=sys.stderr)
    return 0


def run_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo as demo

    return demo(args)


if __name__ == "__main__":
    sys.exit(main())
