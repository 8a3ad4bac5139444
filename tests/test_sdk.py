"""Novita's official Python SDK (novita-client, a test-only dependency) drives the simulator end to end.

The SDK has no method for motion control, so the task is posted with its generic async call and read
back with its own task-result call and response classes: the simulator must answer in the shapes the
SDK was written for, which checks our view of the contract against Novita's own.
"""

from __future__ import annotations

import base64

import pytest
import requests
from novita_client import NovitaClient
from novita_client.exceptions import NovitaResponseError
from novita_client.proto import V3AsyncSubmitResponse, V3TaskResponse, V3TaskResponseStatus

from lib.novita import SUBMIT_PATH
from tests.conftest import TEST_API_KEY


def test_the_official_sdk_submits_a_motion_task_and_reads_it_to_a_video(
    sim, control, hosting, character_png, motion_mp4
) -> None:
    # 5 s gives the simulator's queued phase its longest, 1 s: at 1.5 s it lasted 0.3 s, and on a loaded
    # machine the SDK's first look came after it.
    control.configure(api_key=TEST_API_KEY, processing_seconds=5.0)
    sdk = NovitaClient(TEST_API_KEY, base_url=sim.url)
    body = {
        "image": base64.b64encode(character_png.read_bytes()).decode(),
        "video": hosting.url_for(motion_mp4),
        "character_orientation": "image",
        "prompt": "a dancer on a beach",
        "keep_original_sound": False,
    }
    submitted = V3AsyncSubmitResponse.from_dict(sdk._post(SUBMIT_PATH, body))  # its generic async task call
    seen: list[V3TaskResponse] = []
    done = sdk.wait_for_task_v3(submitted.task_id, wait_for=60, callback=seen.append)
    assert isinstance(done, V3TaskResponse) and done.task.task_id == submitted.task_id
    assert done.task.status is V3TaskResponseStatus.TASK_STATUS_SUCCEED and done.finished()
    statuses = [answer.task.status for answer in seen]
    assert statuses[0] is V3TaskResponseStatus.TASK_STATUS_QUEUED
    assert V3TaskResponseStatus.TASK_STATUS_PROCESSING in statuses
    debug = done.extra.debug_info
    assert 0 < debug.submit_time_ms < debug.execute_time_ms < debug.complete_time_ms
    (video,) = done.videos
    assert video.video_type == "mp4" and video.video_url_ttl == 3600  # sent as "3600"; the SDK types it as int
    assert done.get_video_urls() == [video.video_url]
    download = requests.get(video.video_url, timeout=10)
    assert download.status_code == 200 and download.content[4:8] == b"ftyp"


def test_the_sdk_sees_a_refusal_and_a_wrong_key_as_errors(sim, control, hosting, character_png) -> None:
    control.configure(api_key=TEST_API_KEY)
    body = {
        "image": base64.b64encode(character_png.read_bytes()).decode(),
        "video": hosting.base_url + "/app/static/missing.mp4",
        "character_orientation": "image",
    }
    with pytest.raises(NovitaResponseError, match="400"):
        NovitaClient(TEST_API_KEY, base_url=sim.url)._post(SUBMIT_PATH, body)
    with pytest.raises(NovitaResponseError, match="401"):
        NovitaClient("sk_wrong", base_url=sim.url).async_task_result("nope")
    assert control.task_count() == 0
