"""Page routes: each serves one static HTML file; the page's modules call the JSON API."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse

from arcforge.web.ids import checked_id

router = APIRouter(include_in_schema=False)


def _page(request: Request, name: str) -> FileResponse:
    path: Path = request.app.state.studio.settings.static_dir / name
    if not path.is_file():
        raise HTTPException(404, f"page {name} is missing from the installation")
    return FileResponse(path, media_type="text/html", headers={"Cache-Control": "no-cache"})


@router.get("/")
def index(request: Request) -> FileResponse:
    return _page(request, "index.html")


@router.get("/login")
def login(request: Request) -> FileResponse:
    return _page(request, "login.html")


@router.get("/task/{task_id}")
def task(request: Request, task_id: str) -> FileResponse:
    checked_id(task_id, "task")
    return _page(request, "task.html")


@router.get("/runs")
def runs(request: Request) -> FileResponse:
    return _page(request, "runs.html")


@router.get("/runs/{run_id}")
def run(request: Request, run_id: str) -> FileResponse:
    checked_id(run_id, "run")
    return _page(request, "run.html")


@router.get("/tutorial")
def tutorial(request: Request) -> FileResponse:
    return _page(request, "tutorial.html")


@router.get("/check")
def check(request: Request) -> FileResponse:
    return _page(request, "check.html")


@router.get("/check/{check_id}")
def check_one(request: Request, check_id: str) -> FileResponse:
    if not check_id.isdigit() or len(check_id) > 10:
        raise HTTPException(404, f"no check {check_id[:20]!r}")
    return _page(request, "check.html")
