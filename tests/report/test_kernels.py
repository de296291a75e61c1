"""A kernel reused for several notebooks gives each the outputs a fresh kernel would give."""

import os
from pathlib import Path

import nbformat
import papermill
import pytest

from igb.report import kernels

SPOIL = """\
import warnings
import matplotlib
import matplotlib.pyplot as plt
import pandas as pd
leftover = 1
pd.set_option("display.max_rows", 3)
matplotlib.rcParams["lines.linewidth"] = 9
warnings.simplefilter("error")
plt.figure()
"""
LOOK = """\
import warnings
import matplotlib
import matplotlib.pyplot as plt
import pandas as pd
print("leftover" in dir(), pd.get_option("display.max_rows"), matplotlib.rcParams["lines.linewidth"],
      warnings.filters[:2], plt.get_fignums())
"""


def notebook(path, *sources):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell("name = 'x'", metadata={"tags": ["parameters"]})]
    nb.cells += [nbformat.v4.new_code_cell(s) for s in sources]
    nbformat.write(nb, path)
    return path


def outputs(path):
    nb = nbformat.read(path, as_version=4)
    return [(c.execution_count, [o.get("text") for o in c.outputs]) for c in nb.cells if c.cell_type == "code"]


@pytest.fixture
def fresh():
    kernels.close()
    yield
    kernels.close()


def test_a_notebook_after_another_sees_a_fresh_kernel(tmp_path, fresh):
    spoil, look = notebook(tmp_path / "spoil.ipynb", SPOIL), notebook(tmp_path / "look.ipynb", LOOK)
    papermill.execute_notebook(look, tmp_path / "alone.ipynb", {"name": "a"}, kernel_name="python3",
                               progress_bar=False)  # plain papermill: its own engine, a kernel of its own
    kernels.execute(spoil, tmp_path / "spoiled.ipynb", {"name": "b"}, root=tmp_path)
    first = kernels.session(tmp_path)
    kernels.execute(look, tmp_path / "after.ipynb", {"name": "a"}, root=tmp_path)
    assert kernels.session(tmp_path) is first  # the same kernel ran both
    assert outputs(tmp_path / "after.ipynb") == outputs(tmp_path / "alone.ipynb")
    assert outputs(tmp_path / "after.ipynb")[-1][0] == 3  # execution counts start again at 1 (parameters, injected, cell)
    assert "False" in outputs(tmp_path / "after.ipynb")[-1][1][0]  # `leftover` is gone


def test_a_dead_kernel_is_replaced(tmp_path, fresh):
    look = notebook(tmp_path / "look.ipynb", "print(6 * 7)")
    first = kernels.session(tmp_path)
    first.km.shutdown_kernel(now=True)
    kernels.execute(look, tmp_path / "out.ipynb", {"name": "a"}, root=tmp_path)
    assert kernels.session(tmp_path) is not first
    assert outputs(tmp_path / "out.ipynb")[-1][1] == ["42\n"]


def test_sequential_jobs_shut_their_kernel_down(tmp_path, fresh):
    look = notebook(tmp_path / "look.ipynb", "print(1)")
    results = kernels.run_jobs([(_run, (look, tmp_path / f"{k}.ipynb", tmp_path)) for k in range(2)], workers=1)
    assert results == ["ran", "ran"] and kernels._session is None
    assert outputs(tmp_path / "1.ipynb")[-1][1] == ["1\n"]


def _run(source, output, root):
    kernels.execute(source, output, {"name": "a"}, root=root)
    return "ran"


def test_pool_workers_start_their_own_kernels_when_the_parent_has_one(tmp_path, fresh):
    look = notebook(tmp_path / "look.ipynb", "import os\nprint(os.getppid())")
    parent = kernels.session(tmp_path)  # forked workers must not talk to this kernel
    results = kernels.run_jobs([(_run, (look, tmp_path / f"{k}.ipynb", tmp_path)) for k in range(2)], workers=2)
    assert results == ["ran", "ran"] and kernels.session(tmp_path) is parent
    kernel_parents = {outputs(tmp_path / f"{k}.ipynb")[-1][1][0] for k in range(2)}
    assert str(parent.km.provisioner.process.pid) not in kernel_parents


def test_a_failed_notebook_leaves_the_connected_client_ready_for_the_next(tmp_path, fresh):
    failing = notebook(tmp_path / "fail.ipynb", "print('before')\nraise ValueError('boom')", "print('never')")
    look = notebook(tmp_path / "look.ipynb", "print(6 * 7)")
    with pytest.raises(papermill.PapermillExecutionError, match="boom"):
        kernels.execute(failing, tmp_path / "failed.ipynb", {"name": "a"}, root=tmp_path)
    first = kernels.session(tmp_path)
    kernels.execute(look, tmp_path / "out.ipynb", {"name": "a"}, root=tmp_path)
    assert kernels.session(tmp_path) is first
    assert outputs(tmp_path / "out.ipynb") == [(1, []), (2, []), (3, ["42\n"])]


@pytest.mark.skipif(os.name == "nt", reason="Unix sockets only where the platform has them")
def test_the_kernel_listens_on_private_unix_sockets_that_are_removed_with_it(tmp_path, fresh):
    session = kernels.session(tmp_path)
    folder = Path(session.sockets.name)
    assert session.km.transport == "ipc" and Path(session.km.ip).parent == folder
    assert oct(folder.stat().st_mode & 0o777) == "0o700"  # only this user can connect
    kernels.close()
    assert not folder.exists()


def test_a_run_broken_off_by_a_dying_kernel_keeps_what_ran(tmp_path, fresh):
    # papermill's saves after every cell are off (the notebook is written once, at the end): a run that breaks off
    # other than by a failing cell still leaves what ran, for the failure path (jobs.execute_to keeps it)
    dying = notebook(tmp_path / "dying.ipynb", "print('before')", "import os\nos._exit(1)", "print('never')")
    with pytest.raises(Exception):
        kernels.execute(dying, tmp_path / "out.ipynb", {"name": "a"}, root=tmp_path)
    assert outputs(tmp_path / "out.ipynb")[2][1] == ["before\n"]


def test_a_job_says_how_long_each_step_took(tmp_path, fresh):
    import shutil

    from conftest import ROOT
    from igb.report.jobs import Job, run_one

    shutil.copytree(ROOT / "params", tmp_path / "params")  # the pages' texts
    look = notebook(tmp_path / "look.ipynb", "print(6 * 7)")
    kernels.warm_up(tmp_path)
    first = run_one(Job("look", look, tmp_path / "out", {"name": "a"}), tmp_path)
    second = run_one(Job("look", look, tmp_path / "out", {"name": "b"}), tmp_path)
    assert first.ok and second.ok, (first.error, second.error)
    assert {"kernel start", "worker warm-up", "execute", "pages"} <= set(first.stages)
    assert set(second.stages) == {"execute", "pages"}  # the warm-up is told once
    assert all(v >= 0 for v in first.stages.values()) and sum(second.stages.values()) <= second.seconds


TELL = """\
import os, sys, warnings
import matplotlib
print(matplotlib.get_backend(), os.getsid(0) == os.getpid(), os.getppid(), "igb.report.figures" in sys.modules)
print(sorted({repr(f) for f in warnings.filters}))
"""


def _run_and_tell(source, output, root):
    kernels.execute(source, output, {"name": "a"}, root=root)
    return os.getpid(), type(kernels.session(root).km.provisioner).__name__


@pytest.mark.skipif(not hasattr(os, "fork"), reason="kernels are forked only where the platform forks")
def test_a_pool_workers_kernel_is_forked_from_it_and_looks_like_a_new_one(tmp_path, fresh):
    look, tell = notebook(tmp_path / "look.ipynb", LOOK), notebook(tmp_path / "tell.ipynb", TELL)
    for source in (look, tell):  # a kernel started the usual way
        papermill.execute_notebook(source, tmp_path / f"alone-{source.name}", {"name": "a"}, kernel_name="python3",
                                   progress_bar=False)
    jobs = [(_run_and_tell, (source, tmp_path / f"{source.stem}{k}.ipynb", tmp_path)) for source in (look, tell)
            for k in range(2)]
    with kernels.Pool(2, tmp_path) as pool:  # warmed up with root: the analysis stack imported, then the fork
        results = kernels.run_jobs(jobs, 2, pool=pool)
    assert {kind for _, kind in results} == {"ForkingProvisioner"}
    usual = outputs(tmp_path / "alone-look.ipynb")[-1][1][0]
    usual_filters = set(eval(outputs(tmp_path / "alone-tell.ipynb")[-1][1][0].splitlines()[1]))
    for k in range(2):  # as the usual kernel: options, rcParams, no figures, the namespace; its warning filters
        here = outputs(tmp_path / f"look{k}.ipynb")[-1][1][0]
        assert here.split("[")[0] == usual.split("[")[0] and here.rstrip().endswith("[]")
        lines = outputs(tmp_path / f"tell{k}.ipynb")[-1][1][0].splitlines()
        assert usual_filters <= set(eval(lines[1]))  # (the worker's own imports may add some: under pytest, trio's)
        backend, own_session, parent, warm = lines[0].split()
        assert backend == "module://matplotlib_inline.backend_inline"  # ipykernel's, as in a kernel of its own
        assert own_session == "True" and warm == "True"  # forked with the analysis stack imported
        assert int(parent) in {pid for pid, _ in results}  # the worker is its parent
