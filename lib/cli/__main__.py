"""`python -m lib.cli`: see `lib.cli` for the commands."""

import sys

from lib.cli import main

if __name__ == "__main__":
    sys.exit(main())
