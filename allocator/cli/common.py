"""The consoles and library-error boundary every command module shares; no command logic here.

The library never imports this module.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console

from allocator.errors import AllocatorError

__all__ = ["ERR", "OUT", "library_errors"]

OUT = Console(highlight=False, soft_wrap=True)
ERR = Console(stderr=True, highlight=False, soft_wrap=True)


@contextmanager
def library_errors() -> Iterator[None]:
    """Turn the library's errors into one message on stderr and exit code 1."""
    try:
        yield
    except AllocatorError as exc:
        ERR.print(f"Error: {exc}", markup=False)
        sys.exit(1)
