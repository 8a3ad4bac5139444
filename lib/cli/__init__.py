"""Motion Studio from the command line, for creators who script: the same engine and store as the pages.

    python -m lib.cli check dance.mov --orientation video
    python -m lib.cli fix dance.mov --out fixed/ --orientation image
    python -m lib.cli submit --image me.png --video fixed/dance.mp4 --orientation image --prompt "on a beach" --wait
    python -m lib.cli list --status succeeded --json
    python -m lib.cli download JOB_ID ~/Videos

Every command prints plain words, or JSON with --json. Exit codes: 0 done, 1 refused (a file that
breaks a rule, a job that failed, an unknown job id), 2 bad usage or a setting that cannot be used.
"""

from lib.cli.main import main

__all__ = ["main"]
