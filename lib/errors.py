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


class LinkTooLarge(LinkUnusable):
    """The linked file is larger than the download cap."""

    user_message = "The linked file is too large to download. Shorten or compress it, then upload it."


class LinkTooSlow(LinkUnusable):
    """The link did not answer, or did not finish, within the time limits."""

    user_message = "The link took too long to download. Try again later, or upload the file instead."


class NotPassing(InputRefused):
    """A file that breaks a rule is not saved: the library holds only files that can be used as they are."""

    user_message = "The library keeps only files that pass every rule: fix this one first, then save it."


class UploadTooLarge(InputRefused):
    """The file is larger than the uploader takes."""

    user_message = "This file is larger than 2 GB, the most the uploader takes. Shorten or compress it first."


class UploadBroken(InputRefused):
    """The pieces of an upload did not arrive in order (the page was reloaded, or the connection dropped)."""

    user_message = "The upload was interrupted. Drop the file again."


class BatchTooLarge(InputRefused):
    """More characters or motion videos in one batch than a batch holds (`max_side` of each)."""

    def __init__(self, max_side: int, detail: str = "") -> None:
        self.user_message = f"A batch holds at most {max_side} characters and {max_side} motion videos."
        super().__init__(detail)


class BatchEmpty(InputRefused):
    """A batch needs at least one character image and one motion video."""

    user_message = "A batch needs at least one character image and one motion video."


class BatchOverCap(InputRefused):
    """The estimated cost is above the spending cap the user set: nothing is sent."""

    user_message = "Nothing was sent: the batch would cost more than your spending cap."


class BatchInputUnusable(InputRefused):
    """A file that cannot be read cannot be fixed either; the batch is refused before anything is sent."""

    user_message = "Nothing was sent: a file in the batch cannot be read, so it cannot be fixed."


# Results -----------------------------------------------------------------------------------------


class ResultExpired(MotionStudioError):
    """The result's download link expired before the video was saved."""

    user_message = (
        "The result's download link expired before the video could be saved. Run the job again to get a new video."
    )


class ResultInvalid(MotionStudioError):
    """What the service returned is not a playable video."""

    user_message = "The video Novita returned could not be played, so it was not saved. Run the job again."


# Hosting the motion video ------------------------------------------------------------------------


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


class FixStopped(MotionStudioError):
    """Someone pressed Stop while the fix ran."""

    user_message = "The fix was stopped. The file is as it was; press Fix it to start again."


class NotInLibrary(MotionStudioError):
    """The item was removed, perhaps by a teammate in another tab."""

    user_message = "That item is no longer in the library."


class BatchFixFailed(MotionStudioError):
    """A file of the batch could not be fixed; nothing of the batch was sent."""

    user_message = "Nothing was sent: a file of the batch could not be fixed."
