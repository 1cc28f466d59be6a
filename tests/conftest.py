"""Settings and fixtures for the whole suite."""

from collections.abc import Iterator

import pytest
from hypothesis import settings

from pgcluster import Cluster, ClusterUnavailable, unavailable

# Property tests check results, never speed: a loaded CI machine must not make them flaky.
settings.register_profile("arcforge", deadline=None)
settings.load_profile("arcforge")


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    """A throw-away PostgreSQL server shared by the session (skipped without the binaries,
    unless ``ARCFORGE_TEST_POSTGRES=required``)."""
    cluster = Cluster()
    try:
        cluster.start()
    except ClusterUnavailable as exc:
        unavailable(str(exc))
    try:
        yield cluster
    finally:
        cluster.stop()
