"""The :class:`Store` (every repository in one object) and :func:`open_store`."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError

from arcforge.store.answers import AnswerRepository
from arcforge.store.attempts import AttemptRepository
from arcforge.store.checks import CheckRepository
from arcforge.store.descriptions import DescriptionRepository
from arcforge.store.engine import make_engine
from arcforge.store.errors import StoreError
from arcforge.store.events import EventRepository
from arcforge.store.limits import RateLimitRepository
from arcforge.store.meta import MetaRepository
from arcforge.store.paths import display_url, resolve_store_url, sqlite_file
from arcforge.store.runs import RunRepository
from arcforge.store.sessions import SessionRepository
from arcforge.store.tasks import TaskRepository
from arcforge.store.traces import TraceRepository
from arcforge.store.users import UserRepository


class Store(
    UserRepository,
    TaskRepository,
    TraceRepository,
    AttemptRepository,
    DescriptionRepository,
    CheckRepository,
    AnswerRepository,
    RunRepository,
    SessionRepository,
    RateLimitRepository,
    EventRepository,
    MetaRepository,
):
    """The database behind the studio and ``arcforge merge``: open it with :func:`open_store`."""


def open_store(url: str | None = None, *, upgrade: bool = True, create: bool = True) -> Store:
    """Open the store at ``url`` (see :func:`resolve_store_url`), migrating it to the newest schema.

    With ``upgrade=False`` the schema is left as it is (for ``store upgrade`` to report on).
    With ``create=False`` a SQLite file that does not exist is an error instead of a new store.
    """
    resolved = resolve_store_url(url)
    path = sqlite_file(resolved)
    if not create and path is not None and not path.exists():
        raise StoreError(
            f"no store at {path} (a store is created by the studio, `arcforge merge` or an "
            "import; pass --store or set ARCFORGE_STORE to use another)"
        )
    store = Store(resolved, make_engine(resolved))
    try:
        if upgrade:
            store.upgrade()
    except DBAPIError as exc:
        store.dispose()
        raise StoreError(f"store {display_url(resolved)}: cannot open: {exc.orig}") from None
    except BaseException:
        store.dispose()
        raise
    return store
