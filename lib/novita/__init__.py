"""Novita: the client (a key, a base URL, timeouts), its task results and error mapping, the service's input rules.

from lib.novita import NovitaClient, TaskResult
"""

from lib.novita.client import BALANCE_PATH, RESULT_PATH, SUBMIT_PATH, NovitaClient, RetryPolicy
from lib.novita.error_mapping import error_from_response
from lib.novita.rules import Orientation
from lib.novita.task import ResultVideo, TaskResult, TaskStatus

__all__ = [
    "BALANCE_PATH",
    "RESULT_PATH",
    "SUBMIT_PATH",
    "NovitaClient",
    "Orientation",
    "ResultVideo",
    "RetryPolicy",
    "TaskResult",
    "TaskStatus",
    "error_from_response",
]
