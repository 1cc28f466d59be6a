"""The store as a data source (``--data store`` / ``--data store:URL``)."""

from __future__ import annotations

from arcforge.tasks import Task


def load_store_tasks(url: str | None) -> list[Task]:
    """Every live version (original and variations) of every task in the store, with
    ``version``, ``signed_by``, ``parent`` and ``transform``; ``url`` None means the default."""
    from arcforge.store.store import open_store

    store = open_store(url, create=False)
    try:
        return store.all_tasks()
    finally:
        store.dispose()
