"""The code that runs inside the sandbox: the worker, its zygote and each program's child.

Standard library only (numpy is imported, never required): these modules are loaded
inside the sandbox as the package ``inside``, where arcforge itself is not importable.
The host imports only :mod:`.protocol`, :mod:`.gridcodec` and :mod:`.cleanup`.
"""
