"""Import a library with an optional dependency of its hidden, where that dependency is slow to import and unused.

Python's way: a `None` in `sys.modules` makes `import name` raise ImportError, which libraries read as "not
installed". The name is hidden only during the import asked for; code that imports it later gets it as usual.
"""

from __future__ import annotations

import importlib
import sys


def without(hidden: str, module: str) -> None:
    """Import `module` with `hidden` made to look not installed; a no-op if either is already imported (or
    `module` itself is not installed)."""
    if module in sys.modules or hidden in sys.modules:
        return
    sys.modules[hidden] = None
    try:
        importlib.import_module(module)
    except ImportError:
        pass
    finally:
        del sys.modules[hidden]
