"""Upload's pair in the page's address, so a reload, a bookmark or a link from Generate opens the same files.

A file is named by its place inside the data folder ("inputs/3f9c….mp4"), never by a path of the server's
own: an address that points anywhere else, or at nothing, names no file.

    in_address(Path("/srv/data/inputs/ab.mp4"), Path("/srv/data"))   # "inputs/ab.mp4"
    from_address("inputs/ab.mp4", Path("/srv/data"))                  # Path("/srv/data/inputs/ab.mp4")
    from_address("../etc/passwd", Path("/srv/data"))                  # None
"""

from __future__ import annotations

from pathlib import Path


def in_address(path: str | Path | None, data_dir: Path) -> str | None:
    """Where `path` is inside `data_dir`, as the address names it; None for a file kept elsewhere."""
    if not path:
        return None
    try:
        return Path(path).resolve().relative_to(data_dir.resolve()).as_posix()
    except ValueError:
        return None


def from_address(value: str | None, data_dir: Path) -> Path | None:
    """The file in `data_dir` an address names, or None when it names nothing there."""
    if not value:
        return None
    folder = data_dir.resolve()
    path = (folder / value).resolve()
    return path if path.is_relative_to(folder) and path.is_file() else None
