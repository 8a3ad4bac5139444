"""Hosting motion videos in S3-compatible object storage, for an app the internet cannot reach.

The service fetches the motion video from a URL. Behind a firewall the app's own address is no
use, so a local file is uploaded to a bucket (AWS S3, MinIO, Cloudflare R2, ...) under its content
hash and the service gets a presigned GET link that works without the keys for `link_seconds`
(two hours at least). The same file is uploaded once; a link the user pasted is sent as it is.

    hosting = S3Hosting(settings.s3)
    hosting.url_for(Path("dance.mp4"))  # 'https://bucket.s3.../motion-videos/3f2a...e9.mp4?X-Amz-...'

boto3 is imported here only, and `lib.files.hosting.hosting_for` imports this module only when S3 is
configured, so the app's start-up does not pay for it.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any

from lib.config import S3Settings
from lib.errors import (
    HostingError,
    StorageBucketMissing,
    StorageCredentialsRefused,
    StorageTimedOut,
    StorageUnreachable,
)
from lib.files.digest import content_digest
from lib.files.links import is_url

KEY_PREFIX = "motion-videos/"
# SigV4 presigned links cannot outlive seven days; S3 refuses longer ones.
MAX_LINK_SECONDS = 7 * 24 * 3600
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 60.0
MAX_ATTEMPTS = 3

BUCKET_MISSING_CODES = frozenset({"NoSuchBucket"})
CREDENTIALS_REFUSED_CODES = frozenset(
    {"InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "ExpiredToken", "InvalidToken", "403", "Forbidden"}
)


class S3Hosting:
    """Uploads local motion videos to a bucket and hands out presigned GET links.

    Has the same `url_for` as `lib.files.hosting.VideoHosting`, so `submit_job` takes either. The boto3
    client is made on first use and shared (boto3 clients are thread-safe).
    """

    def __init__(self, s3: S3Settings, client: Any = None) -> None:
        self.s3 = s3
        self.link_seconds = min(max(s3.link_seconds, 7200), MAX_LINK_SECONDS)
        self._client = client

    def __repr__(self) -> str:
        return f"S3Hosting(bucket={self.s3.bucket!r}, endpoint_url={self.s3.endpoint_url!r}, region={self.s3.region!r})"

    def url_for(self, video: Path | str) -> str:
        """The URL the service should fetch `video` from: a pasted link as is, a local file presigned."""
        if is_url(video):
            return str(video)
        path = Path(video)
        key = key_for(path)
        try:
            if not self._exists(key):
                with path.open("rb") as body:
                    self.client.put_object(Bucket=self.s3.bucket, Key=key, Body=body, ContentType=content_type(path))
            return self.client.generate_presigned_url(
                "get_object", Params={"Bucket": self.s3.bucket, "Key": key}, ExpiresIn=self.link_seconds
            )
        except Exception as error:  # botocore's errors are many; each becomes one plain sentence
            if isinstance(error, HostingError) or _local_file_error(error):
                raise  # the local file could not be read, which send_job reports as such
            raise self.plain(error) from None

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = make_client(self.s3)
        return self._client

    def _exists(self, key: str) -> bool:
        """Whether the object is already there; on any "not found" or "forbidden" the upload decides.

        S3 answers HEAD with 403 instead of 404 when the keys may not list the bucket, and a
        missing bucket looks like a missing key; the PUT that follows gives the real reason.
        """
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.s3.bucket, Key=key)
        except ClientError as error:
            if _error_code(error) in {"404", "NoSuchKey", "NotFound", "NoSuchBucket", *CREDENTIALS_REFUSED_CODES}:
                return False
            raise
        return True

    def plain(self, error: Exception) -> HostingError:
        """A HostingError that says what failed in words, with no botocore traceback and no secret."""
        from botocore.exceptions import (
            ClientError,
            ConnectTimeoutError,
            EndpointConnectionError,
            NoCredentialsError,
            ReadTimeoutError,
        )

        where = f"bucket {self.s3.bucket!r}" + (f" at {self.s3.endpoint_url}" if self.s3.endpoint_url else "")
        if isinstance(error, ConnectTimeoutError):
            return StorageTimedOut(f"{where} took no connection within {CONNECT_TIMEOUT:g} s")
        if isinstance(error, ReadTimeoutError):
            return StorageTimedOut(f"{where} did not answer within {READ_TIMEOUT:g} s")
        if isinstance(error, EndpointConnectionError):
            return StorageUnreachable(f"no connection to {self.s3.endpoint_url or 'S3 in ' + self.s3.region}")
        if isinstance(error, NoCredentialsError):
            return StorageCredentialsRefused("no access keys are set")
        if isinstance(error, ClientError):
            code = _error_code(error)
            if code in BUCKET_MISSING_CODES:
                return StorageBucketMissing(f"{where} not found")
            if code in CREDENTIALS_REFUSED_CODES:
                return StorageCredentialsRefused(f"{where} answered {code}")
            return HostingError(self._scrub(f"{where} answered {code}"))
        return HostingError(f"{where}: {type(error).__name__}")

    def _scrub(self, text: str) -> str:
        """Text with the keys blanked out, should a server ever echo them."""
        for secret in (self.s3.secret_access_key, self.s3.access_key_id):
            if secret:
                text = text.replace(secret, "***")
        return text


def make_client(s3: S3Settings) -> Any:
    """A boto3 S3 client with short timeouts and few retries, so a dead endpoint fails in seconds."""
    import boto3
    from botocore.config import Config

    config = Config(
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=READ_TIMEOUT,
        retries={"max_attempts": MAX_ATTEMPTS, "mode": "standard"},
        signature_version="s3v4",
        # MinIO, Ceph and local servers are addressed by path; AWS itself by bucket host name.
        s3={"addressing_style": "path" if s3.endpoint_url else "auto"},
    )
    session = boto3.session.Session()  # a session of its own: the default one is not thread-safe
    return session.client(
        "s3",
        endpoint_url=s3.endpoint_url,
        region_name=s3.region,
        aws_access_key_id=s3.access_key_id,
        aws_secret_access_key=s3.secret_access_key,
        config=config,
    )


def key_for(path: Path) -> str:
    """The object key: the file's content hash, so nobody can guess it and a file is stored once."""
    return f"{KEY_PREFIX}{content_digest(path)}{path.suffix.lower()}"


def content_type(path: Path) -> str:
    """The MIME type the service will see when it fetches the file."""
    return mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def _local_file_error(error: Exception) -> bool:
    """Whether `error` is about reading the local file: botocore's time-outs are OSErrors too (through
    its vendored requests exceptions), and they are the bucket's failure, not the file's."""
    from botocore.exceptions import BotoCoreError

    return isinstance(error, OSError) and not isinstance(error, BotoCoreError)


def _error_code(error: Any) -> str:
    return str(error.response.get("Error", {}).get("Code", "")) or str(
        error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", "")
    )
