"""The store: users, tasks and variations, traces and votes, attempts and merged runs.

Open it with :func:`open_store`; every repository method lives on :class:`Store` and
returns plain dataclasses from :mod:`arcforge.store.views`. No SQL outside this package.
"""

from arcforge.store.errors import (
    ConflictError,
    ForbiddenError,
    InputFileError,
    NotFoundError,
    StoreError,
)
from arcforge.store.paths import ENV_VAR, default_store_path, resolve_store_url
from arcforge.store.store import Store, open_store
from arcforge.store.tasks import TaskImport
from arcforge.store.views import (
    AttemptView,
    CheckView,
    DescriptionParts,
    RemovedVersion,
    RunView,
    SignResult,
    TaskPage,
    TaskSummary,
    TraceView,
    UserView,
    VersionView,
    VoteResult,
)

__all__ = [
    "ENV_VAR",
    "AttemptView",
    "CheckView",
    "ConflictError",
    "DescriptionParts",
    "ForbiddenError",
    "InputFileError",
    "NotFoundError",
    "RemovedVersion",
    "RunView",
    "SignResult",
    "Store",
    "StoreError",
    "TaskImport",
    "TaskPage",
    "TaskSummary",
    "TraceView",
    "UserView",
    "VersionView",
    "VoteResult",
    "default_store_path",
    "open_store",
    "resolve_store_url",
]
