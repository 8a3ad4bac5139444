"""Which stored files are still in use (lib/files/references.py): deleting a take, a library item or a job
removes only files nothing else names, whoever names them (jobs, prepared pairs, batch cells, the
library, fix runs), in a real SQLite file and a real data folder."""

from __future__ import annotations

import os
import sqlite3
import time
from datetime import datetime
from pathlib import Path

import pytest
from huey import MemoryHuey

from lib.config import Settings
from lib.files.atomic import lasting_partial
from lib.files.hosting import keep_copy
from lib.files.references import Freed, Removed, StoredFiles
from lib.history.export import exports_dir
from lib.history.gallery import delete_job
from lib.jobs import Job, JobStatus, JobStore
from lib.jobs.models import new_job_id, now_iso
from lib.library import Library, LibraryKind
from lib.pairs.prepared import prepare_pair
from lib.uploads.fix_runs import FixRuns
from lib.worker.clean_up import clean_up
from lib.worker.tasks import register


def stored(settings: Settings, source: Path, extra: bytes = b"") -> str:
    """A content-named copy in the inputs folder, as Upload and Generate keep them."""
    scratch = settings.data_dir / "scratch" / source.name
    scratch.parent.mkdir(parents=True, exist_ok=True)
    scratch.write_bytes(source.read_bytes() + extra)
    return str(keep_copy(scratch, settings.inputs_dir))


def a_take(store: JobStore, settings: Settings, image: str, video: str, name: str = "take") -> Job:
    """A finished job made from `image` and `video`, with its own result."""
    settings.results_dir.mkdir(parents=True, exist_ok=True)
    result = settings.results_dir / f"{name}.mp4"
    result.write_bytes(Path(video).read_bytes() + name.encode())
    stamp = now_iso()
    return store.add(
        Job(
            id=new_job_id(),
            content_hash=name,
            status=JobStatus.SUCCEEDED,
            character_orientation="image",
            created_at=stamp,
            updated_at=stamp,
            image_path=image,
            video_path=video,
            result_path=str(result),
        )
    )


def a_batch_using(settings: Settings, image: str, video: str, job_id: str | None = None) -> str:
    """A batch whose one cell used `image` and `video`, as `lib.batches.Batches` records it."""
    batch_id, stamp = new_job_id(), now_iso()
    with sqlite3.connect(settings.db_path) as db:
        db.execute(
            "insert into batches (id, status, character_orientation, model, created_at, updated_at) "
            "values (?, 'done', 'image', 'kling-v2.6-pro', ?, ?)",
            [batch_id, stamp, stamp],
        )
        db.execute(
            "insert into batch_cells (batch_id, row, col, image_path, video_path, job_id) values (?, 0, 0, ?, ?, ?)",
            [batch_id, image, video, job_id],
        )
    return batch_id


def test_deleting_a_take_a_batch_used_keeps_the_batchs_inputs(settings, store, character_png, motion_mp4) -> None:
    image, video = stored(settings, character_png), stored(settings, motion_mp4)
    take = a_take(store, settings, image, video)
    a_batch_using(settings, image, video, take.id)

    delete_job(store, take.id, settings.data_dir, settings.static_dir)

    assert not Path(take.result_path or "").exists()  # only the take had its result
    assert Path(image).exists() and Path(video).exists()  # the batch still shows them


def test_removing_a_library_character_a_batch_used_keeps_its_file(settings, character_png, motion_mp4) -> None:
    library = Library(settings.db_path)
    ana = library.add(LibraryKind.CHARACTER, character_png, "Ana")
    a_batch_using(settings, ana.path, stored(settings, motion_mp4))

    library.remove(ana.id)

    assert Path(ana.path).exists()
    assert ana.thumbnail_path and not Path(ana.thumbnail_path).exists()  # nothing else shows the thumbnail


def test_deleting_a_job_keeps_the_files_of_an_older_prepared_pair(settings, store, character_png, motion_mp4) -> None:
    # Tab A prepared a pair and made a take of it; tab B prepared another pair since.
    image, video = stored(settings, character_png), stored(settings, motion_mp4)
    older = prepare_pair(store, image, video, "image")
    take = a_take(store, settings, image, video)
    newer = prepare_pair(store, stored(settings, character_png, b"b"), stored(settings, motion_mp4, b"b"), "video")
    assert store.prepared() == newer

    delete_job(store, take.id, settings.data_dir)

    assert Path(older.image_path).exists() and Path(older.video_path).exists()  # tab A can still generate


def test_a_file_goes_with_its_last_reference_and_its_static_copy_with_it(
    database, settings, store, character_png, motion_mp4
) -> None:
    image, video = stored(settings, character_png), stored(settings, motion_mp4)
    first, second = a_take(store, settings, image, video, "first"), a_take(store, settings, image, video, "second")
    served = keep_copy(Path(video), settings.static_dir)
    shown_result = keep_copy(Path(first.result_path or ""), settings.static_dir)
    fix_source = stored(settings, motion_mp4, b"fix")
    FixRuns(database).request("video", fix_source, "image")
    files = StoredFiles(database)
    assert files.in_use([image, video, fix_source, "elsewhere.png"]) == {image, video, fix_source}

    delete_job(store, first.id, settings.data_dir, settings.static_dir)
    assert Path(video).exists() and served.exists()  # the second take still uses the motion video
    assert not Path(first.result_path or "").exists() and not shown_result.exists()

    store.delete(second.id)
    served_bytes = served.stat().st_size
    freed = files.release([image, video, second.result_path, fix_source], settings.data_dir, settings.static_dir)
    assert not Path(image).exists() and not Path(video).exists() and not served.exists()
    assert Path(fix_source).exists()  # a fix run still names it
    assert freed.stored_files.files == 3 and freed.static_copies == Removed(1, served_bytes)


def test_only_files_inside_the_data_folder_are_ever_removed(settings, tmp_path, character_png) -> None:
    own = tmp_path / "mine.png"
    own.write_bytes(character_png.read_bytes())
    assert StoredFiles(settings.db_path).release([str(own)], settings.data_dir) == Freed()
    assert own.exists()


@pytest.mark.parametrize("count", [0, 1])
def test_freed_says_what_it_freed_in_words(count) -> None:
    freed = Freed(static_copies=Removed(count, 1_500_000 * count), export_zips=Removed(2, 3_000_000))
    assert freed.total == Removed(2 + count, 3_000_000 + 1_500_000 * count)
    words = "Freed 4.5 MB: 1 static copy (1.5 MB), 2 export zips (3.0 MB)." if count else "Freed 3.0 MB: 2 export zips"
    assert freed.words().startswith(words)
    assert Freed().words() == "Nothing to remove."


def aged(path: Path, days: float) -> Path:
    """`path`, last written `days` ago."""
    stamp = time.time() - days * 24 * 3600
    os.utime(path, (stamp, stamp))
    return path


def test_the_clean_up_removes_what_nobody_will_use_again_and_says_so(
    settings, store, character_png, motion_mp4
) -> None:
    image, video = stored(settings, character_png), stored(settings, motion_mp4)
    take = a_take(store, settings, image, video)
    unprepared = stored(settings, character_png, b"dropped on Upload, not prepared yet")
    # Pieces of uploads: one abandoned two days ago, one arriving now.
    abandoned = lasting_partial(settings.inputs_dir, "upload.a1b2c3d4")
    abandoned.write_bytes(b"x" * 1000)
    aged(abandoned, 2)
    arriving = lasting_partial(settings.inputs_dir, "upload.e5f6a7b8")
    arriving.write_bytes(b"y" * 10)
    # Static copies: of the take's motion video (hosted) and result (Compare), and of a deleted job's
    # result, all old; a fresh copy nothing uses yet (a page showing an upload); the set-up check's file.
    hosted, compared = (aged(keep_copy(Path(p), settings.static_dir), 3) for p in (video, take.result_path or ""))
    orphan_source = settings.data_dir / "scratch" / "deleted-result.mp4"
    orphan_source.write_bytes(b"a result since deleted")
    orphan = aged(keep_copy(orphan_source, settings.static_dir), 3)
    orphan_source.unlink()
    fresh = keep_copy(Path(unprepared), settings.static_dir)
    check_file = settings.static_dir / "setup-check-token.txt"
    check_file.write_text("ok")
    aged(check_file, 3)
    # Export zips: one of two days ago, one of an hour ago.
    exports_dir(settings.data_dir).mkdir(parents=True)
    old_zip = exports_dir(settings.data_dir) / "motion_studio-history-20261201T000000000000Z.zip"
    old_zip.write_bytes(b"z" * 500)
    aged(old_zip, 2)
    new_zip = exports_dir(settings.data_dir) / "motion_studio-history-20261204T000000000000Z.zip"
    new_zip.write_bytes(b"z")
    before = {p for p in settings.data_dir.rglob("*") if p.is_file()} | set(settings.static_dir.iterdir())

    freed = clean_up(settings)

    after = {p for p in settings.data_dir.rglob("*") if p.is_file()} | set(settings.static_dir.iterdir())
    assert before - after == {abandoned, orphan, old_zip}
    assert {hosted, compared, fresh, arriving, new_zip, Path(image), Path(video), Path(unprepared)} <= after
    assert check_file in after
    assert freed == Freed(
        static_copies=Removed(1, len(b"a result since deleted")),
        upload_partials=Removed(1, 1000),
        export_zips=Removed(1, 500),
    )
    assert clean_up(settings) == Freed()  # a second pass finds nothing


def test_the_worker_cleans_up_every_hour(settings) -> None:
    huey = MemoryHuey("clean-up-test", immediate=False)
    tasks = register(huey, settings)
    assert tasks.clean_up is not None
    assert [task.name for task in huey.read_periodic(datetime(2026, 12, 4, 10, 17))] == ["clean_up"]
    assert huey.read_periodic(datetime(2026, 12, 4, 10, 18)) == []
