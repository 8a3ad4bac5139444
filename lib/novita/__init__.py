"""Novita: the client, its task results and error mapping, the service's input rules, and which service to use.

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
