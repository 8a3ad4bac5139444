"""sqlite-utils, imported without pandas and numpy.

sqlite-utils imports pandas and numpy whenever they are installed (Streamlit installs both), only to
convert their values on insert. The store never hands it such values, and importing the two made
about 0.3 s of a page's first render after the server starts (bench/bench_pages.py, "cold"). So they
are hidden while sqlite-utils imports, and import as usual for whoever needs them later. The store
imports sqlite-utils from here: `from lib.jobs.lean_sqlite import sqlite_utils`.
"""

from __future__ import annotations

import sys

_HIDDEN = [name for name in ("pandas", "numpy") if name not in sys.modules]
for _name in _HIDDEN:
    sys.modules[_name] = None  # type: ignore[assignment]  # an import of it fails, as if not installed
try:
    import sqlite_utils
finally:
    for _name in _HIDDEN:
        del sys.modules[_name]

__all__ = ["sqlite_utils"]
