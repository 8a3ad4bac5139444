"""Every failure a user can act on, each with a sentence a non-technical person understands.

`str(error)` is that sentence (plus the service's own words where it gave any), so a page can show
any `MotionStudioError` as it is. No error here ever carries the API key.
"""
from __future__ import annotations


class MotionStudioError(Exception):
    """Base class: `user_message` says what happened and what to do next."""

    user_message = "Something went wrong. Please try again."
    job_id: str | None = None  # the recorded job this failure belongs to, when there is one

    def __init__(self, detail: str = "") -> None:
        self.detail = detail
        super().__init__(self.user_message + (f" ({detail})" if detail else ""))


class ServiceError(MotionStudioError):
    """The generation service answered with an error.

    Keeps the HTTP status, the service's `reason` code and its `message`, so logs and tests can
    tell failures apart while the page shows `user_message`.
    """

    user_message = "Novita had a problem on its side. Failed tasks are not charged; try again in a few minutes."

    def __init__(self, detail: str = "", status: int | None = None, reason: str = "", message: str = "") -> None:
        self.status = status
        self.reason = reason
        self.message = message
        super().__init__(detail or message)


class InputRejected(ServiceError):
    """The service refused an input because it breaks one of its rules."""

    user_message = "Novita refused the inputs. Fix what it names on the Upload page and submit again."


class ContentRefused(InputRejected):
    """The service's moderation refused the prompt or the image."""

    user_message = "Novita's content filter refused the prompt or the character image. Change them and submit again."


class InvalidApiKey(ServiceError):
    """The API key is wrong or revoked."""

    user_message = "Novita did not accept the API key. Check it in Settings (keys start with sk_) or create a new one in your Novita account."


class BalanceTooLow(ServiceError):
    """The account cannot pay for the job."""

    user_message = "Your Novita balance is too low for this video. Top up your Novita account, then submit again."


class RateLimited(ServiceError):
    """Too many requests per minute for this account."""

    user_message = "Novita is getting too many requests from this account right now. Wait a minute, then submit again."


class TaskNotFound(ServiceError):
    """The service does not know the task id."""

    user_message = "Novita does not know this job. It may have been made with another API key."


class CouldNotConnect(ServiceError):
    """No connection to the service could be made; nothing was sent."""

    user_message = "Could not reach Novita. Check the internet connection and try again; nothing was sent or charged."


class UnclearAnswer(ServiceError):
    """A request went out but no clear answer came back: a submission may or may not have gone through."""

    user_message = "Novita's answer did not come through, so this job may or may not have been submitted. Check History before trying again."


class TimedOut(UnclearAnswer):
    """The service did not answer in time; a submission may or may not have gone through."""

    user_message = "Novita took too long to answer. The job may have been submitted: check History before trying again."


class TaskFailed(ServiceError):
    """The service accepted the job but could not make the video."""

    user_message = "Novita could not make this video. Failed tasks are not charged; adjust the inputs and try again."


class ResultExpired(MotionStudioError):
    """The result's download link expired before the video was saved."""

    user_message = "The result's download link expired before the video could be saved. Run the job again to get a new video."


class ResultInvalid(MotionStudioError):
    """What the service returned is not a playable video."""

    user_message = "The video Novita returned could not be played, so it was not saved. Run the job again."


class HostingError(MotionStudioError):
    """The motion video cannot be put where the service can fetch it."""

    user_message = (
        "Novita fetches the motion video from a web link, and this computer is not reachable from the internet. "
        "Paste a public link to the video, or set PUBLIC_BASE_URL to this app's public address."
    )


class MediaUnreadable(MotionStudioError):
    """A file is not an image or video that can be read."""

    user_message = "This file could not be read as an image or a video. Export it again as JPG/PNG or MP4/MOV."


class FixFailed(MotionStudioError):
    """Converting a file so that it passes the rules did not work."""

    user_message = "The file could not be converted automatically. Export it again as JPG/PNG or MP4/MOV and upload that."
