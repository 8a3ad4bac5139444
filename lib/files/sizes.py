"""How big a file is, in words: the one formatter of every size the app shows.

Sizes are in the decimal units docs/models.md defines (1 MB is 1,000,000 bytes, as the service's
"at most 10 MB" is read), so the drop zone, the checklist and a fix's before and after agree.

    file_size(10_123_456), file_size(48_200), file_size(2 * GB)   # ('10.1 MB', '48 KB', '2 GB')
"""

from __future__ import annotations

from lib.novita.rules import MB

KB = 1_000
GB = 1_000 * MB


def file_size(size_bytes: int) -> str:
    """'10.1 MB' from a megabyte up, '48 KB' below one (a small image is never '0.0 MB'), '2 GB' or '2.1 GB' from a
    gigabyte; a file under a kilobyte in bytes."""
    size = int(size_bytes)
    if size >= GB:
        return f"{size / GB:,.1f}".removesuffix(".0") + " GB"
    if size >= MB - KB // 2:  # what would round to "1,000 KB" is "1.0 MB"
        return f"{size / MB:,.1f} MB"
    if size >= KB:
        return f"{size / KB:,.0f} KB"
    return f"{size:,} bytes"
