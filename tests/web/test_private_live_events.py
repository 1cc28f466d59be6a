"""On a private studio, a page whose session ended (logged out through any worker) stops
receiving live events (it used to be treated as an anonymous visitor and still
got trace texts of tasks without hidden outputs and variation events)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from arcforge.store import Store, open_store

from .workers import serving_workers

pytestmark = [pytest.mark.timeout(300), pytest.mark.slow]

RECOLOUR = {"op": "permute_colours", "mapping": [0, 1, 2, 4, 3, 5, 6, 7, 8, 9]}


@pytest.fixture
def shared_store(store_url: str) -> Iterator[Store]:
    store = open_store(store_url)
    yield store
    store.dispose()


def test_a_logged_out_page_of_a_private_studio_gets_no_event(
    tmp_path: Path, shared_store: Store, store_url: str
) -> None:
    with serving_workers(tmp_path, shared_store, store_url,
                         ARCFORGE_STUDIO__PRIVATE="true") as w:
        w.login("lou")
        w.login("sol")
        pages = w.pages("lou", "t3")  # one page on each process
        (lou, lou_token), (sol, sol_token) = w.clients(["lou", "sol"])
        assert lou.post("/api/auth/logout", headers=lou_token).status_code == 200
        assert lou.get("/api/tasks/t3/traces").status_code == 401
        made = sol.post("/api/tasks/t3/traces", json={"version": 0, "text": "members only"},
                        headers=sol_token)
        assert made.status_code == 201
        signed = sol.post("/api/tasks/t3/variations", json={"base_version": 0,
                                                              "spec": RECOLOUR},
                          headers=sol_token)
        assert signed.status_code == 200, signed.text
        time.sleep(1.5)  # both events reached every process by now
        for page in pages.values():
            with pytest.raises(TimeoutError):
                print(json.loads(page.recv(timeout=0.5)))
            page.close()
        lou.close()
        sol.close()
