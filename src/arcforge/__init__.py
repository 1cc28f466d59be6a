"""arcforge: a studio and a bench for ARC-AGI."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("arcforge")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0"
