"""The builtin offline baseline: ``builtin/dsl``, a program-search model over a grid DSL."""

from arcforge.models.builtin.demo import DemoSubset, demo_subset
from arcforge.models.builtin.model import BuiltinDSLModel
from arcforge.models.builtin.search import SearchResult, search_task

__all__ = ["BuiltinDSLModel", "DemoSubset", "SearchResult", "demo_subset", "search_task"]
