"""Data exports for admins: the files of ``arcforge store export-data``, streamed."""

from __future__ import annotations

import os
import tempfile
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path, Query
from fastapi.responses import FileResponse, StreamingResponse
from starlette.background import BackgroundTask

from arcforge.store.datafiles import NAMES, jsonl_lines, rows_of, write_parquet
from arcforge.store.schema import MAX_INT
from arcforge.web import visibility
from arcforge.web.deps import StudioDep, User

router = APIRouter(prefix="/api", tags=["exports"])

FILES = tuple(f"{name}.{fmt}" for name in NAMES for fmt in ("jsonl", "parquet"))
FileName = Annotated[str, Path(description=f"one of {', '.join(FILES)}")]


@router.get("/export/{file}", response_model=None)
def export_file(
    file: FileName,
    studio: StudioDep,
    user: User,
    min_score: Annotated[int | None, Query(ge=-MAX_INT, le=MAX_INT)] = None,
    source: Literal["human", "model", "all"] = "all",
) -> StreamingResponse | FileResponse:
    """One data set as JSONL or Parquet (admins only): ``traces`` (``min_score`` and
    ``source`` select them), ``tasks`` or ``attempts``; people under pseudonyms."""
    if not visibility.reads_exports(user):
        raise HTTPException(403, "only admins export data: it holds every answer")
    if file not in FILES:
        raise HTTPException(404, f"no export {file[:100]!r} (known: {', '.join(FILES)})")
    name, fmt = file.split(".")
    rows = rows_of(studio.store, name, min_score=min_score, source=source)
    headers = {"Content-Disposition": f'attachment; filename="{file}"'}
    if fmt == "jsonl":
        return StreamingResponse(jsonl_lines(rows), media_type="application/x-ndjson",
                                 headers=headers)
    fd, tmp = tempfile.mkstemp(prefix="arcforge-export-", suffix=".parquet")
    os.close(fd)
    try:
        write_parquet(name, rows, tmp)
    except BaseException:
        os.unlink(tmp)
        raise
    return FileResponse(tmp, media_type="application/vnd.apache.parquet", headers=headers,
                        background=BackgroundTask(os.unlink, tmp))
