"""What the host and a sandbox worker say to each other: frames, caps and result codes.

Standard library only, with no imports of its own package: the worker loads it inside
the sandbox as a top-level module, the host as ``arcforge.sandbox.inside.protocol``.

Frames are a 4-byte big-endian length, then a JSON object. The worker sends one
``hello`` frame when it is ready, then one reply per request, echoing its ``nonce``.
"""

from __future__ import annotations

import json
import struct
from typing import Any

MAX_REQUEST = 64 << 20  # bytes of one request frame
MAX_REPLY = 16 << 20  # bytes of one reply frame
MAX_CHILD_OUTPUT = 4 << 20  # bytes a program's child may send back for one request
MAX_MESSAGE = 600  # characters kept of an error message
MAX_SIDE = 30  # rows and columns of a grid

OP_HELLO = "hello"
OP_RUN = "run"
OP_PROBE = "probe"

OK = "ok"
ERROR = "error"
INVALID_OUTPUT = "invalid_output"
TIMEOUT = "timeout"
STATUSES = (OK, ERROR, INVALID_OUTPUT, TIMEOUT)

HEADER = struct.Struct(">I")


def encode_frame(obj: dict[str, Any]) -> bytes:
    """One frame: the length header and the compact JSON of ``obj``."""
    data = json.dumps(obj, separators=(",", ":")).encode()
    return HEADER.pack(len(data)) + data


def frame_size(header: bytes) -> int:
    """The body length announced by a 4-byte header."""
    return HEADER.unpack(header)[0]
