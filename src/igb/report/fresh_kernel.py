"""Runs inside a kernel reused for several notebooks: undo what the last notebook changed (see `kernels`).

The first call records the kernel's settings as they are at start; later calls put them back.
"""

from __future__ import annotations

import gc
import warnings

_at_start: dict = {}


def restore(shell) -> None:
    """Empty namespace, execution count 1, start-up matplotlib/pandas/warning settings, no open figures."""
    import matplotlib
    import matplotlib.pyplot as plt
    import pandas as pd

    if not _at_start:
        _at_start.update(filters=list(warnings.filters), rc=matplotlib.rcParams.copy())
        gc.collect()
        gc.freeze()  # what start-up imported stays: `shell.reset` below collects garbage, now without scanning it (≈0.1 s)
    else:
        warnings.filters[:] = _at_start["filters"]
        getattr(warnings, "_filters_mutated", lambda: None)()  # invalidate 'already warned' caches
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            matplotlib.rcParams.update(_at_start["rc"])
    plt.close("all")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pd.reset_option("all")
    shell.reset(new_session=True)  # namespace, history and execution count as in a new kernel; collects garbage
    gc.freeze()  # what outlived the notebook (caches) is not scanned again by the next reset's collection
