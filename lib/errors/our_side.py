"""Our own side: results, hosting the motion video, backups, settings, signing in, fixes and the library."""

from __future__ import annotations

import math

from lib.errors.base import MotionStudioError


class ResultExpired(MotionStudioError):
    """The result's download link expired before the video was saved."""

    user_message = (
        "Novita made this video and charged for it, but its download link expired before the video could be "
        "saved. Ask Novita support about this job's task ID."
    )


class ResultInvalid(MotionStudioError):
    """What the service returned is not a playable video."""

    user_message = (
        "Novita made this video and charged for it, but the file it sent could not be played, so it was not "
        "saved. Its result link may still work for a while; otherwise ask Novita support about this job's task ID."
    )


class HostingError(MotionStudioError):
    """The motion video cannot be put where the service can fetch it."""

    user_message = (
        "Novita fetches the motion video from a web link, and this computer is not reachable from the internet. "
        "Paste a public link to the video, or set PUBLIC_BASE_URL to this app's public address."
    )


class NoPublicLink(HostingError):
    """A local motion video, and no public address or bucket through which Novita could fetch it."""

    user_message = (
        "Novita fetches the motion video from a web link, and nothing is set up to give it one. "
        "Set PUBLIC_BASE_URL to this app's public address (a tunnel such as cloudflared or ngrok gives one), "
        "or S3_BUCKET with its keys to host videos in object storage; or paste a public link to the video "
        "on Upload. Nothing was recorded or sent."
    )


class StorageUnreachable(HostingError):
    """The object storage endpoint could not be reached or did not answer in time."""

    user_message = (
        "Could not reach the object storage that hosts motion videos. "
        "Check S3_ENDPOINT_URL and this computer's connection to it, then submit again."
    )


class StorageTimedOut(StorageUnreachable):
    """The object storage took a connection or a request and did not answer in time."""

    user_message = (
        "The bucket did not answer in time, so the motion video could not be put where Novita fetches it. "
        "Nothing was sent or charged. Check S3_ENDPOINT_URL and this computer's connection to it, then submit again."
    )


class StorageBucketMissing(HostingError):
    """The configured bucket does not exist."""

    user_message = "The object storage bucket for motion videos does not exist. Create it, or correct S3_BUCKET."


class StorageCredentialsRefused(HostingError):
    """The object storage refused the access key or secret, or they may not write to the bucket."""

    user_message = (
        "The object storage refused the access keys. "
        "Check S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, and that they may read and write the bucket."
    )


class BackupFailed(MotionStudioError):
    """The copy of the history did not check out; the database itself is untouched. Try again."""

    user_message = "The backup copy did not check out, so it was not kept. Your history is untouched; try again."


class BackupElsewhere(BackupFailed):
    """The history is on a database server (DATABASE_URL): the app's backup copies only a SQLite history."""

    user_message = (
        "The history is kept in PostgreSQL (DATABASE_URL), so it is backed up there, with pg_dump or your "
        "provider's snapshots. This button copies only a history kept in the data folder."
    )


class SettingInvalid(MotionStudioError):
    """A setting (environment or `.streamlit/secrets.toml`) has a value the app cannot use."""

    user_message = "A setting of Motion Studio has a value it cannot use. Correct it, then restart the app."


class TooManySignIns(MotionStudioError):
    """Too many wrong passwords from this computer, or from everyone, in the last minute."""

    user_message = "Too many wrong passwords in the last minute, so signing in is paused for a moment."

    def __init__(self, retry_after: float) -> None:
        self.retry_after = max(1, math.ceil(retry_after))
        super().__init__(f"try again in {self.retry_after} s")


class FixStopped(MotionStudioError):
    """Someone pressed Stop while the fix ran."""

    user_message = "The fix was stopped. The file is as it was; press Fix it to start again."


class NotInLibrary(MotionStudioError):
    """The item was removed, perhaps by a teammate in another tab."""

    user_message = "That item is no longer in the library."


class DatabaseUnreachable(MotionStudioError):
    """The history database named by DATABASE_URL did not answer when the app or a worker started."""

    user_message = (
        "The history database cannot be reached. Check DATABASE_URL (host, port, database name, user and "
        "password), that PostgreSQL is running there, and that this computer can reach it; then start again."
    )

    def __init__(self, where: str, detail: str = "") -> None:
        self.user_message = (
            f"The history database at {where} cannot be reached, so nothing can be shown or saved. Check "
            "DATABASE_URL (host, port, database name, user and password), that PostgreSQL is running there, "
            "and that this computer can reach it; then start again."
        )
        super().__init__(detail)
