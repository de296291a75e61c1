"""Import jsonschema, and so nbformat, papermill and nbconvert, without its slow "iri" format checker.

jsonschema imports `rfc3987_syntax` when it is installed (jupyterlab brings it in through
jsonschema[format-nongpl]). That module compiles about 38 lark grammars when imported: 1.1 to 1.7 s on this
machine, in every process that imports nbformat. It serves only the "iri"/"iri-reference" formats, which no
notebook schema uses (upstream: python-jsonschema/jsonschema#1428; jsonschema 4.26 still imports it eagerly).
"""

from __future__ import annotations

import sys


def without_iri_checker() -> None:
    """Import jsonschema once with `rfc3987_syntax` hidden; a no-op if either is already imported.

    jsonschema treats the module as not installed and skips only those two format checkers. The module is
    hidden only during this import: code that imports it later gets it as usual.
    """
    if "jsonschema" in sys.modules or "rfc3987_syntax" in sys.modules:
        return
    sys.modules["rfc3987_syntax"] = None  # Python's way to make an import raise ImportError
    try:
        import jsonschema  # noqa: F401
    except ImportError:  # jsonschema itself not installed: nothing to speed up
        pass
    finally:
        del sys.modules["rfc3987_syntax"]
