"""Refused before sending: Motion Studio refused the input itself (a file, a link, an upload, a batch), or a job
cannot be settled or deleted that way."""

from __future__ import annotations

from lib.errors.base import MotionStudioError


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


class BatchChanged(InputRefused):
    """Send was pressed as the files, the model or the way changed: the cost shown is no longer the cost."""

    user_message = (
        "Nothing was sent: the batch changed after its cost was shown. Check the new total and press Send again."
    )


class BatchInputUnusable(InputRefused):
    """A file that cannot be read cannot be fixed either; the batch is refused before anything is sent."""

    user_message = "Nothing was sent: a file in the batch cannot be read, so it cannot be fixed."
