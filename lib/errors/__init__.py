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

from lib.errors.base import (
    MotionStudioError,
)
from lib.errors.novita import (
    AccountUnreadable,
    BalanceTooLow,
    ConnectionFailed,
    ContentRefused,
    CostOverBalance,
    CouldNotConnect,
    InputRejected,
    InvalidApiKey,
    NovitaError,
    RateLimited,
    ServiceError,
    TaskFailed,
    TaskNotFound,
    TimedOut,
    UnclearAnswer,
)
from lib.errors.our_side import (
    AlreadySent,
    BackupElsewhere,
    BackupFailed,
    DatabaseUnreachable,
    FixStopped,
    HostingError,
    NoPublicLink,
    NotInLibrary,
    ResultExpired,
    ResultInvalid,
    SettingInvalid,
    StorageBucketMissing,
    StorageCredentialsRefused,
    StorageTimedOut,
    StorageUnreachable,
    TooManySignIns,
)
from lib.errors.refused import (
    BatchChanged,
    BatchEmpty,
    BatchInputUnusable,
    BatchOverCap,
    BatchTooLarge,
    DeleteRefused,
    FixFailed,
    InputRefused,
    LinkNotWeb,
    LinkPrivate,
    LinkTooLarge,
    LinkTooSlow,
    LinkUnreachable,
    LinkUnusable,
    MediaUnreadable,
    NotPassing,
    NotResolvable,
    UploadBroken,
    UploadTooLarge,
)
from lib.errors.team import AdminsOnly, NotLetIn, OverBudget

__all__ = [
    "AlreadySent",
    "AccountUnreadable",
    "BackupElsewhere",
    "AdminsOnly",
    "BackupFailed",
    "BalanceTooLow",
    "BatchChanged",
    "BatchEmpty",
    "BatchInputUnusable",
    "BatchOverCap",
    "BatchTooLarge",
    "ConnectionFailed",
    "ContentRefused",
    "CostOverBalance",
    "CouldNotConnect",
    "DatabaseUnreachable",
    "DeleteRefused",
    "FixFailed",
    "FixStopped",
    "HostingError",
    "InputRefused",
    "InputRejected",
    "InvalidApiKey",
    "LinkNotWeb",
    "LinkPrivate",
    "LinkTooLarge",
    "LinkTooSlow",
    "LinkUnreachable",
    "LinkUnusable",
    "MediaUnreadable",
    "MotionStudioError",
    "NoPublicLink",
    "NotInLibrary",
    "NotLetIn",
    "NotPassing",
    "NotResolvable",
    "NovitaError",
    "OverBudget",
    "RateLimited",
    "ResultExpired",
    "ResultInvalid",
    "ServiceError",
    "SettingInvalid",
    "StorageBucketMissing",
    "StorageCredentialsRefused",
    "StorageTimedOut",
    "StorageUnreachable",
    "TaskFailed",
    "TaskNotFound",
    "TimedOut",
    "TooManySignIns",
    "UnclearAnswer",
    "UploadBroken",
    "UploadTooLarge",
]
