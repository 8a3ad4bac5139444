"""The API client against the simulator over real HTTP: parsing, error mapping, retries."""

from __future__ import annotations

import base64
import re
import socket
import time

import pytest

from lib import errors
from lib.novita import NovitaClient, TaskResult, TaskStatus, error_from_response
from lib.novita.balance import live_balance
from tests.conftest import FAST_RETRY, TEST_API_KEY

# Every row of the reference's error table: (reason, HTTP status) -> exception class.
ERROR_TABLE = [
    ("INVALID_REQUEST_BODY", 400, errors.InputRejected),
    ("ILLEGAL_PROMPT", 400, errors.ContentRefused),
    ("BILLING_BALANCE_NOT_ENOUGH", 400, errors.BalanceTooLow),
    ("BILLING_BALANCE_NOT_ENOUGH", 403, errors.BalanceTooLow),
    ("INVALID_API_KEY", 401, errors.InvalidApiKey),
    ("INVALID_API_KEY", 403, errors.InvalidApiKey),
    ("TASK_NOT_FOUND", 404, errors.TaskNotFound),
    ("RATE_LIMIT_EXCEEDED", 429, errors.RateLimited),
    ("TASK_FAILED", 500, errors.ServiceError),
    ("CREATE_TASK_FAILED", 500, errors.ServiceError),
    ("GET_RESULT_FAILED", 500, errors.ServiceError),
]


def test_task_result_parses_the_documented_payload() -> None:
    payload = {
        "task": {
            "task_id": "t1",
            "task_type": "x",
            "status": "TASK_STATUS_SUCCEED",
            "reason": "",
            "eta": 0,
            "progress_percent": 100,
        },
        "videos": [{"video_url": "https://cdn/x.mp4", "video_url_ttl": "3600", "video_type": "mp4"}],
        "images": [],
        "audios": [],
    }
    result = TaskResult.from_payload(payload)
    assert (result.task_id, result.status, result.progress_percent) == ("t1", TaskStatus.SUCCEEDED, 100)
    assert result.videos[0].ttl == 3600 and result.videos[0].url == "https://cdn/x.mp4"
    assert result.raw is payload
    as_int = TaskResult.from_payload({**payload, "videos": [{**payload["videos"][0], "video_url_ttl": 1800}]})
    assert as_int.videos[0].ttl == 1800


def test_an_unknown_remote_status_is_kept_and_pending() -> None:
    result = TaskResult.from_payload({"task": {"task_id": "t", "status": "TASK_STATUS_UNKNOWN"}})
    assert result.status is TaskStatus.UNKNOWN and result.status.pending
    assert result.remote_status == "TASK_STATUS_UNKNOWN"


@pytest.mark.parametrize("reason,status,kind", ERROR_TABLE)
@pytest.mark.parametrize("shape", ["flat", "nested"])
def test_every_documented_error_maps_to_its_exception_over_http(client, control, reason, status, kind, shape) -> None:
    control.fault("status", match="balance", status=status, reason=reason, message=f"{reason} says hi", shape=shape)
    client.retry = type(FAST_RETRY)(attempts=1)
    with pytest.raises(errors.ServiceError) as caught:
        client.balance()
    assert type(caught.value) is kind
    assert caught.value.status == status and caught.value.reason == reason
    assert caught.value.message == f"{reason} says hi"
    assert str(caught.value).startswith(kind.user_message)


def test_error_bodies_without_a_reason_fall_back_on_status_and_words() -> None:
    assert isinstance(
        error_from_response(403, {"error": {"message": "Insufficient balance", "code": 403}}), errors.BalanceTooLow
    )
    assert isinstance(error_from_response(400, {"error": {"message": "illegal image content"}}), errors.ContentRefused)
    assert isinstance(error_from_response(429, None, "slow down"), errors.RateLimited)
    assert isinstance(error_from_response(502, None, "<html>bad gateway</html>"), errors.ServiceError)


def test_each_error_has_its_own_plain_sentence() -> None:
    sentences = {kind.user_message for _, _, kind in ERROR_TABLE} | {
        errors.CouldNotConnect.user_message,
        errors.TimedOut.user_message,
        errors.UnclearAnswer.user_message,
    }
    assert len(sentences) == 10
    for sentence in sentences:
        assert sentence.endswith(".") and "Traceback" not in sentence and "HTTP" not in sentence


def test_polling_retries_429_and_5xx_then_succeeds(client, control, character_png, motion_mp4, hosting) -> None:
    task_id = client.submit(base64.b64encode(character_png.read_bytes()).decode(), hosting.url_for(motion_mp4), "image")
    control.fault("status", match="task-result", times=1, status=429, reason="RATE_LIMIT_EXCEEDED")
    control.fault("status", match="task-result", times=1, status=503, reason="GET_RESULT_FAILED")
    control.fault("status", match="task-result", times=1, status=500, reason="GET_RESULT_FAILED", shape="nested")
    before = control.request_count("task-result")
    result = client.task_result(task_id)
    assert result.task_id == task_id and result.status.pending
    assert control.request_count("task-result") - before == 4


def test_polling_gives_up_after_its_attempts_with_the_last_error(client, control) -> None:
    control.fault("status", match="task-result", times=10, status=500, reason="GET_RESULT_FAILED")
    with pytest.raises(errors.ServiceError) as caught:
        client.task_result("whatever")
    assert caught.value.reason == "GET_RESULT_FAILED"
    assert control.request_count("task-result") == FAST_RETRY.attempts


def test_dropped_connections_and_malformed_json_on_reads_are_retried(client, control) -> None:
    control.fault("drop", match="balance")
    control.fault("malformed", match="balance")
    assert client.balance() == pytest.approx(100.0)
    assert control.request_count("balance") == 3


def test_a_held_read_times_out_and_is_retried(client, control) -> None:
    client.timeout = (1.0, 0.5)
    control.fault("hold", match="balance", seconds=1.5)
    assert client.balance() == pytest.approx(100.0)
    assert control.request_count("balance") == 2


def test_submit_is_never_retried_on_429(client, control, character_png, motion_mp4, hosting) -> None:
    control.fault("status", match="submit", status=429, reason="RATE_LIMIT_EXCEEDED", message="too many")
    with pytest.raises(errors.RateLimited):
        client.submit(base64.b64encode(character_png.read_bytes()).decode(), hosting.url_for(motion_mp4), "image")
    assert control.request_count("submit") == 1
    assert control.task_count() == 0


def test_a_submit_held_past_the_timeout_is_timed_out_not_retried(
    client, control, character_png, motion_mp4, hosting
) -> None:
    client.submit_timeout = (1.0, 0.5)
    control.fault("hold", match="submit", seconds=1.0)
    with pytest.raises(errors.TimedOut):
        client.submit(base64.b64encode(character_png.read_bytes()).decode(), hosting.url_for(motion_mp4), "image")
    assert control.request_count("submit") == 1


def test_a_refused_connection_is_could_not_connect() -> None:
    with socket.socket() as probe_socket:
        probe_socket.bind(("127.0.0.1", 0))
        port = probe_socket.getsockname()[1]
    client = NovitaClient(TEST_API_KEY, f"http://127.0.0.1:{port}", retry=FAST_RETRY)
    with pytest.raises(errors.CouldNotConnect):
        client.submit("aGk=", "http://127.0.0.1:1/x.mp4", "image")
    with pytest.raises(errors.CouldNotConnect):
        client.balance()


def test_a_404_says_what_was_not_found_by_its_route(sim, client, monkeypatch) -> None:
    # A base address where nothing lives: the simulator answers every route there "404 no such endpoint".
    lost = f"{sim.url}/nothing-here"
    nowhere = NovitaClient(TEST_API_KEY, lost, retry=type(FAST_RETRY)(attempts=1))
    for read in (nowhere.balance, lambda: nowhere.bills(since=time.time() - 86400)):
        with pytest.raises(errors.AccountUnreadable) as caught:
            read()
        assert caught.value.status == 404 and "does not know this job" not in str(caught.value)
    with pytest.raises(errors.TaskNotFound):
        client.task_result("no-such-task")  # on the task route, a 404 is still an unknown task
    monkeypatch.setenv("NOVITA_API_KEY", TEST_API_KEY)
    problem = live_balance(TEST_API_KEY, lost).problem or ""
    assert problem.startswith("Novita's address answered, but not with this account's balance or bills")
    assert "does not know this job" not in problem


def test_balance_is_read_in_usd(client, control) -> None:
    control.configure(balance_usd=12.3456)
    assert client.balance() == pytest.approx(12.3456)


def test_the_client_refuses_to_start_without_a_key() -> None:
    with pytest.raises(errors.InvalidApiKey):
        NovitaClient("")


def test_the_key_is_in_no_repr_or_error_text(client, control) -> None:
    control.fault("status", match="balance", status=401, reason="INVALID_API_KEY")
    client.retry = type(FAST_RETRY)(attempts=1)
    with pytest.raises(errors.InvalidApiKey) as caught:
        client.balance()
    assert TEST_API_KEY not in str(caught.value) and TEST_API_KEY not in repr(caught.value)
    assert TEST_API_KEY not in repr(client)


def test_a_client_is_known_by_its_keys_fingerprint_never_the_key(client) -> None:
    assert re.fullmatch(r"[0-9a-f]{16}", client.key_fingerprint)
    assert client.key_fingerprint == NovitaClient(TEST_API_KEY, "http://elsewhere.invalid").key_fingerprint
    assert client.key_fingerprint != NovitaClient(TEST_API_KEY + "x", client.base_url).key_fingerprint
    assert client.key_fingerprint not in TEST_API_KEY and client.key_fingerprint not in TEST_API_KEY.encode().hex()
