"""Issue 12, section 4: the service's contract kept to the letter, by the simulator and by the app.

The task result's debug times, a 5xx on submit, a status word nobody documented, a wait with no end,
and the simulator's own copy of the documented input rules against the app's preflight.
"""

from __future__ import annotations

import base64
import time
from dataclasses import replace
from pathlib import Path

import pytest
import requests
from novita_client.proto import V3TaskResponse
from streamlit.testing.v1 import AppTest

from lib import errors
from lib.jobs import Job, JobRequest, JobStatus, submit_job
from lib.jobs.following import NO_VIDEO
from lib.media.preflight import check_image, check_video
from lib.media.prompts import check_prompts
from lib.novita import RESULT_PATH, SUBMIT_PATH, Orientation
from lib.novita.rules import KLING_V30_PRO, MODELS
from lib.simulator import inputs, rules
from lib.simulator.rules import KLING_V26_PRO, KLING_V30, SUBMIT_RULES, InputBroken, read_mp4
from tests.conftest import FAST_POLLING, TEST_API_KEY
from tests.jobs_support import follow_until
from ui.common import status_words

AUTH = {"Authorization": f"Bearer {TEST_API_KEY}"}


def submit_raw(sim, hosting, image, video, orientation="image") -> str:
    body = {
        "image": base64.b64encode(image.read_bytes()).decode(),
        "video": hosting.url_for(video),
        "character_orientation": orientation,
    }
    response = requests.post(sim.url + SUBMIT_PATH, json=body, headers=AUTH, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()["task_id"]


def result_raw(sim, task_id: str) -> dict:
    response = requests.get(sim.url + RESULT_PATH, params={"task_id": task_id}, headers=AUTH, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def payloads_until_final(sim, task_id: str, timeout: float = 30.0) -> dict[str, dict]:
    """The first answer seen in each status, until the task ends."""
    seen: dict[str, dict] = {}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        payload = result_raw(sim, task_id)
        seen.setdefault(payload["task"]["status"], payload)
        if payload["task"]["status"] in ("TASK_STATUS_SUCCEED", "TASK_STATUS_FAILED"):
            return seen
        time.sleep(0.05)
    raise AssertionError(f"task {task_id} never ended: {seen}")


# 1. The debug times ------------------------------------------------------------------------------


def debug_times(payload: dict) -> tuple[int, int, int]:
    info = payload["extra"]["debug_info"]
    texts = [info[name] for name in ("submit_time_ms", "execute_time_ms", "complete_time_ms")]
    assert all(isinstance(text, str) and text.isdigit() for text in texts), info  # strings, as the reference shows
    submit, execute, complete = (int(text) for text in texts)
    return submit, execute, complete


def test_every_status_carries_the_three_debug_times_once_reached(
    sim, control, hosting, character_png, motion_mp4
) -> None:
    control.configure(processing_seconds=2.0)
    before = int(time.time() * 1000)
    task_id = submit_raw(sim, hosting, character_png, motion_mp4)
    seen = payloads_until_final(sim, task_id)
    after = int(time.time() * 1000)
    assert list(seen) == ["TASK_STATUS_QUEUED", "TASK_STATUS_PROCESSING", "TASK_STATUS_SUCCEED"]
    submitted, execute, complete = debug_times(seen["TASK_STATUS_QUEUED"])
    assert before - 5 <= submitted <= after and execute == 0 and complete == 0
    assert debug_times(seen["TASK_STATUS_PROCESSING"])[0] == submitted
    assert (
        submitted < debug_times(seen["TASK_STATUS_PROCESSING"])[1]
        and debug_times(seen["TASK_STATUS_PROCESSING"])[2] == 0
    )
    done = debug_times(seen["TASK_STATUS_SUCCEED"])
    assert done[0] == submitted and submitted < done[1] < done[2] <= int(time.time() * 1000)
    assert done[2] - submitted >= 2000  # it took its processing time


def test_a_failed_task_has_its_completion_time(sim, control, hosting, character_png, motion_mp4) -> None:
    control.fault("fail_task", message="no person found")
    task_id = submit_raw(sim, hosting, character_png, motion_mp4)
    failed = payloads_until_final(sim, task_id)["TASK_STATUS_FAILED"]
    submitted, execute, complete = debug_times(failed)
    assert submitted < execute < complete and failed["task"]["reason"] == "no person found"


def test_the_official_sdk_reads_the_task_result_in_every_status(
    sim, control, hosting, character_png, motion_mp4
) -> None:
    control.configure(processing_seconds=2.0)
    task_id = submit_raw(sim, hosting, character_png, motion_mp4)
    for status, payload in payloads_until_final(sim, task_id).items():
        parsed = V3TaskResponse.from_dict(payload)
        assert parsed.task.status.value == status and parsed.extra.debug_info.submit_time_ms > 0


# 2. A 5xx on submit ------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [502, 504, 500])
def test_a_5xx_on_submit_leaves_the_job_maybe_submitted_and_sends_nothing_again(
    status, store, client, hosting, control, character_png, motion_mp4
) -> None:
    control.fault("status", match="submit", status=status, times=1)
    request = JobRequest(character_png, motion_mp4, Orientation.IMAGE, prompt=f"gateway {status}")
    with pytest.raises(errors.UnclearAnswer) as caught:
        submit_job(request, store=store, client=client, hosting=hosting)
    job = store.get(caught.value.job_id)
    assert job.status is JobStatus.MAYBE_SUBMITTED and job.finished_at is None and job.task_id is None
    assert job.failure_reason.startswith(errors.UnclearAnswer.user_message) and f"HTTP {status}" in job.failure_reason
    again = submit_job(request, store=store, client=client, hosting=hosting)
    assert again.id == job.id and again.status is JobStatus.MAYBE_SUBMITTED
    assert control.request_count("submit") == 1 and store.count() == 1


def test_create_task_failed_is_the_services_own_refusal_and_fails_the_job(
    store, client, hosting, control, character_png, motion_mp4
) -> None:
    control.fault("status", match="submit", status=500, reason="CREATE_TASK_FAILED", times=1)
    request = JobRequest(character_png, motion_mp4, Orientation.IMAGE)
    with pytest.raises(errors.ServiceError) as caught:
        submit_job(request, store=store, client=client, hosting=hosting)
    assert not isinstance(caught.value, errors.UnclearAnswer)
    assert store.get(caught.value.job_id).status is JobStatus.FAILED
    retried = submit_job(request, store=store, client=client, hosting=hosting)
    assert retried.status is JobStatus.QUEUED and control.request_count("submit") == 2


# 3. A status word nobody documented --------------------------------------------------------------


def render_progress(job) -> None:
    from ui.common import job_progress

    job_progress(job)


def test_an_unknown_remote_status_is_shown_as_novita_says_it_and_still_followed(
    store, client, hosting, control, character_png, motion_mp4, follow_for
) -> None:
    control.fault("remote_status", match="submit", message="TASK_STATUS_X")
    job = submit_job(
        JobRequest(character_png, motion_mp4, Orientation.IMAGE), store=store, client=client, hosting=hosting
    )
    (waiting,) = follow_until(follow_for(store), [job.id], done=lambda j: j.polls >= 3)
    assert waiting.status is JobStatus.PROCESSING and waiting.remote_status == "TASK_STATUS_X"
    assert waiting.lease and waiting.due_at  # still followed
    assert status_words(waiting) == "Novita says TASK_STATUS_X"
    app = AppTest.from_function(render_progress, args=(waiting,)).run(timeout=30)
    (bar,) = app.get("progress")
    assert bar.proto.text.startswith("Novita says TASK_STATUS_X")
    known = replace(waiting, remote_status="TASK_STATUS_PROCESSING")
    assert status_words(known) == JobStatus.PROCESSING.label == "Generating"
    assert status_words(replace(waiting, status=JobStatus.FAILED)) == "Failed"


# 4. An end to waiting ----------------------------------------------------------------------------


def test_a_succeed_without_a_video_ends_after_a_second_look_with_a_plain_message(
    store, client, hosting, control, character_png, motion_mp4, follow_for
) -> None:
    control.fault("no_video", match="submit")
    job = submit_job(
        JobRequest(character_png, motion_mp4, Orientation.IMAGE), store=store, client=client, hosting=hosting
    )
    timing = replace(FAST_POLLING, empty_success_grace=0.5)
    seen: list[Job] = []
    (done,) = follow_until(follow_for(store, timing), [job.id], seen=seen.append)
    assert done.status is JobStatus.FAILED and done.failure_reason == NO_VIDEO and done.finished_at
    assert "Novita dashboard" in done.failure_reason and "not charged" not in done.failure_reason
    assert done.remote_status == "TASK_STATUS_SUCCEED" and done.lease is None and done.result_path is None
    waited = [j for j in seen if j.remote_status == "TASK_STATUS_SUCCEED" and not j.status.final]
    assert waited and control.request_count("download") == 0  # it looked once more before giving up


def test_a_job_pending_past_the_limit_ends_with_a_plain_message(
    store, client, hosting, control, character_png, motion_mp4, follow_for
) -> None:
    control.configure(processing_seconds=60.0)
    job = submit_job(
        JobRequest(character_png, motion_mp4, Orientation.IMAGE), store=store, client=client, hosting=hosting
    )
    timing = replace(FAST_POLLING, pending_limit=1.5)
    seen: set[JobStatus] = set()
    (done,) = follow_until(follow_for(store, timing), [job.id], seen=lambda j: seen.add(j.status))
    assert JobStatus.PROCESSING in seen and done.status is JobStatus.FAILED
    assert done.failure_reason.startswith("Novita still had not finished this job 1.5 seconds after it was sent")
    assert job.task_id in done.failure_reason and "Novita dashboard" in done.failure_reason
    assert "not charged" not in done.failure_reason
    assert timing.scaled_to(0.2).pending_limit == 1.5  # a wall-clock limit: faster polling does not shorten it


# 5. The simulator's own rules against the app's preflight ----------------------------------------

IMAGES = {  # name -> (width, height, format)
    "300 x 300": (300, 300, "PNG"),
    "299 x 300": (299, 300, "PNG"),
    "300 x 299": (300, 299, "PNG"),
    "2.5:1 exactly": (750, 300, "PNG"),
    "just over 2.5:1": (751, 300, "PNG"),
    "1:2.5 exactly": (300, 750, "JPEG"),
    "just over 1:2.5": (300, 751, "JPEG"),
    "jpeg": (600, 800, "JPEG"),
    "webp": (600, 800, "WEBP"),
    "gif": (600, 800, "GIF"),
}
IMAGE_SIZES = {  # name -> bytes, a PNG padded after its end
    "10,000,000 bytes": 10_000_000,
    "10 MiB + 1 byte": 10 * 1024 * 1024 + 1,
}
VIDEOS = {  # name -> (orientation, make_video options)
    "2.9 s": ("video", dict(width=320, height=320, seconds=2.9, audio=False)),
    "3.0 s": ("video", dict(width=320, height=320, seconds=3.0, audio=False)),
    "3.0 s with sound": ("video", dict(width=320, height=320, seconds=3.0)),
    "10.0 s, image": ("image", dict(width=320, height=320, seconds=10.0, audio=False, fps=10)),
    "10.1 s, image": ("image", dict(width=320, height=320, seconds=10.1, audio=False, fps=10)),
    "10.1 s, video": ("video", dict(width=320, height=320, seconds=10.1, audio=False, fps=10)),
    "30.0 s, video": ("video", dict(width=320, height=320, seconds=30.0, audio=False, fps=10)),
    "30.1 s, video": ("video", dict(width=320, height=320, seconds=30.1, audio=False, fps=10)),
    "2.5:1 exactly": ("video", dict(width=750, height=300, seconds=3.0, audio=False)),
    "just over 2.5:1": ("video", dict(width=752, height=300, seconds=3.0, audio=False)),
    "298 px high": ("video", dict(width=400, height=298, seconds=3.0, audio=False)),
    "mov": ("video", dict(width=320, height=320, seconds=3.0, audio=False)),
}
VIDEO_SUFFIX = {"mov": ".mov"}


def both_verdicts(app_report, simulator_check) -> tuple[bool, bool]:
    try:
        simulator_check()
    except InputBroken:
        simulator_ok = False
    else:
        simulator_ok = True
    return app_report.ok, simulator_ok


@pytest.mark.parametrize("case", list(IMAGES))
def test_the_simulator_and_preflight_agree_on_images(case, media) -> None:
    width, height, kind = IMAGES[case]
    path = media.image(f"edge-{width}x{height}.{kind.lower()}", width, height, kind)
    app_ok, simulator_ok = both_verdicts(check_image(path), lambda: KLING_V26_PRO.check_image(path))
    assert app_ok == simulator_ok, (case, check_image(path).problems)


@pytest.mark.parametrize(
    "case",
    [
        "10,000,000 bytes",
        "10,000,001 bytes",
        "10 MiB + 1 byte",
    ],
)
def test_the_simulator_and_preflight_agree_on_file_sizes(case, media) -> None:
    size = {"10,000,001 bytes": 10_000_001, **IMAGE_SIZES}[case]
    path = media.padded(media.image("edge-size.png", 1000, 1000, "PNG"), size)
    assert path.stat().st_size == size
    app_ok, simulator_ok = both_verdicts(check_image(path), lambda: KLING_V26_PRO.check_image(path))
    assert app_ok == simulator_ok, (case, app_ok, simulator_ok)


@pytest.mark.parametrize("case", list(VIDEOS))
def test_the_simulator_and_preflight_agree_on_videos(case, media) -> None:
    orientation, options = VIDEOS[case]
    path = media.video(f"edge{VIDEO_SUFFIX.get(case, '.mp4')}", **options)
    app = check_video(path, orientation)
    app_ok, simulator_ok = both_verdicts(app, lambda: KLING_V26_PRO.check_video(path, orientation))
    assert app_ok == simulator_ok, (case, app.problems, app.facts.get("duration"), read_mp4(path))


# Kling 3.0: where its limits could differ from 2.6 Pro's (the prompt, the longest video per orientation)
PROMPTS = {  # name -> (prompt length, negative prompt length)
    "prompt 2,500": (2500, 0),
    "prompt 2,501": (2501, 0),
    "negative 2,500": (0, 2500),
    "negative 2,501": (0, 2501),
}
V30_VIDEOS = ("10.0 s, image", "10.1 s, image", "30.0 s, video", "30.1 s, video")


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.word)
@pytest.mark.parametrize("case", list(PROMPTS))
def test_the_simulator_and_preflight_agree_on_prompt_lengths_for_each_model(model, case) -> None:
    prompt, negative = ("p" * PROMPTS[case][0], "n" * PROMPTS[case][1])
    app = check_prompts(prompt, negative, model)
    app_ok, simulator_ok = both_verdicts(app, lambda: SUBMIT_RULES[model.submit_path].check_prompts(prompt, negative))
    assert app_ok == simulator_ok, (model, case, app.problems)


@pytest.mark.parametrize("case", V30_VIDEOS)
def test_the_simulator_and_preflight_agree_on_video_lengths_for_30(case, media) -> None:
    orientation, options = VIDEOS[case]
    path = media.video("edge.mp4", **options)
    app = check_video(path, orientation, model=KLING_V30_PRO)
    app_ok, simulator_ok = both_verdicts(app, lambda: KLING_V30.check_video(path, orientation))
    assert app_ok == simulator_ok, (case, app.problems, read_mp4(path))


def test_the_simulator_refuses_what_is_not_mp4_or_mov_whatever_its_name(media) -> None:
    webm = media.video("vp9.webm", width=320, height=320, seconds=3, vcodec="libvpx-vp9")
    mkv = media.video("h264.mkv", width=320, height=320, seconds=3)
    for source in (webm, mkv):
        named_mp4 = media.raw(f"{source.stem}-named.mp4", source.read_bytes())
        assert not check_video(named_mp4, "video").ok
        with pytest.raises(InputBroken, match="mp4 or mov"):
            KLING_V26_PRO.check_video(named_mp4, "video")
    assert read_mp4(media.video("edge.mov", width=320, height=320, seconds=3.0, audio=False)).kind == "mov"


def test_the_simulator_keeps_its_own_rules_not_the_apps() -> None:
    source = Path(inputs.__file__).read_text() + Path(rules.__file__).read_text()
    assert "lib.media" not in source and "lib.novita" not in source
