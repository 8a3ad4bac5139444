"""Talking to Novita: it answered with an error (`ServiceError`), or no clear answer came (`ConnectionFailed`)."""

from __future__ import annotations

from lib.errors.base import MotionStudioError


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
