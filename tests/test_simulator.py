"""The simulator keeps the documented contract: paths, auth, rules, lifecycle, expiring results."""

from __future__ import annotations

import base64
import time

import pytest
import requests

from lib import simulator
from lib.media.probe import probe
from lib.novita import RESULT_PATH, SUBMIT_PATH
from tests.conftest import TEST_API_KEY
from tests.make_media import make_image

AUTH = {"Authorization": f"Bearer {TEST_API_KEY}"}


def b64(path) -> str:
    return base64.b64encode(path.read_bytes()).decode()


def submit(sim, **body) -> requests.Response:
    return requests.post(sim.url + SUBMIT_PATH, json=body, headers=AUTH, timeout=30)


def result(sim, task_id: str) -> dict:
    response = requests.get(sim.url + RESULT_PATH, params={"task_id": task_id}, headers=AUTH, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def wait_for(sim, task_id: str, status: str, timeout: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        payload = result(sim, task_id)
        if payload["task"]["status"] == status:
            return payload
        time.sleep(0.1)
    raise AssertionError(f"task {task_id} never reached {status}: {payload}")


def test_a_task_goes_queued_processing_succeed_with_a_real_mp4(
    sim, control, hosting, character_png, motion_mp4
) -> None:
    control.configure(processing_seconds=2.0)  # long enough to see each state and a few progress steps
    response = submit(sim, image=b64(character_png), video=hosting.url_for(motion_mp4), character_orientation="image")
    assert response.status_code == 200 and set(response.json()) == {"task_id"}
    task_id = response.json()["task_id"]
    seen, progress, etas = [], [], []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        task = result(sim, task_id)["task"]
        if not seen or seen[-1] != task["status"]:
            seen.append(task["status"])
        if task["status"] == "TASK_STATUS_PROCESSING":
            progress.append(task["progress_percent"])
            etas.append(task["eta"])
        if task["status"] == "TASK_STATUS_SUCCEED":
            break
        time.sleep(0.1)
    assert seen == ["TASK_STATUS_QUEUED", "TASK_STATUS_PROCESSING", "TASK_STATUS_SUCCEED"]
    assert progress == sorted(progress) and progress[-1] > progress[0]
    assert etas == sorted(etas, reverse=True)
    payload = result(sim, task_id)
    assert set(payload) >= {"task", "videos", "images", "audios", "extra"}
    video = payload["videos"][0]
    assert video["video_type"] == "mp4" and video["video_url_ttl"] == "3600"
    download = requests.get(video["video_url"], timeout=10)
    assert download.status_code == 200 and download.headers["Content-Type"] == "video/mp4"
    out = hosting.static_dir / "result.mp4"
    out.write_bytes(download.content)
    facts = probe(out)
    assert facts.format == "mp4" and facts.has_video and facts.has_audio
    assert facts.duration == pytest.approx(3.5, abs=0.2)
    assert facts.height > facts.width  # the portrait character image sets the shape


def test_the_reference_audio_is_dropped_when_asked(sim, hosting, character_png, motion_mp4) -> None:
    task_id = submit(
        sim,
        image=b64(character_png),
        video=hosting.url_for(motion_mp4),
        character_orientation="video",
        keep_original_sound=False,
    ).json()["task_id"]
    video = wait_for(sim, task_id, "TASK_STATUS_SUCCEED")["videos"][0]
    out = hosting.static_dir / "silent.mp4"
    out.write_bytes(requests.get(video["video_url"], timeout=10).content)
    assert not probe(out).has_audio


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer "}, {"Authorization": "Basic abc"}])
def test_a_missing_key_is_401_invalid_api_key(sim, headers) -> None:
    response = requests.get(sim.url + RESULT_PATH, params={"task_id": "x"}, headers=headers, timeout=10)
    assert response.status_code == 401
    assert response.json()["reason"] == "INVALID_API_KEY"


def test_a_configured_key_refuses_others(tmp_path) -> None:
    running = simulator.start(tmp_path / "keyed", simulator.SimulatorConfig(api_key="sk_right"))
    try:
        wrong = requests.get(running.url + RESULT_PATH, params={"task_id": "x"}, headers=AUTH, timeout=10)
        right = requests.get(
            running.url + RESULT_PATH, params={"task_id": "x"}, headers={"Authorization": "Bearer sk_right"}, timeout=10
        )
    finally:
        running.stop()
    assert wrong.status_code == 401 and right.status_code == 404
    assert right.json() == {"code": 404, "reason": "TASK_NOT_FOUND", "message": "task 'x' not found", "metadata": {}}


@pytest.mark.parametrize(
    "body,words",
    [
        ({"video": "http://x/v.mp4", "character_orientation": "image"}, "'image' is required"),
        ({"image": "aGk=", "video": "http://x/v.mp4", "character_orientation": "sideways"}, "'character_orientation'"),
        ({"image": "not base64!!", "video": "http://x/v.mp4", "character_orientation": "image"}, "base64"),
    ],
)
def test_malformed_bodies_are_invalid_request_body(sim, body, words) -> None:
    response = submit(sim, **body)
    assert response.status_code == 400
    assert response.json()["reason"] == "INVALID_REQUEST_BODY"
    assert words in response.json()["message"]


def test_input_rules_are_enforced_with_the_rule_named(sim, hosting, character_png, long_motion_mp4, tmp_path) -> None:
    too_long = submit(
        sim, image=b64(character_png), video=hosting.url_for(long_motion_mp4), character_orientation="image"
    )
    assert too_long.status_code == 400 and too_long.json()["reason"] == "INVALID_REQUEST_BODY"
    assert "10" in too_long.json()["message"]
    accepted = submit(
        sim, image=b64(character_png), video=hosting.url_for(long_motion_mp4), character_orientation="video"
    )
    assert accepted.status_code == 200
    tiny = make_image(tmp_path / "tiny.png", 200, 400)
    small = submit(sim, image=b64(tiny), video=hosting.url_for(long_motion_mp4), character_orientation="video")
    assert small.status_code == 400 and "300" in small.json()["message"]
    missing = submit(
        sim, image=b64(character_png), video=hosting.base_url + "/app/static/nope.mp4", character_orientation="video"
    )
    assert missing.status_code == 400 and "404" in missing.json()["message"]
    as_base64 = submit(sim, image=b64(character_png), video=b64(character_png), character_orientation="video")
    assert as_base64.status_code == 400 and "URL" in as_base64.json()["message"]


def test_a_ready_result_answers_at_once_with_that_file(sim, control, hosting, character_png, motion_mp4) -> None:
    """The benchmarks' mode: no render, the first look already sees success and the pre-rendered bytes."""
    control.configure(processing_seconds=0.0, ready_result=str(motion_mp4))
    task_id = submit(
        sim, image=b64(character_png), video=hosting.url_for(motion_mp4), character_orientation="image"
    ).json()["task_id"]
    payload = result(sim, task_id)
    assert payload["task"]["status"] == "TASK_STATUS_SUCCEED"
    download = requests.get(payload["videos"][0]["video_url"], timeout=10)
    assert download.status_code == 200 and download.content == motion_mp4.read_bytes()


def test_the_same_inputs_again_are_copied_from_the_earlier_render(
    sim, control, hosting, character_png, motion_mp4, tmp_path
) -> None:
    renders = tmp_path / "renders"
    control.configure(render_cache=str(renders))

    def made(**choices) -> bytes:
        body = {"image": b64(character_png), "video": hosting.url_for(motion_mp4), "character_orientation": "image"}
        task_id = submit(sim, **body, **choices).json()["task_id"]
        video = wait_for(sim, task_id, "TASK_STATUS_SUCCEED")["videos"][0]
        return requests.get(video["video_url"], timeout=10).content

    first = made(prompt="on a beach")
    assert len(list(renders.glob("*.mp4"))) == 1
    assert made(prompt="in the snow") == first  # the prompt plays no part in a render
    assert len(list(renders.glob("*.mp4"))) == 1, "the same inputs were rendered again"
    silent = made(keep_original_sound=False)
    assert silent != first and len(list(renders.glob("*.mp4"))) == 2


def test_a_result_url_answers_403_once_it_expires(sim, control, hosting, character_png, motion_mp4) -> None:
    control.configure(url_ttl=1)
    task_id = submit(
        sim, image=b64(character_png), video=hosting.url_for(motion_mp4), character_orientation="image"
    ).json()["task_id"]
    video = wait_for(sim, task_id, "TASK_STATUS_SUCCEED")["videos"][0]
    assert video["video_url_ttl"] == "1"
    time.sleep(1.5)
    expired = requests.get(video["video_url"], timeout=10)
    assert expired.status_code == 403 and b"Request has expired" in expired.content
    forged = requests.get(video["video_url"].replace("Expires=", "Expires=9"), timeout=10)
    assert forged.status_code == 403


def test_tasks_survive_a_simulator_restart(tmp_path, hosting, character_png, motion_mp4) -> None:
    first = simulator.start(tmp_path / "persistent", simulator.SimulatorConfig(processing_seconds=1.0))
    task_id = submit(
        first, image=b64(character_png), video=hosting.url_for(motion_mp4), character_orientation="image"
    ).json()["task_id"]
    first.stop()
    second = simulator.start(tmp_path / "persistent", simulator.SimulatorConfig(processing_seconds=1.0))
    try:
        assert wait_for(second, task_id, "TASK_STATUS_SUCCEED")["videos"]
    finally:
        second.stop()


def test_a_failing_task_reports_its_reason(sim, control, hosting, character_png, motion_mp4) -> None:
    control.fault("fail_task", message="motion could not be transferred")
    task_id = submit(
        sim, image=b64(character_png), video=hosting.url_for(motion_mp4), character_orientation="image"
    ).json()["task_id"]
    task = wait_for(sim, task_id, "TASK_STATUS_FAILED")["task"]
    assert task["reason"] == "motion could not be transferred"


def test_the_balance_is_charged_and_enforced(sim, control, hosting, character_png, motion_mp4) -> None:
    control.configure(balance_usd=0.10)
    response = submit(sim, image=b64(character_png), video=hosting.url_for(motion_mp4), character_orientation="image")
    assert response.status_code == 403 and response.json()["reason"] == "BILLING_BALANCE_NOT_ENOUGH"
    control.configure(balance_usd=10.0)
    assert (
        submit(
            sim, image=b64(character_png), video=hosting.url_for(motion_mp4), character_orientation="image"
        ).status_code
        == 200
    )
    assert control.state()["config"]["balance_usd"] == pytest.approx(10.0 - 3.5 * 0.14, abs=0.02)


def test_the_command_line_serves_on_the_given_port(tmp_path) -> None:
    import socket
    import subprocess
    import sys

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "lib.simulator",
            "--port",
            str(port),
            "--state-dir",
            str(tmp_path / "cli"),
            "--exit-after",
            "20",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert f"127.0.0.1:{port}" in process.stdout.readline()
        response = requests.get(
            f"http://127.0.0.1:{port}{RESULT_PATH}", params={"task_id": "x"}, headers=AUTH, timeout=10
        )
        assert response.status_code == 404
    finally:
        process.terminate()
        process.wait(timeout=10)
