"""Writing a file so that its final name only ever holds a whole file.

Every writer gets a temporary file of its own beside the target, hidden (a leading dot) and of a
unique name, so two processes writing the same target never share one; only a block that succeeds
renames it into place, and a block that fails removes it.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _umask() -> int:
    """This process's umask, read without changing it (`os.umask` can only set it, for every thread)."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return 0o022
    return next((int(line.split()[1], 8) for line in status.splitlines() if line.startswith("Umask:")), 0o022)


# mkstemp makes files private to their owner; a finished file gets the permissions any new file would.
USUAL_MODE = 0o666 & ~_umask()


def lasting_partial(folder: Path, stem: str) -> Path:
    """The temporary name of a file written over many calls (an upload arriving in pieces): hidden, and
    named like every other partial file, so `leftovers` and clean-ups know it."""
    return folder / f".{stem}.part"


@contextmanager
def new_file(folder: Path, suffix: str = "", stem: str = "") -> Iterator[Path]:
    """Yield a new empty file of a unique name in `folder`, removed unless the block moves it away:
    for a file whose final name is known only once it is written (a content hash)."""
    folder.mkdir(parents=True, exist_ok=True)
    # The target's suffix stays last, so tools that go by it (moviepy, Pillow) write the right format.
    descriptor, name = tempfile.mkstemp(dir=folder, prefix=f".{stem}.", suffix=f".part{suffix}")
    os.fchmod(descriptor, USUAL_MODE)
    os.close(descriptor)
    partial = Path(name)
    try:
        yield partial
    finally:
        partial.unlink(missing_ok=True)


@contextmanager
def atomic_write(target: Path) -> Iterator[Path]:
    """Yield a new empty temporary path beside `target`; it becomes `target` if the block succeeds.

    On any failure the temporary file is removed and `target` is left as it was.

        with atomic_write(Path("results/job.mp4")) as partial:
            partial.write_bytes(data)
    """
    with new_file(target.parent, target.suffix, target.stem) as partial:
        yield partial
        os.replace(partial, target)


def leftovers(target: Path) -> list[Path]:
    """The temporary files of writers of `target` that died before finishing (killed, not failed)."""
    return sorted(target.parent.glob(f".{target.stem}.*.part{target.suffix}"))
