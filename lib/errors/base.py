"""The base of every failure a user can act on."""

from __future__ import annotations


class MotionStudioError(Exception):
    """Base class: `user_message` says what happened and what to do next."""

    user_message = "Something went wrong. Please try again."
    job_id: str | None = None  # the recorded job this failure belongs to, when there is one

    def __init__(self, detail: str = "") -> None:
        self.detail = detail
        super().__init__(self.user_message + (f" ({detail})" if detail else ""))
