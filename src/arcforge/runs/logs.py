"""``run.log``: one line per request event of one run, with API keys redacted.

Providers log to the ``arcforge.requests`` logger with the run id attached; the runner
logs to ``arcforge.runs``. :func:`attach_run_log` routes the lines of one run to its file
(and, with ``verbose``, to the console) and :meth:`RunLog.close` detaches them.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from arcforge.config import redact
from arcforge.runfiles import LOG

LOGGERS = ("arcforge.requests", "arcforge.runs")


class _RedactingFormatter(logging.Formatter):
    def __init__(self, fmt: str, secrets: list[str]) -> None:
        super().__init__(fmt, datefmt="%Y-%m-%dT%H:%M:%S")
        self._secrets = secrets

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record), self._secrets)


class _BufferedFileHandler(logging.FileHandler):
    """Writes through the file buffer and flushes at most every ``interval_s`` (flushing
    every line costs a system call per request event)."""

    def __init__(self, path: Path, interval_s: float = 0.5) -> None:
        super().__init__(path, encoding="utf-8")
        self._interval = interval_s
        self._flushed = time.monotonic()

    def flush(self) -> None:
        now = time.monotonic()
        if now - self._flushed >= self._interval:
            self._flushed = now
            super().flush()

    def close(self) -> None:
        self.acquire()
        try:
            if self.stream and not self.stream.closed:
                self.stream.flush()
        finally:
            self.release()
        super().close()


class _RunFilter(logging.Filter):
    def __init__(self, run_id: str) -> None:
        super().__init__()
        self.run_id = run_id

    def filter(self, record: logging.LogRecord) -> bool:
        return getattr(record, "run_id", None) == self.run_id


class RunLog:
    def __init__(self, handlers: list[logging.Handler], levels: dict[str, int]) -> None:
        self._handlers = handlers
        self._levels = levels

    def close(self) -> None:
        for name in LOGGERS:
            logger = logging.getLogger(name)
            for handler in self._handlers:
                logger.removeHandler(handler)
            logger.setLevel(self._levels[name])
        for handler in self._handlers:
            handler.close()


def attach_run_log(
    run_dir: Path, run_id: str, secrets: list[str], console_handler: logging.Handler | None = None
) -> RunLog:
    """Send the run's log lines to ``run_dir/run.log`` (and to ``console_handler``)."""
    file_handler = _BufferedFileHandler(run_dir / LOG)
    file_handler.setFormatter(
        _RedactingFormatter("%(asctime)s.%(msecs)03d %(levelname)s %(message)s", secrets)
    )
    handlers: list[logging.Handler] = [file_handler]
    if console_handler is not None:
        console_handler.setFormatter(_RedactingFormatter("%(message)s", secrets))
        handlers.append(console_handler)
    for handler in handlers:
        handler.addFilter(_RunFilter(run_id))
    levels = {}
    for name in LOGGERS:
        logger = logging.getLogger(name)
        levels[name] = logger.level
        logger.setLevel(logging.INFO)
        logger.propagate = False
        for handler in handlers:
            logger.addHandler(handler)
    return RunLog(handlers, levels)
