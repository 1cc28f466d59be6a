"""Values that belong to one store as a whole (``store_meta``)."""

from __future__ import annotations

from sqlalchemy import select

from arcforge.store.engine import StoreBase
from arcforge.store.schema import StoreMeta

STUDIO_SECRET = "studio_secret"  # created by migration 0006


class MetaRepository(StoreBase):
    def studio_secret(self) -> str:
        """The studio's signing key, the same for every process and machine using this store."""
        with self.reading() as session:
            key = session.scalar(select(StoreMeta.value).where(StoreMeta.key == STUDIO_SECRET))
        assert key is not None, "migration 0006 creates the studio's key"
        return key
