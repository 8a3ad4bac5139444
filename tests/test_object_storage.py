"""Hosting behind a firewall: motion videos go to S3-compatible storage and the service gets a presigned link.

A real S3-compatible HTTP server (moto in server mode) runs on a free loopback port; the simulator
fetches the presigned links from it as Novita would. Moto accepts any signature by default, so the
tests about refused keys switch on its IAM checks, under which it verifies request signatures.
"""

from __future__ import annotations

import base64
import json
import socket
import subprocess
import sys
import time
import traceback
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from lib import errors
from lib.config import APP_DIR, S3Settings, load_settings
from lib.errors import StorageBucketMissing, StorageCredentialsRefused, StorageUnreachable
from lib.files import object_storage
from lib.files.digest import content_digest
from lib.files.hosting import VideoHosting, hosting_for
from lib.files.object_storage import S3Hosting
from lib.jobs import JobRequest, JobStatus, submit_job
from lib.novita import Orientation
from tests.s3_support import REGION, admin_client, s3_settings

WRONG_SECRET = "wr0ng-S3cret-Key-must-never-show-up-anywhere"


def objects_in(moto_url: str, bucket: str) -> list[dict]:
    return admin_client(moto_url).list_objects_v2(Bucket=bucket).get("Contents", [])


def count_uploads(hosting: S3Hosting) -> list[str]:
    """Every PutObject the hosting's own client sends, seen through boto3's event hooks."""
    uploads: list[str] = []
    hosting.client.meta.events.register(
        "before-call.s3.PutObject", lambda params, **_: uploads.append(params["url_path"])
    )
    return uploads


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def assert_plain(error: BaseException, *secrets: str) -> None:
    """A user-facing sentence: no botocore traceback chained on, and no secret in any rendering."""
    assert error.__cause__ is None and error.__suppress_context__
    rendered = "".join(traceback.format_exception(error))
    assert "botocore" not in str(error) and "Traceback" not in str(error)
    for secret in secrets:
        assert secret not in str(error) and secret not in repr(error) and secret not in rendered


def test_a_local_video_goes_to_the_bucket_and_the_simulator_fetches_its_presigned_link(
    moto_url, bucket, sim, client, store, settings, character_png, motion_mp4
) -> None:
    hosting = S3Hosting(s3_settings(moto_url, bucket))
    request = JobRequest(character_png, motion_mp4, Orientation.IMAGE, prompt="behind a firewall")
    job = submit_job(request, store=store, client=client, hosting=hosting, inputs_dir=settings.inputs_dir)

    assert job.status is JobStatus.QUEUED and job.task_id
    key = f"motion-videos/{content_digest(motion_mp4)}.mp4"
    assert job.video_url.startswith(f"{moto_url}/{bucket}/{key}?")
    stored = admin_client(moto_url).head_object(Bucket=bucket, Key=key)
    assert stored["ContentType"] == "video/mp4" and stored["ContentLength"] == motion_mp4.stat().st_size
    # The simulator accepted the task only after downloading the link and checking the video.
    fetched = Path(sim.simulator.tasks[job.task_id].video_path)
    assert fetched.read_bytes() == motion_mp4.read_bytes()


def test_the_simulator_refuses_a_link_whose_object_is_gone(moto_url, bucket, client, character_png, motion_mp4) -> None:
    """The counterpart of the test above: acceptance really depends on fetching the object."""
    hosting = S3Hosting(s3_settings(moto_url, bucket))
    url = hosting.url_for(motion_mp4)
    admin_client(moto_url).delete_object(Bucket=bucket, Key=urlsplit(url).path.split(f"/{bucket}/", 1)[1])
    with pytest.raises(errors.InputRejected, match="HTTP 404"):
        client.submit(base64.b64encode(character_png.read_bytes()).decode(), url, "image")


@pytest.mark.parametrize(("asked", "expected"), [(7200, 7200), (6 * 3600, 6 * 3600), (30 * 24 * 3600, 7 * 24 * 3600)])
def test_the_link_lasts_at_least_two_hours(moto_url, bucket, motion_mp4, asked, expected) -> None:
    url = S3Hosting(s3_settings(moto_url, bucket, link_seconds=asked)).url_for(motion_mp4)
    query = parse_qs(urlsplit(url).query)
    assert int(query["X-Amz-Expires"][0]) == expected >= 2 * 3600
    assert requests.get(url, timeout=10).status_code == 200


def test_settings_never_ask_for_a_link_shorter_than_two_hours(moto_url, bucket, motion_mp4) -> None:
    environ = {
        "S3_BUCKET": bucket,
        "S3_ENDPOINT_URL": moto_url,
        "S3_LINK_SECONDS": "60",
        "S3_ACCESS_KEY_ID": "AKIASTUDIO0000000000",
        "S3_SECRET_ACCESS_KEY": "studio-secret",
    }
    loaded = load_settings(environ=environ, secrets={})
    url = S3Hosting(loaded.s3).url_for(motion_mp4)
    assert int(parse_qs(urlsplit(url).query)["X-Amz-Expires"][0]) == 7200


def test_the_same_video_is_uploaded_once(moto_url, bucket, motion_mp4, tmp_path) -> None:
    hosting = S3Hosting(s3_settings(moto_url, bucket))
    uploads = count_uploads(hosting)
    first = hosting.url_for(motion_mp4)
    before = objects_in(moto_url, bucket)
    copy = tmp_path / "Same Clip.MP4"  # another name, same bytes
    copy.write_bytes(motion_mp4.read_bytes())
    second = hosting.url_for(copy)

    assert len(uploads) == 1 and len(before) == 1
    assert objects_in(moto_url, bucket) == before  # same key, size, ETag and LastModified
    assert urlsplit(first).path == urlsplit(second).path
    other = tmp_path / "other.mp4"
    other.write_bytes(motion_mp4.read_bytes() + b"\0")
    hosting.url_for(other)
    assert len(uploads) == 2 and len(objects_in(moto_url, bucket)) == 2


def test_a_pasted_link_is_sent_as_it_is_without_touching_storage(motion_mp4) -> None:
    nowhere = S3Settings("any-bucket", f"http://127.0.0.1:{free_port()}", REGION, "AKIA0", "secret")
    link = "https://cdn.example.com/dance.mp4?token=abc"
    assert S3Hosting(nowhere).url_for(link) == link


def test_a_missing_bucket_says_so_plainly(moto_url, motion_mp4) -> None:
    config = s3_settings(moto_url, "no-such-bucket-here")
    with pytest.raises(StorageBucketMissing) as caught:
        S3Hosting(config).url_for(motion_mp4)
    assert isinstance(caught.value, errors.HostingError)
    assert "no-such-bucket-here" in str(caught.value) and "does not exist" in str(caught.value)
    assert_plain(caught.value, config.secret_access_key)


def test_an_unreachable_endpoint_fails_fast_and_plainly(motion_mp4) -> None:
    config = S3Settings("videos", f"http://127.0.0.1:{free_port()}", REGION, "AKIASTUDIO", WRONG_SECRET)
    started = time.monotonic()
    with pytest.raises(StorageUnreachable) as caught:
        S3Hosting(config).url_for(motion_mp4)
    assert time.monotonic() - started < 15
    assert "Could not reach the object storage" in str(caught.value) and config.endpoint_url in str(caught.value)
    assert_plain(caught.value, WRONG_SECRET)


@pytest.mark.parametrize("stage", ["connect", "read"])
def test_a_bucket_that_does_not_answer_in_time_says_so_on_the_job(
    stage, monkeypatch, client, store, character_png, motion_mp4
) -> None:
    monkeypatch.setattr(object_storage, "CONNECT_TIMEOUT", 0.3)
    monkeypatch.setattr(object_storage, "READ_TIMEOUT", 0.3)
    # A server that never says a word: with a queue of one, already taken, even the connection waits.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(0 if stage == "connect" else 8)
        held = socket.create_connection(silent.getsockname()) if stage == "connect" else None
        config = S3Settings("videos", "http://{}:{}".format(*silent.getsockname()), REGION, "AKIASTUDIO", WRONG_SECRET)
        with pytest.raises(errors.StorageTimedOut) as caught:
            submit_job(
                JobRequest(character_png, motion_mp4, Orientation.IMAGE),
                store=store,
                client=client,
                hosting=S3Hosting(config),
            )
        if held:
            held.close()
    assert_plain(caught.value, WRONG_SECRET)
    job = store.get(caught.value.job_id)
    assert job.status is JobStatus.FAILED and job.task_id is None
    assert job.failure_reason.startswith("The bucket did not answer in time")


@pytest.fixture
def checked_keys(moto_url: str, bucket: str) -> Iterator[dict]:
    """An IAM user allowed to use S3, then moto's IAM checks on (signatures verified) until teardown."""
    iam = admin_client(moto_url, "iam")
    user = f"studio-{uuid.uuid4().hex[:8]}"
    iam.create_user(UserName=user)
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    iam.put_user_policy(UserName=user, PolicyName="s3", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=user)["AccessKey"]
    requests.post(f"{moto_url}/moto-api/reset-auth", data=b"0", timeout=10).raise_for_status()
    try:
        yield {"access_key_id": key["AccessKeyId"], "secret_access_key": key["SecretAccessKey"]}
    finally:
        requests.post(f"{moto_url}/moto-api/reset-auth", data=b"inf", timeout=10).raise_for_status()


@pytest.mark.parametrize("wrong", ["secret", "key id"])
def test_refused_keys_give_a_plain_message_without_the_secret(
    moto_url, bucket, checked_keys, motion_mp4, wrong
) -> None:
    right = S3Hosting(s3_settings(moto_url, bucket, **checked_keys))
    assert right.url_for(motion_mp4).startswith(f"{moto_url}/{bucket}/")  # the checks let good keys through
    keys = {**checked_keys, "secret_access_key": WRONG_SECRET}
    if wrong == "key id":
        keys["access_key_id"] = "AKIANOBODYHASTHISKEY"
    config = s3_settings(moto_url, bucket, **keys)
    with pytest.raises(StorageCredentialsRefused) as caught:
        S3Hosting(config).url_for(motion_mp4)
    assert "refused the access keys" in str(caught.value)
    assert ("SignatureDoesNotMatch" if wrong == "secret" else "InvalidAccessKeyId") in str(caught.value)
    assert_plain(caught.value, WRONG_SECRET, checked_keys["secret_access_key"])
    assert WRONG_SECRET not in repr(S3Hosting(config))


def test_a_failed_upload_is_recorded_on_the_job_in_plain_words(
    moto_url, sim, client, store, character_png, motion_mp4
) -> None:
    config = s3_settings(moto_url, "gone-bucket", secret_access_key=WRONG_SECRET)
    with pytest.raises(StorageBucketMissing) as caught:
        submit_job(
            JobRequest(character_png, motion_mp4, Orientation.IMAGE),
            store=store,
            client=client,
            hosting=S3Hosting(config),
        )
    job = store.get(caught.value.job_id)
    assert job.status is JobStatus.FAILED and "bucket for motion videos does not exist" in job.failure_reason
    assert WRONG_SECRET not in job.failure_reason and job.task_id is None


def test_hosting_for_picks_s3_when_a_bucket_is_set() -> None:
    environ = {
        "S3_BUCKET": "team-videos",
        "S3_ENDPOINT_URL": "http://127.0.0.1:9000",
        "S3_ACCESS_KEY_ID": "AKIA1",
        "S3_SECRET_ACCESS_KEY": "shh",
        "PUBLIC_BASE_URL": "https://studio.example",
    }
    live = hosting_for(load_settings(environ={**environ, "NOVITA_API_KEY": "sk_x"}, secrets={}), 8501)
    demo = hosting_for(load_settings(environ=environ, secrets={}), 8501)
    for hosting in (live, demo):
        assert isinstance(hosting, S3Hosting)
        assert hosting.s3.bucket == "team-videos" and hosting.s3.endpoint_url == "http://127.0.0.1:9000"
        assert hosting.link_seconds >= 7200 and "shh" not in repr(hosting)
    without = hosting_for(
        load_settings(environ={k: v for k, v in environ.items() if k != "S3_BUCKET"}, secrets={}), 8501
    )
    assert isinstance(without, VideoHosting) and without.base_url == "https://studio.example"


def test_the_app_does_not_load_boto3_until_a_video_is_hosted() -> None:
    script = (
        "import sys; from lib.config import load_settings; from lib.files.hosting import hosting_for; "
        "h = hosting_for(load_settings(environ={'S3_BUCKET': 'b'}, secrets={}), 8501); "
        "print(type(h).__name__, 'boto3' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=APP_DIR, capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.split() == ["S3Hosting", "False"]
