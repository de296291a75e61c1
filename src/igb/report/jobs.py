"""One job system for the analysis notebooks and the municipality reports.

A `Job` is a notebook to execute with its parameters, the pages to render from it, its PDF (printed from the
page by the worker's headless Chromium, `igb.report.pdf`) and, for a municipality report, a step after (its
workbook). Every job gives one `Result`, is up to date by one rule (its page exists and
was rendered from inputs with the same digest), and fails one way (the error is collected, what ran is kept as
<name>.failed.ipynb, and the other jobs go on). Jobs run in worker processes that keep one kernel each
(`igb.report.kernels`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from igb.config import Paths, paths as project_paths
from igb.report.html import to_html
from igb.survey.io import atomic_path, write_text


@dataclass(frozen=True)
class Job:
    """One notebook to execute and render. `name`: the notebook's name or the municipality's code."""

    name: str
    source: Path                      # the notebook to execute
    out: Path                         # the folder of its outputs
    parameters: dict = field(hash=False)
    digest: str = ""                  # of every input (`fingerprint`)
    output_name: str = ""             # stem of its executed notebook and pages (default: name)
    code_page: bool = False           # also a page with the code, in with-code/ (for students)
    lang: str = "en"                  # the page's language
    log: bool = False                 # keep the kernel's output in logs/<name>.log
    after: Callable | None = None     # after(job, paths): e.g. the municipality's workbook
    pdf: bool = False                 # also print the page to <stem>.pdf (`igb.report.pdf`)
    banner: str = ""                  # the synthetic-data line printed on every PDF page ('' for a real wave)

    @property
    def stem(self) -> str:
        return self.output_name or self.name

    @property
    def executed(self) -> Path:
        return self.out / "notebooks" / f"{self.stem}.ipynb"

    @property
    def page(self) -> Path:
        return self.out / f"{self.stem}.html"

    @property
    def pdf_path(self) -> Path:
        return self.out / f"{self.stem}.pdf"

    @property
    def stamp(self) -> Path:
        """Where the digest of the page's inputs is kept once it rendered."""
        return self.out / ".inputs" / f"{self.stem}.sha256"

    @property
    def log_path(self) -> Path | None:
        return self.out / "logs" / f"{self.stem}.log" if self.log else None


@dataclass
class Result:
    """What happened to one job."""

    name: str
    ok: bool
    skipped: bool = False
    seconds: float = 0.0
    html: Path | None = None
    log: Path | None = None
    error: str = ""
    stages: dict = field(default_factory=dict)  # seconds per step: execute (kernel), pages (nbconvert), after, pdf;
    #                                             a worker's first job also: kernel start, worker warm-up

    @property
    def municipality(self) -> str:
        """A municipality report's job is named by the municipality's code."""
        return self.name


def fingerprint(parameters: dict, notebook: Path, paths: Paths) -> str:
    """A digest of everything a rendered page depends on: the notebook, the wave's prepared data, the published
    tables, params, package code and the parameters."""
    digest = hashlib.sha256(json.dumps(parameters, sort_keys=True).encode())
    files = [notebook, *sorted(p for p in paths.processed(parameters["wave"]).glob("*") if p.is_file()),
             *sorted((paths.root / "data" / "published").glob("*.csv")),
             *sorted(paths.params.glob("*.yaml")), *sorted(paths.params.glob("waves/*.yaml")),
             *sorted(Path(__file__).resolve().parents[1].rglob("*.py"))]
    for f in files:
        digest.update(f.name.encode())
        digest.update(f.read_bytes())
    return digest.hexdigest()


def up_to_date(job: Job) -> bool:
    """The one rule: the page exists and was rendered from inputs with this job's digest."""
    return (job.page.exists() and job.stamp.exists() and job.stamp.read_text() == job.digest
            and (not job.pdf or job.pdf_path.exists()))


def split(jobs: list[Job], *, force: bool = False) -> tuple[list[Job], list[Result]]:
    """(jobs to run, longest first as they last ran, and never run before the larger notebook first; results of the
    jobs that are up to date). A notebook's size is the guess of its work when nothing is known (a fresh clone):
    06 and 08, the two longest, then start together, and 08 draws the reconstructions 06 reads at its end."""
    todo = [j for j in jobs if force or not up_to_date(j)]
    done = [Result(j.name, True, True, 0.0, j.page, j.log_path) for j in jobs if j not in todo]
    size = {source: source.stat().st_size for source in {j.source for j in todo}}
    return sorted(todo, key=lambda j: (-last_seconds(j.executed), -size[j.source])), done


def last_seconds(executed: Path) -> float:
    """How long an executed notebook took last time (0 if unknown)."""
    try:
        return float(json.loads(executed.read_text())["metadata"]["papermill"]["duration"] or 0)
    except (OSError, ValueError, KeyError, TypeError):
        return 0.0


def run(jobs: list[Job], workers: int, *, root: Path, on_done: Callable | None = None, pool=None) -> list[Result]:
    """Run jobs in `workers` processes (each keeping its kernel), or on a `kernels.Pool` started earlier; results in
    job order."""
    from igb.report import kernels

    return kernels.run_jobs([(run_one, (job, root)) for job in jobs], workers, on_done=on_done, root=root, pool=pool)


def run_one(job: Job, root: Path) -> Result:
    """Execute one job here (a worker, or this process), render its pages, run its step after, record its digest.
    A failure is returned as a Result, never raised: it must not stop the other jobs."""
    from igb.report import kernels

    paths = project_paths(root)
    started = time.perf_counter()
    stages: dict[str, float] = kernels.take_warmed()  # the first job of a worker also says what its warm-up took

    def step(name: str, since: float) -> float:
        now = time.perf_counter()
        stages[name] = stages.get(name, 0.0) + now - since
        return now

    with _logged(job) as log:
        try:
            with project_env(paths.root):  # a step after (the workbook) reads this project
                execute_to(job.executed, job.out / "notebooks" / f"{job.stem}.failed.ipynb",
                           lambda tmp: kernels.execute(job.source, tmp, job.parameters, root=paths.root, log_output=job.log))
                mark = step("execute", started)
                wave = str(job.parameters.get("wave", ""))
                links = dict(lang=job.lang, wave=wave, home=paths.reports(wave) / "index.html" if wave else None)
                page = to_html(job.executed, job.page, code=False, pdf=job.pdf_path if job.pdf else None, **links)
                if job.code_page:
                    to_html(job.executed, job.out / "with-code" / f"{job.stem}.html", code=True, **links)
                mark = step("pages", mark)
                if job.after is not None:
                    job.after(job, paths)
                    mark = step("after", mark)
                if job.pdf:  # printed from the page just written, by this worker's Chromium
                    from igb.report import pdf

                    pdf.print_pdf(page, job.pdf_path, banner=job.banner, lang=job.lang)
                    mark = step("pdf", mark)
            if job.digest:
                write_text(job.digest, job.stamp)
            return Result(job.name, True, False, time.perf_counter() - started, page, job.log_path, stages=stages)
        except Exception as exc:  # the one failure path
            message = f"{exc.ename}: {exc.evalue}" if hasattr(exc, "ename") else f"{type(exc).__name__}: {exc}"
            if log is not None:
                log.error("%s failed: %s", job.name, message)
            return Result(job.name, False, False, time.perf_counter() - started, None, job.log_path,
                          message.strip().splitlines()[0] if message.strip() else type(exc).__name__, stages)


@contextmanager
def _logged(job: Job):
    """papermill's log of this job in logs/<name>.log (when the job keeps one)."""
    if not job.log:
        yield None
        return
    job.log_path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(job.log_path, mode="w", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger = logging.getLogger("papermill")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield logger
    finally:
        logger.removeHandler(handler)
        handler.close()


def execute_to(executed: Path, failed: Path, run) -> Path:
    """`run(tmp)` writes an executed notebook to a uniquely named temporary file, moved onto `executed` when it
    succeeds; when it fails, what ran is kept as `failed` (its traceback helps) and the error raised again.
    Two runs never share a temporary file, and a reader never sees half a notebook."""
    def write(tmp: Path) -> None:
        try:
            run(tmp)
        except BaseException:
            if tmp.exists() and tmp.stat().st_size:
                atomic_path(failed, lambda copy: shutil.copyfile(tmp, copy))
            raise

    atomic_path(executed, write)
    failed.unlink(missing_ok=True)  # an earlier failure no longer holds
    return executed


@contextmanager
def project_env(root: Path):
    """IGB_ROOT set to `root` for code in this process that finds the project by itself, restored afterwards."""
    before = os.environ.get("IGB_ROOT")
    os.environ["IGB_ROOT"] = str(root)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("IGB_ROOT", None)
        else:
            os.environ["IGB_ROOT"] = before


def progress_bar(total: int, desc: str, show: bool = True, unit: str = "notebook"):
    """A tqdm bar over `total` jobs (silent when there is nothing to do or `show` is false)."""
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit=unit, disable=not show or not total)
