"""Every failure a user can act on, each with a sentence a non-technical person understands.

`str(error)` is that sentence (plus the details where there are any), so a page can show any
`MotionStudioError` as it is. No error here ever carries the API key or a storage secret.

Like openai-python's client, failures that come from talking to Novita split three ways:

- `ServiceError`: Novita answered, with an error (it has the HTTP status, Novita's reason code and message);
- `ConnectionFailed`: no clear answer came back (never connected, timed out, dropped);
- `InputRefused`: Motion Studio refused the input itself, before anything was sent.

Both of the first two are `NovitaError`s. The rest are about our own side: hosting the motion video,
saving a result, backups and settings.
"""

from __future__ import annotations

import math


class MotionStudioError(Exception):
    """Base class: `user_message` says what happened and what to do next."""

    user_message = "Something went wrong. Please try again."
    job_id: str | None = None  # the recorded job this failure belongs to, when there is one

    def __init__(self, detail: str = "") -> None:
        self.detail = detail
        super().__init__(self.user_message + (f" ({detail})" if detail else ""))


# Talking to Novita -------------------------------------------------------------------------------


class NovitaError(MotionStudioError):
    """Any failure of a request to Novita; `status`, `reason` and `message` are what it said, if anything."""

    user_message = "Novita had a problem on its side. Failed tasks are not charged; try again in a few minutes."

    def __init__(self, detail: str = "", status: int | None = None, reason: str = "", message: str = "") -> None:
        self.status = status
        self.reason = reason
        self.message = message
        super().__init__(detail or message)


class ServiceError(NovitaError):
    """Novita answered with an error."""


class InputRejected(ServiceError):
    """The service refused an input because it breaks one of its rules."""

    user_message = "Novita refused the inputs. Fix what it names on the Upload page and submit again."


class ContentRefused(InputRejected):
    """The service's moderation refused the prompt or the image."""

    user_message = "Novita's content filter refused the prompt or the character image. Change them and submit again."


class InvalidApiKey(ServiceError):
    """The API key is wrong or revoked."""

    user_message = (
        "Novita did not accept the API key. Check it in Settings (keys start with sk_) "
        "or create a new one in your Novita account."
    )


class BalanceTooLow(ServiceError):
    """The account cannot pay for the job."""

    user_message = "Your Novita balance is too low for this video. Top up your Novita account, then submit again."


class CostOverBalance(BalanceTooLow):
    """The job would cost more than the account holds: stopped before it was sent, nothing charged."""

    def __init__(self, cost_usd: float, balance_usd: float) -> None:
        self.cost_usd, self.balance_usd = cost_usd, balance_usd
        self.user_message = (
            f"This job would cost about ${cost_usd:,.2f} and your Novita balance is ${balance_usd:,.2f}: "
            "top up, then generate again."
        )
        super().__init__(reason="BILLING_BALANCE_NOT_ENOUGH")


class RateLimited(ServiceError):
    """Too many requests per minute for this account."""

    user_message = "Novita is getting too many requests from this account right now. Wait a minute, then submit again."


class TaskNotFound(ServiceError):
    """The service does not know the task id."""

    user_message = "Novita does not know this job. It may have been made with another API key."


class AccountUnreadable(ServiceError):
    """The address set for Novita answered the balance or bills route with "not found"."""

    user_message = (
        "Novita's address answered, but not with this account's balance or bills. "
        "Check NOVITA_BASE_URL (or leave it unset for Novita itself), or try again later."
    )


class TaskFailed(ServiceError):
    """The service accepted the job but could not make the video."""

    user_message = "Novita could not make this video. Failed tasks are not charged; adjust the inputs and try again."


class ConnectionFailed(NovitaError):
    """No clear answer came back from Novita."""

    user_message = "Could not talk to Novita. Check the internet connection and try again."


class CouldNotConnect(ConnectionFailed):
    """No connection to the service could be made; nothing was sent."""

    user_message = "Could not reach Novita. Check the internet connection and try again; nothing was sent or charged."


class UnclearAnswer(ConnectionFailed):
    """A request went out but no clear answer came back: a submission may or may not have gone through."""

    user_message = (
        "Novita's answer did not come through, so this job may or may not have been submitted. "
        "Check History before trying again."
    )


class TimedOut(UnclearAnswer):
    """The service did not answer in time; a submission may or may not have gone through."""

    user_message = "Novita took too long to answer. The job may have been submitted: check History before trying again."


# Refused before sending --------------------------------------------------------------------------


class InputRefused(MotionStudioError):
    """Motion Studio refused an input itself, before anything was sent or paid for."""

    user_message = "This file cannot be used as it is."


class MediaUnreadable(InputRefused):
    """A file is not an image or video that can be read."""

    user_message = "This file could not be read as an image or a video. Export it again as JPG/PNG or MP4/MOV."


class FixFailed(InputRefused):
    """Converting a file so that it passes the rules did not work."""

    user_message = (
        "The file could not be converted automatically. Export it again as JPG/PNG or MP4/MOV and upload that."
    )


class LinkUnusable(MediaUnreadable):
    """A pasted link that cannot be downloaded."""

    user_message = (
        "That link could not be downloaded. Check that it opens in a private browser window, "
        "or upload the file instead."
    )


class LinkNotWeb(LinkUnusable):
    """The link is not an http:// or https:// address (file://, ftp://, data:, a bare word...)."""

    user_message = "Only web links that start with http:// or https:// can be used. Upload the file instead."


class LinkPrivate(LinkUnusable):
    """The link leads to this computer or a private network, which the server must not read for a user."""

    user_message = (
        "Links to this computer or to private networks cannot be used. Use a public link, or upload the file instead."
    )


class LinkUnreachable(LinkUnusable):
    """No connection could be made to the link's server."""

    user_message = "That link's server could not be reached. Check the link, or upload the file instead."


class LinkTooLarge(LinkUnusable):
    """The linked file is larger than the download cap."""

    user_message = "The linked file is too large to download. Shorten or compress it, then upload it."


class LinkTooSlow(LinkUnusable):
    """The link did not answer, or did not finish, within the time limits."""

    user_message = "The link took too long to download. Try again later, or upload the file instead."


# Jobs --------------------------------------------------------------------------------------------


class NotResolvable(MotionStudioError):
    """A "may have been sent" job cannot be settled this way: it was settled already, or the task id is empty."""

    user_message = (
        "This job is no longer waiting to be checked (someone settled it already, or it was deleted), "
        "or no task ID was given. Refresh to see how it stands."
    )


class DeleteRefused(MotionStudioError):
    """A job cannot be deleted while it is being sent: the send could still create a paid task."""

    user_message = (
        "This job is being sent to Novita right now, so it cannot be deleted yet: the send could still make "
        "a paid video. Try again in a minute, once it shows a task ID."
    )


# Results -----------------------------------------------------------------------------------------


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


# Hosting the motion video ------------------------------------------------------------------------


class HostingError(MotionStudioError):
    """The motion video cannot be put where the service can fetch it."""

    user_message = (
        "Novita fetches the motion video from a web link, and this computer is not reachable from the internet. "
        "Paste a public link to the video, or set PUBLIC_BASE_URL to this app's public address."
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


# Our own side ------------------------------------------------------------------------------------


class BackupFailed(MotionStudioError):
    """The copy of the history did not check out; the database itself is untouched. Try again."""

    user_message = "The backup copy did not check out, so it was not kept. Your history is untouched; try again."


class SettingInvalid(MotionStudioError):
    """A setting (environment or `.streamlit/secrets.toml`) has a value the app cannot use."""

    user_message = "A setting of Motion Studio has a value it cannot use. Correct it, then restart the app."


# Signing in --------------------------------------------------------------------------------------


class TooManySignIns(MotionStudioError):
    """Too many wrong passwords from this computer, or from everyone, in the last minute."""

    user_message = "Too many wrong passwords in the last minute, so signing in is paused for a moment."

    def __init__(self, retry_after: float) -> None:
        self.retry_after = max(1, math.ceil(retry_after))
        super().__init__(f"try again in {self.retry_after} s")
