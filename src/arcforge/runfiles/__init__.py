"""Run files: what a run folder holds, typed and versioned, with one reader and one writer.

A leaf of the package: it imports only the core (errors, grids, tasks, verification,
atomic writes). The runner writes through it; scoring, exports, the report, replay,
``arcforge merge`` and the studio read through :func:`read_results`.
"""

from arcforge.runfiles.folder import (
    FINAL_PREFIX,
    JOURNAL,
    KAGGLE_SUBMISSION,
    LOG,
    REPORT,
    RUN_INFO,
    SUBMISSION_DIR,
    SUMMARY,
    TASKS,
    final_results_files,
    read_run_info,
    read_tasks,
    tasks_hash,
    utc_now,
    write_final,
    write_run_info,
    write_tasks,
)
from arcforge.runfiles.groups import JournalIndex, index_journal, task_groups
from arcforge.runfiles.journal import Journal
from arcforge.runfiles.jsonl import RunFileError, iter_objects, read_objects
from arcforge.runfiles.reader import (
    Results,
    iter_journal,
    iter_placed,
    load_records,
    parse_records,
    read_results,
)
from arcforge.runfiles.records import (
    FORMAT_VERSION,
    ErrorInfo,
    FinalMetadata,
    Kind,
    PromptInfo,
    RunInfo,
    SampleRecord,
    Usage,
    error_counts,
    goes_on,
    latest_rounds,
)

__all__ = [
    "FINAL_PREFIX", "FORMAT_VERSION", "JOURNAL", "KAGGLE_SUBMISSION", "LOG", "REPORT",
    "RUN_INFO", "SUBMISSION_DIR", "SUMMARY", "TASKS", "ErrorInfo", "FinalMetadata", "Journal",
    "JournalIndex", "Kind", "PromptInfo", "Results", "RunFileError", "RunInfo", "SampleRecord",
    "Usage", "error_counts", "final_results_files", "goes_on", "index_journal", "iter_journal",
    "iter_objects", "iter_placed", "latest_rounds", "load_records", "parse_records",
    "read_objects", "read_results", "read_run_info", "read_tasks", "task_groups", "tasks_hash",
    "utc_now", "write_final", "write_run_info", "write_tasks",
]
