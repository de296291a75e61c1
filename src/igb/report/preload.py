"""Imported once per run by the forkserver that forks the pool's workers (`kernels.Pool`): what every worker and
its kernel import, so that neither imports it again (≈2 s of a core each, four times a run before).

The worker forks its kernel from itself (`igb.report.forked`), so this is also what a kernel starts with: ipykernel
first, then the analysis stack a kernel's warm-up imports (`kernels.WARM_UP`), with ipykernel's matplotlib backend
chosen before matplotlib is imported, as in a kernel of its own; then papermill and nbconvert for the worker.
"""

import os
import signal

from igb.report.forked import INLINE

signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is igb's to handle (the forkserver ignores it after this)
os.environ.setdefault("MPLBACKEND", INLINE)

import ipykernel.ipkernel  # noqa: E402,F401
import ipykernel.kernelapp  # noqa: E402,F401

import igb.report.context  # noqa: E402,F401
import igb.report.figures  # noqa: E402,F401
import igb.report.municipality  # noqa: E402,F401
from igb.report import nbimport  # noqa: E402

nbimport.without_iri_checker()
import nbconvert.exporters.html  # noqa: E402,F401
import papermill  # noqa: E402,F401
