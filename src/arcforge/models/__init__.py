"""Model providers behind one factory: :func:`get_model` (``provider/model`` specs)."""

from arcforge.models.base import ErrorKind, Model, ModelError, ModelResponse, RequestContext, Usage
from arcforge.models.factory import PROVIDERS, get_model, split_spec

__all__ = [
    "PROVIDERS",
    "ErrorKind",
    "Model",
    "ModelError",
    "ModelResponse",
    "RequestContext",
    "Usage",
    "get_model",
    "split_spec",
]
