"""The command line's arguments and exit codes: 0 done, 1 refused (or a job that failed), 2 bad usage.

`--json` is accepted before or after the command: the main parser and every command's parser each
know it, and a command's copy only counts when it is given (its default is "not set").
Each command's module is imported only when it runs: the job store takes half a second to import,
which `check` and `fix`, run once per file by scripts, should not pay.
"""

from __future__ import annotations

import argparse
import importlib

from lib.cli.output import REFUSED, STOPPED, Out, Refusal, Refused
from lib.config import load_settings
from lib.errors import MotionStudioError, SettingInvalid
from lib.jobs.models import JobStatus
from lib.novita.rules import DEFAULT_MODEL, MODEL_WORDS, ORIENTATIONS

BAD_USAGE = 2
# The store's status words, offered by `list --status` (lib.jobs.models imports without the store).
STATUS_WORDS = tuple(status.value for status in JobStatus)
JSON_HELP = "print the answer as JSON (on stdout; progress and reasons stay on stderr)"


def main(argv: list[str] | None = None) -> int:
    """Run one command; its exit code, also for --help and bad usage, which argparse would end with SystemExit."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as ended:
        return ended.code if isinstance(ended.code, int) else BAD_USAGE
    out = Out(args.json)
    module, name = args.run.split(":")
    run = getattr(importlib.import_module(f"lib.cli.{module}"), name)
    try:
        if args.needs_settings:
            return run(args, out, load_settings())
        return run(args, out)
    except Refused as refused:
        out.refuse(refused.refusal)
        return REFUSED
    except SettingInvalid as error:
        out.refuse(Refusal(str(error)))
        return BAD_USAGE
    except MotionStudioError as error:
        out.refuse(Refusal(str(error)))
        return REFUSED
    except OSError as error:
        out.refuse(Refusal(f"Could not use {error.filename or 'a file'}: {error.strerror or error}."))
        return REFUSED
    except KeyboardInterrupt:
        out.note("Stopped.")
        return STOPPED


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m lib.cli",
        description="Motion Studio from the command line: check and fix files, submit jobs, follow and download them.",
    )
    parser.add_argument("--json", action="store_true", help=JSON_HELP)
    parsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = _command(
        parsers, "check", "checking:check", "check a character image or motion video against the rules", settings=True
    )
    check.add_argument(
        "file", metavar="FILE", nargs="?", help="a character image (JPG, PNG) or a motion video (MP4, MOV)"
    )
    check.add_argument("--image", metavar="PATH", help="with --video: check the pair, and how they go together")
    check.add_argument("--video", metavar="PATH", help="with --image: the motion video of the pair")
    _orientation(check, required=False)
    _model(check)

    fix = _command(parsers, "fix", "files:fix", "make a file that passes every rule")
    fix.add_argument("file", metavar="FILE", help="a character image or a motion video")
    fix.add_argument("--out", required=True, metavar="DIR", help="folder for the fixed file")
    _orientation(fix, required=False)
    _model(fix)

    submit = _command(parsers, "submit", "submitting:submit", "check the inputs and queue a job", settings=True)
    submit.add_argument("--image", required=True, metavar="PATH_OR_URL", help="the character image")
    submit.add_argument("--video", required=True, metavar="PATH_OR_URL", help="the motion video")
    _orientation(submit, required=True)
    _model(submit)
    submit.add_argument("--prompt", default="", metavar="TEXT", help="scene, style, lighting")
    submit.add_argument("--negative-prompt", default="", metavar="TEXT", help="things to avoid")
    submit.add_argument("--no-sound", action="store_true", help="leave out the motion video's sound")
    submit.add_argument("--wait", action="store_true", help="follow the job until it ends; exit 1 unless it succeeds")
    _acting_as(submit)
    submit.add_argument(
        "--wait-for-worker",
        type=_seconds,
        default=60.0,
        metavar="SECONDS",
        help="with --wait, give up after this long without a running worker (default 60)",
    )

    batch = _command(
        parsers,
        "batch",
        "batch:batch",
        "one job per character and motion video, at a cost confirmed first",
        settings=True,
    )
    batch.add_argument(
        "--image", action="append", required=True, metavar="PATH_OR_URL", help="a character image; repeat, up to 10"
    )
    batch.add_argument(
        "--video", action="append", required=True, metavar="PATH_OR_URL", help="a motion video; repeat, up to 10"
    )
    _orientation(batch, required=False)
    _model(batch)
    batch.add_argument("--prompt", default="", metavar="TEXT", help="scene, style, lighting, for every job")
    batch.add_argument("--negative-prompt", default="", metavar="TEXT", help="things to avoid")
    batch.add_argument("--no-sound", action="store_true", help="leave out the motion videos' sound")
    batch.add_argument(
        "--max-cost", type=_dollars, metavar="USD", help="refuse the batch if it would cost more than this"
    )
    batch.add_argument("--yes", action="store_true", help="send without asking to confirm the cost")
    _acting_as(batch)
    batch.add_argument("--wait", action="store_true", help="follow every job until it ends; exit 1 unless all succeed")
    batch.add_argument(
        "--wait-for-worker",
        type=_seconds,
        default=60.0,
        metavar="SECONDS",
        help="with --wait, give up after this long without a running worker (default 60)",
    )
    batch.add_argument(
        "--wait-limit",
        type=_seconds,
        default=4 * 3600.0,
        metavar="SECONDS",
        help="with --wait, stop waiting after this long and say what is still open (default 4 hours)",
    )
    batch.add_argument(
        "--key",
        metavar="TEXT",
        help="name this sending: the same command again with the same key makes no second batch",
    )

    listing = _command(parsers, "list", "history:list_jobs", "the most recent jobs, newest first", settings=True)
    listing.add_argument("--limit", type=_positive, default=20, metavar="N", help="at most N jobs (default 20)")
    listing.add_argument(
        "--status", choices=STATUS_WORDS, metavar="WORD", help=f"only jobs in this status: {', '.join(STATUS_WORDS)}"
    )

    show = _command(parsers, "show", "history:show", "one job", settings=True)
    show.add_argument("id", metavar="ID", help="the job's id, as list shows it")

    resolve = _command(
        parsers,
        "resolve",
        "resolving:resolve",
        "settle a job that may have been sent, once you checked your Novita dashboard",
        settings=True,
    )
    resolve.add_argument("id", metavar="ID", help="the job's id, as list shows it")
    outcome = resolve.add_mutually_exclusive_group(required=True)
    outcome.add_argument(
        "--not-sent",
        action="store_true",
        help="it was not made: the job fails, and may be submitted again",
    )
    outcome.add_argument("--task-id", metavar="TASK_ID", help="it was made as this task: the job follows it")

    download = _command(parsers, "download", "history:download", "copy a job's video into a folder", settings=True)
    download.add_argument("id", metavar="ID", help="the job's id, as list shows it")
    download.add_argument("dir", metavar="DIR", help="the folder to copy the video into")

    budget = _command(parsers, "budget", "budget:show_budgets", "monthly caps: who spent what this month")
    budgets = budget.add_subparsers(dest="budget_command", metavar="show|set")
    shown = budgets.add_parser("show", help="each cap, what was spent this month and what is left")
    shown.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help=JSON_HELP)
    shown.set_defaults(run="budget:show_budgets", needs_settings=True)
    setting = budgets.add_parser("set", help="set a monthly cap in US dollars")
    setting.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help=JSON_HELP)
    setting.add_argument("person", metavar="PERSON", help="an email, cli:<user>, or team (everyone together)")
    setting.add_argument("dollars", type=_dollars, metavar="DOLLARS", help="the monthly cap, like 20")
    setting.set_defaults(run="budget:set_budget", needs_settings=True)
    budget.set_defaults(needs_settings=True)
    migrate = _command(
        parsers,
        "migrate",
        "migrating:migrate",
        "copy this machine's history into PostgreSQL, for machines that share no disk",
        settings=True,
    )
    migrate.add_argument("--to-database", required=True, metavar="URL", help="postgresql://user:password@host/db")
    migrate.add_argument(
        "--to-bucket", metavar="NAME", help="also put every stored file in this bucket (reached with the S3_* settings)"
    )

    _command(
        parsers,
        "clean-up",
        "clean_up:clean_up_now",
        "remove abandoned upload pieces, unused static copies and export zips older than a day",
        settings=True,
    )
    return parser


def _command(
    parsers: argparse._SubParsersAction, name: str, run: str, summary: str, settings: bool = False
) -> argparse.ArgumentParser:
    """A command whose work is `run` ("module:function" in lib.cli), called with settings when it needs them."""
    command = parsers.add_parser(name, help=summary, description=summary[0].upper() + summary[1:] + ".")
    # SUPPRESS: a command's --json sets the value only when given, so one given before the command stays.
    command.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help=JSON_HELP)
    command.set_defaults(run=run, needs_settings=settings)
    return command


def _acting_as(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--as",
        dest="acting_as",
        metavar="EMAIL",
        help="record the work as this person's (only for operating-system users CLI_AS_USERS names)",
    )


def _orientation(command: argparse.ArgumentParser, required: bool) -> None:
    command.add_argument(
        "--orientation",
        choices=ORIENTATIONS,
        required=required,
        default=None if required else "image",
        help="which way the character faces: as in the image (video up to 10 s) or the video (up to 30 s)"
        + ("" if required else "; default image"),
    )


def _model(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--model",
        choices=MODEL_WORDS,
        default=DEFAULT_MODEL.word,
        help=f"whose rules and price: {', '.join(MODEL_WORDS)}; default {DEFAULT_MODEL.word}",
    )


def _positive(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 1 or more")
    return number


def _dollars(text: str) -> float:
    try:
        number = float(text.strip().lstrip("$"))
    except ValueError:
        number = -1.0
    if not 0 <= number < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not an amount of US dollars, like 5.00")
    return number


def _seconds(text: str) -> float:
    try:
        number = float(text)
    except ValueError:
        number = -1.0
    if not 0 <= number < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds")
    return number
