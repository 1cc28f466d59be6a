"""The self-contained HTML report of a run folder (``report.html``)."""

from arcforge.report.build import write_report

__all__ = ["write_report"]
