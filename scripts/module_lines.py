"""Gate: no module under lib/, ui/ or pages/ passes 350 lines (small modules, one job each).

python scripts/module_lines.py   # lists each module over the limit and exits 1, or prints nothing
"""

from __future__ import annotations

import sys
from pathlib import Path

LIMIT = 350
ROOT = Path(__file__).resolve().parent.parent


def too_long(root: Path = ROOT, limit: int = LIMIT) -> list[tuple[str, int]]:
    """Each module over `limit` lines, as (path from the root, lines), longest first."""
    found = []
    for folder in ("lib", "ui", "pages"):
        for module in sorted((root / folder).rglob("*.py")):
            lines = len(module.read_text(encoding="utf-8").splitlines())
            if lines > limit:
                found.append((str(module.relative_to(root)), lines))
    return sorted(found, key=lambda item: -item[1])


if __name__ == "__main__":
    over = too_long()
    for path, lines in over:
        print(f"{path}: {lines} lines, over the {LIMIT}-line limit: split it by what each part does")
    sys.exit(1 if over else 0)
