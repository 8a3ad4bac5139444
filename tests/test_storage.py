"""Every stored file behind one door: the data folder on one machine, or one bucket that machines share.

The bucket is a real S3-compatible HTTP server (moto in server mode) on a free loopback port. A second
"machine" is a second data folder pointed at the same bucket and the same history.
"""

from __future__ import annotations

import io
import shutil
import sqlite3
import zipfile
from dataclasses import replace

import pytest
import requests

from lib.batches.results import batch_zip, ready_zip, zips_dir
from lib.batches.store import Batch, BatchCell, BatchStatus
from lib.cli.main import main as cli_main
from lib.config import load_settings
from lib.files.hosting import STATIC_ROUTE
from lib.files.references import StoredFiles
from lib.files.storage import BucketStorage, FolderStorage, storage_for
from lib.history.compare import motion_clip, take_clips
from lib.history.export import export_zip
from lib.history.gallery import can_rerun, delete_job, set_up_rerun
from lib.jobs import JobStatus, JobStore
from lib.jobs.submit import record_job, send_job
from lib.library import Library, LibraryKind, clip_length, library_for
from lib.media.frame_strip import made_strip, strips_dir
from lib.media.preflight import check_image
from lib.media.probe import probe
from lib.pairs.drafts import take_paths
from lib.pairs.prepared import prepare_pair
from lib.store.times import now_iso
from lib.uploads.fix_runs import FixRuns, FixState, fix_runs_for, run_fix, run_strip, run_work
from lib.worker.clean_up import clean_up
from tests.jobs_support import a_job, follow_until
from tests.make_media import make_image, make_video
from tests.s3_support import admin_client, s3_settings


def objects_in(moto_url: str, bucket: str) -> set[str]:
    return {item["Key"] for item in admin_client(moto_url).list_objects_v2(Bucket=bucket).get("Contents", [])}


def use_bucket(monkeypatch: pytest.MonkeyPatch, moto_url: str, bucket: str) -> None:
    """This machine's settings name the media bucket, reached with the S3_* settings."""
    given = s3_settings(moto_url, bucket)
    for name, value in {
        "MEDIA_BUCKET": bucket,
        "S3_ENDPOINT_URL": moto_url,
        "S3_REGION": given.region,
        "S3_ACCESS_KEY_ID": given.access_key_id,
        "S3_SECRET_ACCESS_KEY": given.secret_access_key,
    }.items():
        monkeypatch.setenv(name, str(value))


def a_result(settings, motion_mp4, name: str):
    """A result video a worker wrote in this machine's data folder, as `name`."""
    written = settings.results_dir / name
    written.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(motion_mp4, written)
    return written


def a_result_in_the_bucket(monkeypatch, moto_url: str, bucket: str, motion_mp4, name: str):
    """This machine on the bucket, and a result it put there: (its settings, its storage, the result's name)."""
    use_bucket(monkeypatch, moto_url, bucket)
    here = load_settings()
    storage = storage_for(here)
    return here, storage, storage.put(a_result(here, motion_mp4, name))


def test_without_a_bucket_files_stay_where_they_are_written(settings, motion_mp4) -> None:
    storage = storage_for(settings)
    assert isinstance(storage, FolderStorage) and settings.media is None
    kept = settings.results_dir / "a.mp4"
    kept.parent.mkdir(parents=True)
    shutil.copyfile(motion_mp4, kept)
    name = storage.put(kept)
    assert name == str(kept) and storage.local_path(name) == kept and storage.exists(name)
    link = storage.link(name)
    assert link is not None and link.startswith(STATIC_ROUTE)
    assert (settings.static_dir / link.removeprefix(STATIC_ROUTE)).read_bytes() == motion_mp4.read_bytes()
    storage.delete(name)
    assert not kept.exists() and storage.link(name) is None


def test_two_machines_share_one_bucket_and_the_data_folder_is_only_a_cache(
    monkeypatch, moto_url, bucket, tmp_path, motion_mp4
) -> None:
    use_bucket(monkeypatch, moto_url, bucket)
    here = load_settings()
    storage = storage_for(here)
    assert isinstance(storage, BucketStorage) and here.media.bucket == bucket
    written = a_result(here, motion_mp4, "job-1.mp4")
    name = storage.put(written)
    assert name == "results/job-1.mp4" and objects_in(moto_url, bucket) == {name}

    shutil.rmtree(here.data_dir / "results")  # the cache goes: nothing is lost
    assert storage.exists(name) and storage.local_path(name).read_bytes() == motion_mp4.read_bytes()
    # A history written before the bucket names files by their absolute path in the data folder.
    assert storage.local_path(str(written)) == written

    there = BucketStorage(tmp_path / "other-data", tmp_path / "other-static", s3_settings(moto_url, bucket))
    assert there.local_path(name).read_bytes() == motion_mp4.read_bytes()
    link = there.link(name)
    fetched = requests.get(link, timeout=10)
    assert fetched.status_code == 200 and fetched.content == motion_mp4.read_bytes()
    assert fetched.headers["Content-Type"] == "video/mp4"

    assert there.put(motion_mp4) == str(motion_mp4), "a file outside the data folder is the user's, not the bucket's"
    assert objects_in(moto_url, bucket) == {name}

    there.delete(name)
    assert objects_in(moto_url, bucket) == set() and not storage.exists(name)
    assert requests.get(link, timeout=10).status_code in (403, 404)  # S3 says 403 to keys that may not list
    assert not (tmp_path / "other-data" / name).exists()


def test_a_result_lands_in_the_bucket_and_a_fresh_machine_downloads_it(
    monkeypatch, moto_url, bucket, tmp_path, store, client, hosting, request_for, follow_for
) -> None:
    use_bucket(monkeypatch, moto_url, bucket)
    here = load_settings()
    recorded, _ = record_job(
        request_for(),
        store=store,
        key_fingerprint=client.key_fingerprint,
        inputs_dir=here.inputs_dir,
        storage=storage_for(here),
    )
    assert {recorded.image_path, recorded.video_path, recorded.poster_path} <= objects_in(moto_url, bucket)
    assert recorded.video_path.startswith("inputs/")
    # The worker is another machine: its data folder has none of the inputs, and fetches them.
    worker = BucketStorage(tmp_path / "worker-data", tmp_path / "worker-static", s3_settings(moto_url, bucket))
    job = send_job(recorded, store=store, client=client, hosting=hosting, lease_seconds=30, storage=worker)
    assert job.task_id and (tmp_path / "worker-data" / recorded.video_path).is_file()
    follow = replace(follow_for(store), storage=worker, results_dir=tmp_path / "worker-data" / "results")
    (done,) = follow_until(follow, [job.id])
    assert done.status is JobStatus.SUCCEEDED
    assert done.result_path == f"results/{job.id}.mp4", "a name every machine resolves the same way"
    assert done.result_path in objects_in(moto_url, bucket)
    assert done.poster_path in objects_in(moto_url, bucket)

    cache = [here.data_dir / recorded.image_path, here.data_dir / recorded.video_path]
    assert all(path.is_file() for path in cache)
    freed = clean_up(here, keep_seconds=0)  # this machine's copies are only a cache of the bucket
    assert freed.cached_files.files >= 2 and not any(path.exists() for path in cache)
    assert storage_for(here).local_path(recorded.video_path).is_file()
    shutil.rmtree(here.data_dir / "inputs")
    # History's re-run asks again with the names the job keeps: they are read through the bucket.
    rerun, is_new = record_job(
        request_for(image=recorded.image_path, video=recorded.video_path, prompt="once more"),
        store=store,
        key_fingerprint=client.key_fingerprint,
        inputs_dir=here.inputs_dir,
        storage=storage_for(here),
    )
    assert is_new and (rerun.image_path, rerun.video_path) == (recorded.image_path, recorded.video_path)

    # A fresh machine: the same history, an empty data folder, the same bucket.
    fresh = tmp_path / "fresh-data"
    fresh.mkdir()
    with sqlite3.connect(here.db_path) as source, sqlite3.connect(fresh / here.db_path.name) as copy:
        source.backup(copy)  # the history they share (PostgreSQL, in a team)
    monkeypatch.setenv("MOTION_STUDIO_DATA", str(fresh))
    assert cli_main(["download", job.id, str(tmp_path / "videos")]) == 0
    (video,) = (tmp_path / "videos").iterdir()
    assert probe(video).has_video and probe(video).duration

    delete_job(store, job.id, here.data_dir, here.static_dir, storage_for(here))  # its result is on no disk here
    assert done.result_path not in objects_in(moto_url, bucket) and done.poster_path not in objects_in(moto_url, bucket)
    assert recorded.video_path in objects_in(moto_url, bucket), "the re-run still uses its inputs"
    assert JobStore(fresh / here.db_path.name).get(job.id) is not None  # the copy of the history is the other's


def test_a_link_given_a_download_name_downloads_under_that_name(monkeypatch, moto_url, bucket, motion_mp4) -> None:
    """A browser ignores `download=` on a link to another origin, so the bucket itself names the file."""
    here, storage, name = a_result_in_the_bucket(monkeypatch, moto_url, bucket, motion_mp4, "job-2.mp4")

    fetched = requests.get(storage.link(name, download_as="Take 3 · on a beach.mp4"), timeout=10)
    assert fetched.status_code == 200 and fetched.content == motion_mp4.read_bytes()
    disposition = fetched.headers["Content-Disposition"]
    assert (
        disposition.startswith("attachment;")
        and "filename*=utf-8''Take%203%20%C2%B7%20on%20a%20beach.mp4" in disposition
    )
    assert 'filename="Take 3 _ on a beach.mp4"' in disposition, "an ASCII name for browsers that want one"
    assert "Content-Disposition" not in requests.get(storage.link(name), timeout=10).headers, "played, not saved"


def test_release_deletes_bucket_objects_after_its_transaction(monkeypatch, moto_url, bucket, motion_mp4) -> None:
    """No write lock is held across a network call: each object is deleted once the history has let go."""
    here, storage, name = a_result_in_the_bucket(monkeypatch, moto_url, bucket, motion_mp4, "job-3.mp4")
    files = StoredFiles(here.database)
    in_transaction: list[bool] = []

    class Watching(BucketStorage):
        def delete(self, name: str) -> None:
            in_transaction.append(files.engine.pool.checkedout() > 0)
            super().delete(name)

    watching = Watching(here.data_dir, here.static_dir, here.media)
    freed = files.release([name], here.data_dir, here.static_dir, watching)
    assert in_transaction == [False], "the bucket was called while the history's write lock was held"
    assert name not in objects_in(moto_url, bucket) and freed.stored_files.files == 1


def test_a_pair_and_its_takes_outlive_the_cache_and_run_again_from_the_bucket(
    monkeypatch, moto_url, bucket, store, client, request_for, character_png, motion_mp4
) -> None:
    """A pair Upload prepared lives in the bucket: Generate finds it, and its takes, on a machine whose data
    folder was emptied, and History's Re-run prepares the same pair from the names a take keeps."""
    use_bucket(monkeypatch, moto_url, bucket)
    here = load_settings()
    storage = storage_for(here)
    uploaded = [here.inputs_dir / "ana.png", here.inputs_dir / "dance.mp4"]  # where Upload keeps what arrives
    here.inputs_dir.mkdir(parents=True)
    for given, kept in zip((character_png, motion_mp4), uploaded, strict=True):
        shutil.copyfile(given, kept)
    pair = prepare_pair(store, *uploaded, "image", storage=storage)
    assert (pair.image_path, pair.video_path) == ("inputs/ana.png", "inputs/dance.mp4")
    assert {pair.image_path, pair.video_path} <= objects_in(moto_url, bucket)

    shutil.rmtree(here.inputs_dir)  # the cache goes: nothing is lost
    job, _ = record_job(
        request_for(image=pair.image_path, video=pair.video_path),
        store=store,
        key_fingerprint=client.key_fingerprint,
        inputs_dir=here.inputs_dir,
        storage=storage,
    )
    shutil.rmtree(here.inputs_dir)
    assert store.takes(*take_paths(pair, here.inputs_dir, storage)) == [job], "Generate lists the pair's takes"
    assert can_rerun(job, storage)
    assert set_up_rerun(store, job, storage).prepared_id == pair.id, "the same files make the same pair"


def test_the_library_keeps_its_files_in_the_bucket_for_every_machine(
    monkeypatch, moto_url, bucket, tmp_path, character_png, motion_mp4
) -> None:
    use_bucket(monkeypatch, moto_url, bucket)
    here = load_settings()
    ana = library_for(here).add(LibraryKind.CHARACTER, character_png, "Ana")
    dance = library_for(here).add(LibraryKind.MOTION, motion_mp4, "Dance")
    for item in (ana, dance):
        assert item.path.startswith("library/") and item.thumbnail_path.startswith("library/thumbnails/")
        assert {item.path, item.thumbnail_path} <= objects_in(moto_url, bucket)

    # Another machine: the same history, an empty data folder.
    there = BucketStorage(tmp_path / "other-data", tmp_path / "other-static", s3_settings(moto_url, bucket))
    library = Library(here.database, tmp_path / "other-data" / "library", there)
    assert [item.id for item in library.items()] == [dance.id, ana.id]
    assert library.add(LibraryKind.CHARACTER, character_png, "Ana again") == ana, "the same content is the item saved"
    assert clip_length(dance, there) == f"{probe(motion_mp4).duration:.1f} s"
    assert requests.get(there.link(ana.thumbnail_path), timeout=10).status_code == 200
    pair = prepare_pair(JobStore(here.database), ana.path, dance.path, "image", storage=there)
    assert (pair.image_path, pair.video_path) == (ana.path, dance.path)

    library.remove(dance.id)
    assert dance.path in objects_in(moto_url, bucket), "the prepared pair still uses the clip"
    assert dance.thumbnail_path not in objects_in(moto_url, bucket), "nothing else uses its picture"
    assert library.items() == [ana]


def test_compare_plays_takes_another_machine_saved_in_the_bucket(
    monkeypatch, moto_url, bucket, tmp_path, store, motion_mp4
) -> None:
    use_bucket(monkeypatch, moto_url, bucket)
    here = load_settings()
    takes = []
    for number in (1, 2):
        written = a_result(here, motion_mp4, f"take-{number}.mp4")
        takes.append(
            store.add(
                a_job(
                    status=JobStatus.SUCCEEDED,
                    result_path=storage_for(here).put(written),
                    video_path=storage_for(here).put(written),
                    prompt=f"take {number}",
                )
            )
        )
    there = BucketStorage(tmp_path / "other-data", tmp_path / "other-static", s3_settings(moto_url, bucket))
    clips = take_clips(store, [take.id for take in takes], there)
    assert [clip.job_id for clip in clips] == [take.id for take in takes]
    for clip in [*clips, motion_clip(store, [takes[0].id], there)]:
        played = requests.get(clip.url, timeout=10)
        assert played.status_code == 200 and played.content == motion_mp4.read_bytes()


def other_machine(tmp_path, moto_url: str, bucket: str) -> BucketStorage:
    """A worker on another machine: its own empty data folder, the same bucket."""
    return BucketStorage(tmp_path / "worker-data", tmp_path / "worker-static", s3_settings(moto_url, bucket))


def test_a_fix_and_a_trim_strip_made_on_another_machine_reach_the_page_through_the_bucket(
    monkeypatch, moto_url, bucket, tmp_path
) -> None:
    use_bucket(monkeypatch, moto_url, bucket)
    here = load_settings()
    here.inputs_dir.mkdir(parents=True)
    small = make_image(here.inputs_dir / "small.png", 200, 260)  # under 300 px: Fix it enlarges it
    clip = make_video(here.inputs_dir / "clip.mp4", 320, 240, seconds=4, fps=10)
    fix, queued = fix_runs_for(here).request("image", small)
    strip, _ = fix_runs_for(here).request("strip", clip)
    assert queued and FixRuns(here.database).get(fix.id).source_path == "inputs/small.png"

    worker = other_machine(tmp_path, moto_url, bucket)
    there = FixRuns(here.database, worker)
    assert run_fix(there, fix.id, worker.data_dir / "inputs" / "fixed").status is FixState.DONE
    assert run_strip(there, strip.id, strips_dir(worker.data_dir)).status is FixState.DONE
    kept = FixRuns(here.database).get(fix.id).result_path
    assert kept.startswith("inputs/fixed/") and kept in objects_in(moto_url, bucket)

    shutil.rmtree(here.data_dir / "inputs" / "fixed", ignore_errors=True)  # nothing of it on the page's machine
    fixed = fix_runs_for(here).get(fix.id).result_path
    assert check_image(fixed).ok, "the page reads the fixed image from the bucket"
    assert fix_runs_for(here).request("image", small) == (fix_runs_for(here).get(fix.id), False), "joined, done"
    frames = made_strip(clip, strips_dir(here.data_dir), storage=storage_for(here))
    assert frames and all(frame.is_file() for _, frame in frames)
    assert made_strip(clip, strips_dir(here.data_dir)) == frames, "fetched into this machine's strips folder"


def test_history_and_batch_zips_written_on_a_worker_download_from_the_bucket(
    monkeypatch, moto_url, bucket, tmp_path, store, motion_mp4
) -> None:
    use_bucket(monkeypatch, moto_url, bucket)
    here = load_settings()
    written = a_result(here, motion_mp4, "done.mp4")
    job = store.add(a_job(status=JobStatus.SUCCEEDED, result_path=storage_for(here).put(written), prompt="a dancer"))
    shutil.rmtree(here.results_dir)
    worker = other_machine(tmp_path, moto_url, bucket)

    asked, _ = fix_runs_for(here).request_export(here.data_dir)
    run = run_work(
        FixRuns(here.database, worker),
        asked.id,
        lambda _run, _progress: export_zip(store, worker.data_dir, storage=worker),
    )
    assert run.result_path.startswith("exports/") and run.result_path in objects_in(moto_url, bucket)
    assert storage_for(here).exists(fix_runs_for(here).get(asked.id).result_path), "the page finds the zip"
    fetched = requests.get(storage_for(here).link(run.result_path, download_as="history.zip"), timeout=10)
    with zipfile.ZipFile(io.BytesIO(fetched.content)) as archive:
        videos = [name for name in archive.namelist() if name.endswith(".mp4")]
        assert len(videos) == 1 and archive.read(videos[0]) == motion_mp4.read_bytes()

    # A batch of that one take: its zip, written on the worker, is found and linked by the page.
    cell = BatchCell(0, 0, "inputs/a.png", "inputs/b.mp4", 0.5, job_id=job.id)
    batch = Batch(
        "batch-1",
        BatchStatus.SENT,
        "",
        "",
        "image",
        True,
        "kling-v2.6-pro",
        0.5,
        None,
        0,
        0,
        None,
        now_iso(),
        now_iso(),
        (cell,),
    )
    jobs = {job.id: job}
    assert ready_zip(batch, jobs, zips_dir(here.data_dir), storage_for(here)) is None
    made = batch_zip(batch, jobs, zips_dir(worker.data_dir), worker)
    name = ready_zip(batch, jobs, zips_dir(here.data_dir), storage_for(here))
    assert name == worker.name(made) and name.startswith("zips/")
    with zipfile.ZipFile(io.BytesIO(requests.get(storage_for(here).link(name), timeout=10).content)) as archive:
        assert [archive.read(entry) for entry in archive.namelist()] == [motion_mp4.read_bytes()]


def test_an_upload_not_in_the_bucket_yet_plays_from_the_app_that_received_it(
    monkeypatch, moto_url, bucket, motion_mp4
) -> None:
    """Upload previews a file before it passes, and only a passing pair or a fix puts it in the bucket."""
    from streamlit.testing.v1 import AppTest

    use_bucket(monkeypatch, moto_url, bucket)
    here = load_settings()
    received = here.inputs_dir / "clip.mp4"
    received.parent.mkdir(parents=True)
    shutil.copyfile(motion_mp4, received)

    def preview(path: str) -> None:
        from ui.media import show_video

        show_video(path, what="motion video")

    app = AppTest.from_function(preview, args=(str(received),)).run()
    assert not app.exception and not app.info, "the preview said the file is gone"
    (player,) = app.get("video")
    assert player.proto.url.startswith(STATIC_ROUTE) and objects_in(moto_url, bucket) == set()
