"""Grid operations of the builtin DSL.

Every function here uses numpy and the standard library only, takes and returns
``np.ndarray`` grids, and raises ``ValueError`` when it does not apply. Function names
are unique across these modules: the code generator inlines their sources (and those
of the helpers they call) into standalone ``solve_task`` programs.
"""

from arcforge.models.builtin.ops import geometry, helpers, logic, objects, painting, symmetry

MODULES = (helpers, geometry, objects, painting, symmetry, logic)

__all__ = ["MODULES"]
