"""The lib behind the pages: checklist rows, uploads and links, samples, history actions, gallery queries."""

from __future__ import annotations

import pytest

from lib.errors import DeleteRefused, LinkUnusable, MediaUnreadable
from lib.history.deleting import Deletion, deletion_for, remove_job
from lib.history.filters import address_of, from_address
from lib.history.gallery import delete_job, download_name, request_from
from lib.jobs import GalleryQuery, JobStatus, JobStore, PreparedInputs
from lib.jobs.models import now_iso
from lib.media import preflight
from lib.media.checklist import checklist
from lib.media.samples import samples
from lib.money import estimate_cost
from lib.novita import Orientation
from lib.uploads import fetch_link, save_upload
from tests.jobs_support import a_job
from tests.make_media import make_image


def test_checklist_has_a_row_per_rule_with_value_and_limit(character_png, long_motion_mp4) -> None:
    image_rows = checklist(preflight.check_image(character_png))
    assert [r.rule for r in image_rows] == ["Format", "File size", "Smallest side", "Shape"]
    assert all(r.passed for r in image_rows)
    assert image_rows[2].measured == "480 px" and image_rows[2].limit == "at least 300 px"
    video_rows = checklist(preflight.check_video(long_motion_mp4, "image"), "image")
    length = video_rows[-1]
    assert length.rule == "Length" and not length.passed and "10 s" in length.message and length.limit == "3 s to 10 s"
    assert checklist(preflight.check_video(long_motion_mp4, "video"), "video")[-1].passed


def test_an_unreadable_file_is_one_failed_row(tmp_path) -> None:
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"not an image at all")
    rows = checklist(preflight.check_image(junk))
    assert len(rows) == 1 and not rows[0].passed and rows[0].rule == "Readable file"


def test_uploads_are_named_by_content_never_by_the_users_name(settings, character_png) -> None:
    first = save_upload(character_png.read_bytes(), settings.inputs_dir)
    again = save_upload(character_png.read_bytes(), settings.inputs_dir)
    assert first == again and first.suffix == ".png" and len(first.stem) == 64
    assert sorted(p.name for p in settings.inputs_dir.iterdir()) == [first.name]
    webp_named_png = save_upload(
        make_image(settings.data_dir / "x.png", 400, 400, fmt="WEBP").read_bytes(), settings.inputs_dir
    )
    assert webp_named_png.suffix == ".webp"


def test_a_pasted_link_is_downloaded_size_capped_and_checked(settings, hosting, motion_mp4) -> None:
    url = hosting.url_for(motion_mp4)
    fetched = fetch_link(url, settings.inputs_dir, allow_private=True)
    assert fetched.read_bytes() == motion_mp4.read_bytes() and fetched.suffix == ".mp4"
    with pytest.raises(LinkUnusable, match="larger than"):
        fetch_link(url, settings.inputs_dir, max_bytes=1000, allow_private=True)
    with pytest.raises(LinkUnusable, match="404"):
        fetch_link(hosting.base_url + "/app/static/missing.mp4", settings.inputs_dir, allow_private=True)
    with pytest.raises(LinkUnusable, match="http"):
        fetch_link("file:///etc/passwd", settings.inputs_dir, allow_private=True)
    with pytest.raises(LinkUnusable, match="private networks cannot be used"):
        fetch_link(url, settings.inputs_dir)  # loopback, without ALLOW_PRIVATE_URLS
    assert isinstance(LinkUnusable(), MediaUnreadable)
    assert not list(settings.inputs_dir.glob("*.part"))


def test_the_samples_pass_every_rule_and_are_made_once(settings) -> None:
    pair = samples(settings.data_dir / "samples")
    assert preflight.check_image(pair.image).ok
    report = preflight.check_video(pair.video, "image")
    assert report.ok and report.facts["has_audio"] and report.facts["height"] > report.facts["width"]
    made = pair.video.stat().st_mtime_ns
    assert samples(settings.data_dir / "samples").video.stat().st_mtime_ns == made


def test_download_names_and_cost_estimates() -> None:
    job = a_job(prompt="A Dancer, on the BEACH at sunset!! extra words", created_at="2026-11-23T20:05:00.000+00:00")
    assert download_name(job) == "motion_2026-11-23_2005_a-dancer-on-the-beach.mp4"
    assert download_name(a_job(created_at="2026-11-23T20:05:00.000+00:00")) == "motion_2026-11-23_2005.mp4"
    assert estimate_cost(10.0, 0.14) == pytest.approx(1.4) and estimate_cost(None, 0.14) is None


def test_rerun_requests_carry_every_setting(character_png, motion_mp4) -> None:
    job = a_job(
        image_path=str(character_png),
        video_path=str(motion_mp4),
        character_orientation="video",
        prompt="p",
        negative_prompt="n",
        keep_original_sound=False,
    )
    request = request_from(job)
    assert (request.image, request.video, request.character_orientation) == (
        str(character_png),
        str(motion_mp4),
        Orientation.VIDEO,
    )
    assert (request.prompt, request.negative_prompt, request.keep_original_sound) == ("p", "n", False)


def test_delete_removes_only_what_no_one_else_uses_inside_the_data_folder(settings, store, character_png) -> None:
    inputs = settings.inputs_dir
    inputs.mkdir(parents=True)
    shared_image, own_video, result = inputs / "shared.png", inputs / "own.mp4", settings.data_dir / "result.mp4"
    for path in (shared_image, own_video, result):
        path.write_bytes(b"x")
    doomed = store.add(a_job("a", image_path=str(shared_image), video_path=str(own_video), result_path=str(result)))
    keeper = store.add(a_job("b", image_path=str(shared_image), video_path=str(character_png)))
    outside = store.add(a_job("c", image_path=str(character_png)))
    delete_job(store, doomed.id, settings.data_dir)
    assert store.get(doomed.id) is None and store.get(keeper.id) is not None
    assert shared_image.exists() and not own_video.exists() and not result.exists()
    delete_job(store, outside.id, settings.data_dir)
    assert character_png.exists()


def test_a_prepared_pair_is_remembered_newest_first(store) -> None:
    older = store.save_prepared(PreparedInputs("old", "a.png", "a.mp4", "image", "2026-11-01T00:00:00.000+00:00"))
    newer = store.save_prepared(PreparedInputs("new", "b.png", "b.mp4", "video", now_iso(), "https://x/b.mp4"))
    assert store.prepared() == newer and store.prepared("old") == older and store.prepared("none") is None


def test_gallery_search_treats_wildcards_literally(store) -> None:
    store.add(a_job("1", prompt="100% joy"))
    store.add(a_job("2", prompt="1000 joy"))
    store.add(a_job("3", prompt="snake_case"))
    store.add(a_job("4", prompt="snakeXcase"))
    assert store.gallery(GalleryQuery(search="100%"))[1] == 1
    assert store.gallery(GalleryQuery(search="e_c"))[1] == 1
    jobs, total = store.gallery(GalleryQuery(page=1, page_size=3))
    assert total == 4 and len(jobs) == 1


def test_a_follower_follows_only_its_own_keys_jobs_and_adopts_its_services_old_ones(store) -> None:
    store.add(a_job("sim", status=JobStatus.QUEUED, service="simulator", task_id="s", key_fingerprint="demo"))
    store.add(a_job("live", status=JobStatus.QUEUED, service="novita", task_id="n", key_fingerprint="mine"))
    store.add(a_job("theirs", status=JobStatus.QUEUED, service="novita", task_id="t", key_fingerprint="theirs"))
    # Recorded before jobs carried a key: the first key on the same service takes over the unfinished ones.
    store.add(a_job("old-sim", status=JobStatus.QUEUED, service="simulator", task_id="os"))
    store.add(a_job("old-live", status=JobStatus.PROCESSING, service="novita", task_id="on"))
    store.add(a_job("old-done", status=JobStatus.SUCCEEDED, service="novita", task_id="od"))
    assert [j.task_id for j in store.followed_jobs("mine", JobStatus.QUEUED, JobStatus.PROCESSING)] == ["n"]
    assert store.adopt("novita", "mine") == 1
    assert sorted(j.task_id for j in store.followed_jobs("mine", JobStatus.QUEUED, JobStatus.PROCESSING)) == ["n", "on"]
    assert [j.task_id for j in store.followed_jobs("demo", JobStatus.QUEUED)] == ["s"]
    assert [j.task_id for j in store.followed_jobs("theirs", JobStatus.QUEUED)] == ["t"]
    assert store.adopt("simulator", "demo") == 1
    assert sorted(j.task_id for j in store.followed_jobs("demo", JobStatus.QUEUED)) == ["os", "s"]
    assert store.get(next(j.id for j in store.recent() if j.task_id == "od")).key_fingerprint is None


def test_a_job_being_sent_is_never_deleted_and_one_being_made_is_hidden_and_followed(store, settings) -> None:
    result = settings.results_dir / "made.mp4"
    result.parent.mkdir(parents=True, exist_ok=True)
    result.write_bytes(b"video")
    sending = store.add(a_job("a", lease="a-sender", due_at=now_iso(60), key_fingerprint="k"))
    queued_send = store.add(a_job("b", key_fingerprint="k"))  # its send is on the queue
    making = store.add(a_job("c", status=JobStatus.PROCESSING, task_id="t", key_fingerprint="k"))
    ended = store.add(a_job("d", status=JobStatus.SUCCEEDED, result_path=str(result)))

    assert [deletion_for(job) for job in (sending, queued_send, making, ended)] == [
        Deletion.REFUSE,
        Deletion.REFUSE,
        Deletion.HIDE,
        Deletion.DELETE,
    ]
    for job in (sending, queued_send):
        with pytest.raises(DeleteRefused) as refused:
            remove_job(store, job.id, settings.data_dir)
        assert "being sent" in str(refused.value) and store.get(job.id) == job
    assert remove_job(store, making.id, settings.data_dir) is Deletion.HIDE
    hidden = store.get(making.id)
    assert hidden is not None and hidden.hidden_at and hidden.status is JobStatus.PROCESSING
    assert making.id not in [job.id for job in store.gallery(GalleryQuery())[0]]
    assert making.id in [job.id for job in store.followed_jobs("k", JobStatus.PROCESSING)]
    assert "followed to its end" in Deletion.HIDE.sentence and "cost" in Deletion.HIDE.sentence
    assert remove_job(store, ended.id, settings.data_dir) is Deletion.DELETE
    assert store.get(ended.id) is None and not result.exists()


def test_a_send_no_one_will_ever_make_can_be_deleted_and_is_never_sent(store, settings) -> None:
    """A typed key's tab closed before its job was sent: nothing holds the key, so nothing is paid."""
    stranded = store.add(a_job("a", key_fingerprint="closed-tab"))
    assert deletion_for(stranded, can_follow=False) is Deletion.DELETE
    assert remove_job(store, stranded.id, settings.data_dir, can_follow=False) is Deletion.DELETE
    assert store.get(stranded.id) is None
    claimed = store.add(a_job("b", key_fingerprint="closed-tab", lease="a-sender", due_at=now_iso(60)))
    assert deletion_for(claimed, can_follow=False) is Deletion.REFUSE


def test_the_history_filters_go_to_the_address_and_back() -> None:
    query = GalleryQuery(
        statuses=(JobStatus.FAILED, JobStatus.SUCCEEDED),
        character_orientation="video",
        search=" beach ",
        favorites_only=True,
        made_by="ana@studio.com",
    )
    address = address_of(query)
    assert address == {
        "status": "failed,succeeded",
        "faces": "video",
        "search": "beach",
        "favorites": "1",
        "by": "ana@studio.com",
    }
    assert from_address(address).filters == query.filters
    assert address_of(GalleryQuery()) == {}
    assert from_address({"status": "lost,failed", "faces": "sideways"}).filters == (
        (JobStatus.FAILED,),
        None,
        "",
        False,
        None,
    )


def test_jobs_made_in_the_same_millisecond_keep_one_order_on_either_database(database) -> None:
    """A batch records its jobs at once: their order must not depend on the database (a moved history shows
    the same gallery)."""
    store = JobStore(database)
    stamp = "2026-12-05T00:00:00.000+00:00"
    made = [store.add(a_job(f"cell {n}", created_at=stamp, updated_at=stamp)).id for n in range(20)]

    newest_first = sorted(made, reverse=True)
    assert [job.id for job in store.gallery(GalleryQuery(page_size=50))[0]] == newest_first
    assert [job.id for job in store.recent(50)] == newest_first
