"""Prepare and run a wave: validation, processed data, the analysis notebooks and the municipality reports.

The commands `igb prepare`, `igb run` and `igb compare` are thin layers over these functions; notebooks and
reports run in one pool of worker processes (`igb.report.jobs`), each keeping one kernel, the long notebooks first
and the short reports filling in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from concurrent.futures import ThreadPoolExecutor

from igb.analysis.maturity import DOCUMENTS_FILE, EVIDENCE_FILE, STAGES_FILE, assess, documents_frame_for_file, hidden_cells, load_model, read_documents
from igb.analysis.tables import report_tables, suppress_tables
from igb.config import Paths, paths as project_paths
from igb.errors import ValidationFailed
from igb.survey.codebook import Codebook
from igb.survey.io import write_csv, write_parquet
from igb.survey.wave import load_spec, raw_file
from igb.report import batch, landing, render
from igb.report.jobs import Result, progress_bar, split
from igb.report.stages import for_files
from igb.report.jobs import run as run_jobs
from igb.report.kernels import Pool


def prepare(wave: str, *, paths: Paths | None = None, out: str | Path | None = None, min_cell: int | None = None):
    """Validate the wave's raw file and write its respondents.parquet (atomically).

    Also writes tables.parquet (every report table, suppressed by the privacy rule: `min_cell` if given, else the
    wave's, else the default; the value is kept in the file's metadata), maturity.csv (stage per municipality,
    params/maturity.yaml, none below min_cell; with the document evidence of data/raw/<wave>/documents.csv if the
    wave has one, validated like the respondent file and copied to documents.csv) with maturity_evidence.csv, and
    validation.csv; for the reconstructed wave also the audit of the published tables (errata.csv, audit_cells.csv,
    as `igb audit` writes them). Only respondents.parquet holds respondent rows: it is the researcher's own data, as the raw
    file is. Returns (path written, validation report). On any validation error nothing is written and
    ValidationFailed carries the report. The raw file is only read.
    """
    from igb.survey.recode import load_recode, recode  # here, not at the top: the schema library costs ≈0.3 s
    from igb.survey.schema import validate_file        # to import, and planning reports needs neither

    paths = paths or project_paths()
    spec = load_spec(wave, paths=paths)
    min_cell = spec.min_cell_for(min_cell)
    source = raw_file(wave, spec, paths=paths)
    codebook = Codebook.load(paths.codebook)
    report, canonical = validate_file(source, codebook=codebook, spec=spec)
    if canonical is None:
        raise ValidationFailed(report)
    frame = recode(canonical, wave=wave, codebook=codebook, recode=load_recode(paths.recode))
    # maturity: the optional document evidence (data/raw/<wave>/documents.csv), validated before anything is written
    model = load_model(paths.params / "maturity.yaml")
    documents, documents_file = None, paths.raw(wave) / DOCUMENTS_FILE
    if documents_file.exists():
        documents_report, documents = read_documents(documents_file, model=model,
                                                     municipalities=frame["municipality"].astype(str).unique())
        if documents is None:
            raise ValidationFailed(documents_report)
        report = type(report)(report.file, [*report.problems, *documents_report.problems], report.n_rows)
    target = Path(out) if out else paths.processed(wave) / "respondents.parquet"
    with ThreadPoolExecutor(1) as writer:  # arrow writes without the GIL: the tables are computed meanwhile
        written = writer.submit(write_parquet, frame, target)
        tables = suppress_tables(report_tables(frame, codebook=codebook, sent=spec.sent or None), min_cell)
        tables.attrs["min_cell"] = min_cell
        stages, evidence = assess(frame, model, min_cell=min_cell, hidden=hidden_cells(tables), documents=documents)
        written.result()
    write_parquet(tables, target.parent / "tables.parquet")
    write_csv(report.to_frame(), target.parent / "validation.csv")
    stages_file, evidence_file = for_files(stages, evidence, model, min_cell)
    write_csv(stages_file, target.parent / STAGES_FILE)
    write_csv(evidence_file, target.parent / EVIDENCE_FILE)
    if documents is not None:  # the validated copy every notebook and report reads (WaveContext.stages)
        write_csv(documents_frame_for_file(documents), target.parent / DOCUMENTS_FILE)
    else:
        (target.parent / DOCUMENTS_FILE).unlink(missing_ok=True)  # evidence removed from the wave: none is used
    if spec.synthetic_kind == "reconstructed" and paths.published.is_dir():  # made from the report's tables:
        # their audit is part of the wave (a test's copy of the wave may come without them)
        from igb.rivm2009 import audit, published

        audit.write(target.parent, published.load(paths=paths))
    return target, report


@dataclass
class Run:
    """What one `run` did: the validation report (if it prepared), every notebook and report result."""

    wave: str
    validation: object | None = None  # igb.survey.schema.ValidationReport
    prepared: Path | None = None
    notebooks: list[Result] = field(default_factory=list)
    reports: list[Result] | None = None  # None: reports were not asked for

    @property
    def failed(self) -> list[str]:
        return ([r.name for r in self.notebooks if not r.ok]
                + [f"municipality {r.name}" for r in self.reports or [] if not r.ok])


def run(wave: str, *, notebooks=None, reports: bool = True, lang: str = "nl", min_cell: int | None = None,
        workers: int = 2, force: bool = False, prepare_first: bool = True, progress: bool = True,
        paths: Paths | None = None) -> Run:
    """Prepare the wave (unless `prepare_first` is false), then render its analysis notebooks (or `notebooks`) and,
    unless only some notebooks are asked for or `reports` is false, every municipality report and the index.
    Raises ValidationFailed when validation finds an error (nothing is written then)."""
    paths = paths or project_paths()
    outcome = Run(wave)
    # the workers start first and warm up (kernel, analysis stack, papermill, nbconvert: ≈2 s of a core each) while
    # this process prepares the wave: both cores busy from the start. Validation failing stops them.
    with Pool(workers if prepare_first else 0, paths.root) as pool:
        if prepare_first:
            outcome.prepared, outcome.validation = prepare(wave, paths=paths, min_cell=min_cell)
        with_reports = reports and not notebooks
        options = dict(lang=lang, min_cell=min_cell, force=force, paths=paths)
        todo_notebooks, done_notebooks = render.pending(wave, names=notebooks, **options)
        todo_reports, done_reports = batch.pending(wave, **options) if with_reports else ([], [])
        with progress_bar(len(todo_notebooks) + len(todo_reports), f"notebooks and reports {wave}", progress) as bar:
            results = run_jobs(todo_notebooks + todo_reports, workers, root=paths.root, on_done=bar.update, pool=pool)
    outcome.notebooks = done_notebooks + results[:len(todo_notebooks)]
    if with_reports:
        outcome.reports = batch.finish(wave, done_reports + results[len(todo_notebooks):], lang=lang,
                                       min_cell=min_cell, paths=paths)
    landing.write(wave, lang=lang, min_cell=min_cell, paths=paths)  # reports/<wave>/index.html links them all
    return outcome


def compare(wave: str, baseline: str, *, lang: str = "nl", min_cell: int | None = None, prepare_first: bool = True,
            paths: Paths | None = None) -> Result:
    """Prepare both waves (unless `prepare_first` is false) and render reports/<wave>/compare_with_<baseline>.html,
    with the stricter of the two waves' minimum cell sizes unless `min_cell` is given."""
    from igb.report.context import comparison_min_cell

    paths = paths or project_paths()
    cell = comparison_min_cell(wave, baseline, min_cell, paths=paths)
    if prepare_first:
        for w in dict.fromkeys((baseline, wave)):
            prepare(w, paths=paths)
    result = render.render(render.COMPARISON, wave, lang=lang, min_cell=cell, paths=paths,
                           extra={"baseline": baseline}, output_name=f"compare_with_{baseline}")
    landing.write(wave, lang=lang, paths=paths)  # the landing page lists the comparison too
    return result


def pending_count(wave: str, *, lang: str = "nl", min_cell: int | None = None, paths: Paths | None = None) -> int:
    """How many notebooks and reports of a wave would render now (0: everything is up to date)."""
    jobs = render.notebook_jobs(wave, lang=lang, min_cell=min_cell, paths=paths)
    jobs += batch.report_jobs(wave, lang=lang, min_cell=min_cell, paths=paths)
    return len(split(jobs)[0])
