"""Import jsonschema, and so nbformat, papermill and nbconvert, without its slow "iri" format checker.

jsonschema imports `rfc3987_syntax` when it is installed (jupyterlab brings it in through
jsonschema[format-nongpl]). That module compiles about 38 lark grammars when imported: 1.1 to 1.7 s on this
machine, in every process that imports nbformat. It serves only the "iri"/"iri-reference" formats, which no
notebook schema uses (upstream: python-jsonschema/jsonschema#1428; jsonschema 4.26 still imports it eagerly).
"""

from __future__ import annotations

from igb.imports import without


def without_iri_checker() -> None:
    """Import jsonschema once with `rfc3987_syntax` hidden (see `igb.imports`): jsonschema treats the module as not
    installed and skips only those two format checkers."""
    without("rfc3987_syntax", "jsonschema")
