"""The house rules of the layout: one atomic write, one home for each service rule, no logic in the pages."""

from __future__ import annotations

import ast
import importlib
import re
import threading
from pathlib import Path

import pytest

import lib.errors
from lib.files.atomic import atomic_write, new_file
from lib.files.storage import storage_for
from lib.history.gallery import can_rerun, first_page_if_filtered, set_up_rerun
from lib.jobs import GalleryQuery, JobStatus
from lib.novita.rules import aspect_ok
from lib.pairs.prepared import pair_id, prepare_pair
from scripts.module_lines import too_long
from tests.jobs_support import a_job

ROOT = Path(__file__).resolve().parent.parent


def test_two_writers_of_one_file_never_share_a_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "results" / "job.mp4"
    both_open = threading.Barrier(2)
    partials: list[Path] = []

    def write(data: bytes) -> None:
        with atomic_write(target) as partial:
            partials.append(partial)
            partial.write_bytes(data)
            both_open.wait(timeout=5)

    writers = [threading.Thread(target=write, args=(bytes([n]) * 1000,)) for n in (1, 2)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    assert len(set(partials)) == 2 and all(p.parent == target.parent and p.suffix == ".mp4" for p in partials)
    assert target.read_bytes() in (b"\x01" * 1000, b"\x02" * 1000)  # one whole file, never a mix
    assert [p.name for p in target.parent.iterdir()] == ["job.mp4"]


def test_a_failed_write_leaves_the_old_file_and_no_trace(tmp_path: Path) -> None:
    target = tmp_path / "history.zip"
    target.write_bytes(b"the old one")
    with pytest.raises(RuntimeError), atomic_write(target) as partial:
        partial.write_bytes(b"half of the new")
        raise RuntimeError("interrupted")
    assert target.read_bytes() == b"the old one"
    assert [p.name for p in tmp_path.iterdir()] == ["history.zip"]
    with new_file(tmp_path) as unplaced:
        unplaced.write_bytes(b"never moved")
    assert not unplaced.exists()


def test_no_other_module_names_its_own_temporary_files() -> None:
    """Temporary files come from lib.files.atomic only, so every one has a unique name and is cleaned up."""
    hand_written = []
    for path in (ROOT / "lib").rglob("*.py"):
        if path.name == "atomic.py":
            continue
        tree = ast.parse(path.read_text())
        docstrings = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr)}
        for node in ast.walk(tree):
            temp_call = isinstance(node, ast.Attribute) and node.attr in ("mkstemp", "NamedTemporaryFile")
            part_name = isinstance(node, ast.Constant) and id(node) not in docstrings and ".part" in str(node.value)
            if temp_call or part_name:
                hand_written.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert hand_written == [], "use lib.files.atomic instead"


@pytest.mark.parametrize(
    ("width", "height", "ok"),
    [(750, 300, True), (751, 300, False), (300, 750, True), (300, 751, False), (300, 300, True)],
)
def test_the_aspect_rule_is_exact_at_its_bounds(width: int, height: int, ok: bool) -> None:
    assert aspect_ok(width, height) is ok


def test_each_service_limit_is_written_once() -> None:
    """The 10 MB cap, 300 px, the aspect ratio and the 2,500 characters appear as numbers only in rules.py."""
    # By type too: the lengths are seconds (floats); an int 10 is a count, such as a batch's 10 a side.
    limits = {(type(limit), limit) for limit in (10_000_000, 10 * 1024 * 1024, 300, 2.5, 2500, 10.0, 30.0)}
    found = []
    for path in (ROOT / "lib").rglob("*.py"):
        if path.name == "rules.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            constant = node.value if isinstance(node, ast.Assign) else None
            if isinstance(constant, ast.Constant) and (type(constant.value), constant.value) in limits:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
            if isinstance(node, ast.BinOp) and ast.unparse(node) == "10 * 1024 * 1024":
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == [], "service limits belong in lib/novita/rules.py"


def test_a_rerun_prepares_the_same_pair_upload_would(settings, store, character_png: Path, motion_mp4: Path) -> None:
    job = store.add(
        a_job(
            image_path=str(character_png),
            video_path=str(motion_mp4),
            prompt="on a beach",
            keep_original_sound=False,
            character_orientation="video",
        )
    )
    assert can_rerun(job, storage_for(settings))
    rerun = set_up_rerun(store, job, storage_for(settings))
    assert rerun.prepared_id == pair_id(character_png, motion_mp4, "video")
    assert prepare_pair(store, character_png, motion_mp4, "video").id == rerun.prepared_id
    assert (rerun.character_orientation, rerun.prompt, rerun.keep_original_sound) == ("video", "on a beach", False)
    gone = store.add(a_job(image_path=str(character_png), video_path=str(character_png.with_name("gone.mp4"))))
    assert not can_rerun(gone, storage_for(settings))


def test_changing_a_filter_goes_back_to_the_first_page() -> None:
    shown = GalleryQuery(search="beach", page=3)
    assert first_page_if_filtered(shown, shown.filters).page == 3
    assert first_page_if_filtered(GalleryQuery(search="beach ", page=3), shown.filters).page == 3
    assert first_page_if_filtered(GalleryQuery(search="city", page=3), shown.filters).page == 0
    moved = GalleryQuery(statuses=(JobStatus.FAILED,), search="beach", page=3)
    assert first_page_if_filtered(moved, shown.filters).page == 0


def test_the_module_size_gate_names_a_module_over_the_limit(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "ui").mkdir()
    (tmp_path / "pages").mkdir()
    (tmp_path / "lib" / "small.py").write_text("x = 1\n" * 350)
    (tmp_path / "pages" / "big.py").write_text("x = 1\n" * 351)
    assert too_long(tmp_path) == [("pages/big.py", 351)]


def test_every_user_facing_error_lives_in_lib_errors() -> None:
    for module in sorted((ROOT / "lib").rglob("*.py")):
        importlib.import_module(".".join(module.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"))
    found: list[type] = []
    waiting = [lib.errors.MotionStudioError]
    while waiting:
        for error in waiting.pop().__subclasses__():
            found.append(error)
            waiting.append(error)
    assert [f"{e.__module__}.{e.__name__}" for e in found if not e.__module__.startswith("lib.errors")] == []


def test_every_repository_opens_the_history_where_the_settings_say() -> None:
    """`settings.database` is DATABASE_URL when set; a repository opened on `settings.db_path` would quietly
    keep a second history in the SQLite file beside the shared one."""
    opened_on_the_file = re.compile(r"\b[A-Z]\w*\((self\.)?settings\.db_path\b")
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for folder in ("lib", "ui", "pages", "bench")
        for path in sorted((ROOT / folder).rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if opened_on_the_file.search(line)
    ]
    assert found == []


def test_a_fresh_clone_has_the_static_folder_streamlit_serves() -> None:
    """Without it, `streamlit run` greets a newcomer with "Static file serving is enabled, but no static folder
    found", which reads like an error."""
    import subprocess

    root = Path(__file__).resolve().parent.parent
    tracked = subprocess.run(["git", "ls-files", "static"], cwd=root, capture_output=True, text=True, check=True)
    assert tracked.stdout.split(), "nothing under static/ is tracked: a fresh clone has no static folder"
