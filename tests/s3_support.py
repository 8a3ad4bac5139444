"""What tests of object storage share: a client with moto's admin keys, and settings for a bucket.

The server and a bucket per test are fixtures in conftest.py (`moto_url`, `bucket`).
"""

from __future__ import annotations

import boto3

from lib.config import S3Settings

REGION = "us-east-1"
# Moto's own accounts accept any key while IAM checks are off; these only sign the requests.
ADMIN_KEY_ID, ADMIN_SECRET = "AKIAMOTOADMIN0000000", "moto-admin-secret"


def admin_client(moto_url: str, service: str = "s3"):
    return boto3.client(
        service,
        endpoint_url=moto_url,
        region_name=REGION,
        aws_access_key_id=ADMIN_KEY_ID,
        aws_secret_access_key=ADMIN_SECRET,
    )


def s3_settings(moto_url: str, bucket: str, **overrides) -> S3Settings:
    values = dict(
        bucket=bucket,
        endpoint_url=moto_url,
        region=REGION,
        access_key_id="AKIASTUDIO0000000000",
        secret_access_key="studio-secret-key-0123456789",
        link_seconds=7200,
    )
    return S3Settings(**{**values, **overrides})
