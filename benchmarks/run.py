"""`make bench`: the project's speed and memory, with ratios measured in the same run; writes benchmarks/RESULTS.md.

Sections (issue 9, and issue 10's comparison with GNU PSPP): the full replication from a ready environment and the same command with nothing changed;
the municipality reports in parallel against one by one; all tables and maturity stages on synthetic waves of
10,000, 100,000 and 1,000,000 officers against (a) one vectorised groupby per unit type over all items (the
practical limit) and (b) a per-item crosstab loop (a first script); one reconstruction and an ensemble of 100; PSPP's CROSSTABS on a
1,000,000-officer .sav against igb's path from the same file and from its processed data.
Issue 20 adds: where the time of the replication goes, per notebook and step (`profile`); the 16 municipality
reports as plain papermill + nbconvert render them, a fresh kernel per report, one by one and with two processes,
against `igb reports` on the same template and parameters (`peer`); the set-up of a fresh clone with cold caches,
uv against pip, and `make all` with it (`setup`); a national wave, 342 SYNTHETIC municipalities, a sample of its
reports in two languages, with the projection to all 342 in both (`scale342`).
Each figure is the median of `REPEATS[section]` runs. Not part of the test suite: no timing is asserted in CI.
Run it in a fresh clone (it removes and remakes reports/rivm2009 and data/processed/rivm2009 of its own tree).
"""

from __future__ import annotations

import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
REPEATS = {"replication": 3, "nochange": 3, "batch": 2, "scale": 3, "reconstruct": 5, "ensemble": 1, "peer": 3,
           "peer_plain": 1, "setup": 1, "scale342": 1}
SIZES = (10_000, 100_000, 1_000_000)
MUNICIPALITIES = 342  # the load waves keep the country's municipalities and grow the officers per municipality
UNIT_TYPES = ("all", "municipality", "sector", "sector_group", "domain")
TARGETS = {
    "replication": 20.0, "nochange": 1.0, "batch_speedup": 1.7, "scale_seconds": 3.0, "scale_gb": 2.0,
    "scale_vs_limit": 1.5, "loop_vs_ours": 10.0, "reconstruct": 5.0, "ensemble": 120.0,
    "peer_vs_plain": 4.0, "peer_vs_plain2": 2.0, "fresh_make_all": 60.0,
}
EXTRA: dict[str, list[str]] = {}  # markdown a section adds below its table (a breakdown, a projection)


def median_seconds(func, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def peak_gb(func) -> float:
    """Peak memory allocated while running `func` (tracemalloc follows numpy and pandas buffers)."""
    tracemalloc.start()
    func()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1e9


def sh(command: str, cwd: Path = ROOT, env: dict | None = None) -> None:
    subprocess.run(command, shell=True, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env=env)


def timed(command: str, cwd: Path = ROOT, env: dict | None = None) -> float:
    started = time.perf_counter()
    sh(command, cwd, env)
    return time.perf_counter() - started


def replication() -> list[tuple]:
    """`make all` for rivm2009 from a ready environment, then again with nothing changed."""
    def clean_and_make():
        shutil.rmtree(ROOT / "data" / "processed" / "rivm2009", ignore_errors=True)
        shutil.rmtree(ROOT / "reports" / "rivm2009", ignore_errors=True)
        sh("make all")

    full = median_seconds(clean_and_make, REPEATS["replication"])
    again = median_seconds(lambda: sh("make all"), REPEATS["nochange"])
    return [("full replication (`make all`, rivm2009, from a ready .venv)", full, f"≤ {TARGETS['replication']:.0f} s",
             full <= TARGETS["replication"]),
            ("`make all` again, nothing changed", again, f"≤ {TARGETS['nochange']:.0f} s", again <= TARGETS["nochange"])]


def batch() -> list[tuple]:
    """The 16 municipality reports with 2 processes against 1 (runs alternate, so both meet the same machine), and
    what bounds the ratio: the one-process start-up, from a second one-by-one run of half the reports, and this
    machine's own speed-up for two CPU-bound Python processes. (A national wave: section `scale342`.)"""
    igb = ROOT / ".venv" / "bin" / "igb"

    def seconds(wave: str, jobs: int, env: str = "", only=()) -> float:
        chosen = "".join(f" --municipality {m}" for m in only)
        started = time.perf_counter()
        sh(f"{env}{igb} reports --wave {wave} --force --no-xlsx --jobs {jobs}{chosen}")
        return time.perf_counter() - started

    codes = sorted(pd.read_parquet(ROOT / "data" / "processed" / "rivm2009" / "respondents.parquet",
                                   columns=["municipality"])["municipality"].astype(str).unique(), key=int)
    half = codes[::2]  # every other municipality: small and large ones alike
    runs = [(seconds("rivm2009", 2), seconds("rivm2009", 1), seconds("rivm2009", 1, only=half))
            for _ in range(REPEATS["batch"])]
    parallel, serial, serial_half = (statistics.median(r[i] for r in runs) for i in range(3))
    per_report = (serial - serial_half) / (len(codes) - len(half))
    start_up = serial - len(codes) * per_report
    bound = serial / (start_up + len(codes) * per_report / 2)
    machine_pair = statistics.median(two_processes_speedup() for _ in range(REPEATS["batch"]))
    speedup = serial / parallel
    return [("municipality reports, 2 processes", parallel, "", True),
            ("municipality reports, one by one", serial, "", True),
            ("speed-up (one by one / parallel)", speedup, f"≥ {TARGETS['batch_speedup']}x", speedup >= TARGETS["batch_speedup"]),
            (f"half of them ({len(half)}), one by one", serial_half, "", True),
            ("derived: one report, one by one", per_report, "", True),
            ("derived: start-up and wrap-up of a batch (CLI, kernel, imports, index)", start_up, "", True),
            ("derived: best speed-up if 2 processes started up as fast as 1 and split the reports evenly",
             bound, "", True),
            ("this machine: 2 CPU-bound Python processes, speed-up over one by one", machine_pair, "", True)]


def profile() -> list[tuple]:
    """Where the replication's time goes (issue 20): every notebook and report of rivm2009 rendered again (`igb run
    --force`, 2 processes, as `make all` runs it), each job's steps as `jobs.run_one` times them: kernel execution
    (papermill; a kernel's first notebook also waits for its imports), pages (nbconvert and `html.accessible`), the
    workbook, the PDF (Chromium); each worker's warm-up (kernel start; papermill, nbconvert and its template); and
    the imports a kernel makes once, timed alone. Seconds of wall time in each worker: two run side by side."""
    from igb.pipeline import run

    imports = min(_seconds_of([str(ROOT / ".venv" / "bin" / "python"), "-c", "import igb.report.kernels as k; "
                               "exec(k.WARM_UP)"]) for _ in range(3))
    started = time.perf_counter()
    outcome = run("rivm2009", force=True, prepare_first=False, progress=False, workers=2)
    wall = time.perf_counter() - started
    jobs = outcome.notebooks + (outcome.reports or [])
    steps = ("kernel start", "worker warm-up", "execute", "pages", "after", "pdf")
    total = {k: sum(r.stages.get(k, 0.0) for r in jobs) for k in steps}
    lines = ["| job | " + " | ".join(steps) + " | job total |", "|---|" + "---:|" * (len(steps) + 1)]
    for r in outcome.notebooks:
        lines.append(f"| {r.name} | " + " | ".join(f"{r.stages.get(k, 0):.2f}" for k in steps) + f" | {r.seconds:.2f} |")
    reports = outcome.reports or []
    if reports:
        mean = {k: statistics.mean(r.stages.get(k, 0.0) for r in reports) for k in steps}
        lines.append(f"| a municipality report (mean of {len(reports)}) | " + " | ".join(f"{mean[k]:.2f}" for k in steps)
                     + f" | {statistics.mean(r.seconds for r in reports):.2f} |")
    lines.append("| **all jobs, summed over both workers** | " + " | ".join(f"{total[k]:.2f}" for k in steps)
                 + f" | {sum(r.seconds for r in jobs):.2f} |")
    EXTRA["profile"] = ["Per job (seconds; `after` is a report's workbook; a worker's first job carries its warm-up):",
                        "", *lines, ""]
    return [("`igb run --force --no-prepare --jobs 2` (7 notebooks, 16 reports, their pages and PDFs)", wall, "", True),
            ("kernel execution, all jobs (papermill: the notebooks' own work, figures included)", total["execute"], "", True),
            ("pages, all jobs (nbconvert, alt texts, captions)", total["pages"], "", True),
            ("workbooks of the 16 reports", total["after"], "", True),
            ("PDFs, all jobs (Chromium, one per worker)", total["pdf"], "", True),
            ("warm-up of the 2 workers (kernel start; papermill, nbconvert)", total["kernel start"] + total["worker warm-up"],
             "", True),
            ("a kernel's imports alone (`igb.report.kernels.WARM_UP` in a fresh Python)", imports, "", True)]


def _seconds_of(command: list[str], cwd: Path = ROOT, env: dict | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def peer() -> list[tuple]:
    """Issue 20: the 16 municipality reports of rivm2009 as plain papermill + nbconvert render them
    (`benchmarks/plain_loop.py`: a fresh kernel per report, papermill's default, then `jupyter nbconvert --to html
    --no-input`), one by one and in two processes, against `igb reports --jobs 2`, in the same run: the same template
    and the same parameters (`batch.plan`; only output_dir points elsewhere), the same pages. The plain loop makes no
    PDF and no workbook, so the ratios compare `igb reports --no-xlsx` with IGB_PDF=0; the full `igb reports`
    (PDF and workbook too) is shown beside them."""
    import json
    import tempfile

    from igb.report import batch

    python, igb = ROOT / ".venv" / "bin" / "python", ROOT / ".venv" / "bin" / "igb"
    work = Path(tempfile.mkdtemp(prefix="igb-peer-"))
    plan = [{**p, "output_dir": str(work)} for p in batch.plan("rivm2009")]
    (work / "plan.json").write_text(json.dumps(plan))
    env = {**os.environ, "IGB_PDF": "0"}
    ours = lambda: timed(f"{igb} reports --wave rivm2009 --force --no-xlsx --jobs 2", env=env)  # noqa: E731
    plain = lambda n: _seconds_of([str(python), str(ROOT / "benchmarks" / "plain_loop.py"),  # noqa: E731
                                   str(work / "plan.json"), str(work), "--processes", str(n)])
    igb_times, plain1, plain2 = [ours()], [], []
    for _ in range(REPEATS["peer_plain"]):  # alternating, so that both meet the same machine
        plain1.append(plain(1))
        igb_times.append(ours())
        plain2.append(plain(2))
        igb_times.append(ours())
    while len(igb_times) < REPEATS["peer"]:
        igb_times.append(ours())
    full = timed(f"{igb} reports --wave rivm2009 --force --jobs 2")
    shutil.rmtree(work, ignore_errors=True)
    t_igb, t1, t2 = statistics.median(igb_times), statistics.median(plain1), statistics.median(plain2)
    n = len(plan)
    return [(f"plain papermill + nbconvert, {n} reports one by one (fresh kernel each)", t1, "", True),
            (f"plain papermill + nbconvert, {n} reports in 2 processes", t2, "", True),
            (f"`igb reports --jobs 2`, the same {n} pages (HTML only: --no-xlsx, IGB_PDF=0)", t_igb, "", True),
            ("plain one by one / igb", t1 / t_igb, f"≥ {TARGETS['peer_vs_plain']:.0f}x", t1 / t_igb >= TARGETS["peer_vs_plain"]),
            ("plain in 2 processes / igb", t2 / t_igb, f"≥ {TARGETS['peer_vs_plain2']:.0f}x",
             t2 / t_igb >= TARGETS["peer_vs_plain2"]),
            ("per report: plain one by one", t1 / n, "", True),
            ("per report: igb (2 processes, HTML only)", t_igb / n, "", True),
            (f"`igb reports --jobs 2` in full: HTML, PDF and workbook of the {n}", full, "", True)]


def _fresh_copy(prefix: str) -> Path:
    """A fresh clone of this tree as it is (committed files, with the working tree's changes to them)."""
    import tempfile

    where = Path(tempfile.mkdtemp(prefix=prefix)) / "igb"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(where)], check=True)
    changed = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-m"], check=True, capture_output=True,
                             text=True).stdout.split()
    for name in changed:
        if (ROOT / name).is_file():
            shutil.copy2(ROOT / name, where / name)
    return where


def setup() -> list[tuple]:
    """Issue 20: a fresh clone with empty caches (PIP_NO_CACHE_DIR=1, UV_NO_CACHE=1): `make all`, set-up included,
    then the set-up alone with uv (the default) and with pip (INSTALLER=pip), each in a clone of its own. Every
    wheel is downloaded each time: these depend on the network as much as on this machine. Both set-ups end by
    compiling what a run imports (`kernels.compile_ahead`)."""
    env = {**os.environ, "PIP_NO_CACHE_DIR": "1", "UV_NO_CACHE": "1"}
    for name in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "VIRTUAL_ENV"):  # `make bench` must not pass its own make on
        env.pop(name, None)
    rows = []
    copy = _fresh_copy("igb-setup-")
    make_all = timed("make all", cwd=copy, env=env)
    shutil.rmtree(copy.parent, ignore_errors=True)
    times = {}
    for installer in ("uv", "pip"):
        copy = _fresh_copy(f"igb-setup-{installer}-")
        times[installer] = timed(f"make setup INSTALLER={installer}", cwd=copy, env=env)
        shutil.rmtree(copy.parent, ignore_errors=True)
    rows += [("`make all` on a fresh clone, empty caches, set-up (uv) included", make_all,
              f"≤ {TARGETS['fresh_make_all']:.0f} s", make_all <= TARGETS["fresh_make_all"]),
             ("`make setup` on a fresh clone, empty caches: uv", times["uv"], "", True),
             ("`make setup` on a fresh clone, empty caches: pip (INSTALLER=pip)", times["pip"], "", True),
             ("pip / uv", times["pip"] / times["uv"], "", True)]
    return rows


def scale342() -> list[tuple]:
    """Beyond the sixteen (issue 20): a SYNTHETIC national wave of 342 municipalities (`igb synth`, seed 342), and
    samples of its reports in full (HTML, PDF, workbook; `igb reports --jobs 2`): 16 and 48 municipalities in Dutch,
    16 in English. From the two Dutch samples, the cost of one more report (the difference over the 32 more) and
    what a batch costs whatever its size (start-up, the index of all 342); from them, all 342 in two languages."""
    import tempfile

    from igb import synth
    from igb.config import paths as make_paths
    from igb.pipeline import prepare

    igb = ROOT / ".venv" / "bin" / "igb"
    work = Path(tempfile.mkdtemp(prefix="igb-bench-342-"))
    for folder in ("params", "notebooks"):
        shutil.copytree(ROOT / folder, work / folder)
    paths = make_paths(work)
    synth.write_wave(synth.generate(MUNICIPALITIES, seed=342, paths=paths), "nl342", fmt="csv", paths=paths)
    started = time.perf_counter()
    prepare("nl342", paths=paths)
    t_prepare = time.perf_counter() - started
    codes = sorted(pd.read_parquet(paths.processed("nl342") / "respondents.parquet", columns=["municipality"])
                   ["municipality"].astype(str).unique())
    small, large = codes[:: len(codes) // 16][:16], codes[:: len(codes) // 48][:48]
    env = {**os.environ, "IGB_ROOT": str(work)}

    def reports(only, lang="nl") -> float:
        chosen = "".join(f" --municipality {m}" for m in only)
        return timed(f"{igb} reports --wave nl342 --force --jobs 2 --lang {lang}{chosen}", env=env)

    t16, t48, t16_en = reports(small), reports(large), reports(small, "en")
    shutil.rmtree(work, ignore_errors=True)
    per_report = (t48 - t16) / (len(large) - len(small))
    fixed = max(t16 - len(small) * per_report, 0.0)
    per_report_en = max(t16_en - fixed, 0.0) / len(small)
    n = len(codes)
    projected = 2 * fixed + n * (per_report + per_report_en)
    per_core = per_report * 2  # two processes side by side: one report takes a core this long
    EXTRA["scale342"] = where_next(n, fixed, per_report, per_report_en, per_core, projected)
    return [(f"prepare the SYNTHETIC wave of {n} municipalities", t_prepare, "", True),
            (f"{len(small)} reports in full, Dutch (2 processes)", t16, "", True),
            (f"{len(large)} reports in full, Dutch (2 processes)", t48, "", True),
            (f"{len(small)} reports in full, English (2 processes)", t16_en, "", True),
            ("derived: one more report, Dutch (2 processes side by side)", per_report, "", True),
            ("derived: one more report, English", per_report_en, "", True),
            ("derived: a batch's fixed cost (start-up, index of all 342, landing page)", fixed, "", True),
            (f"projected: all {n} municipalities in two languages on this machine (s)", projected, "", True),
            (f"projected: the same in minutes", projected / 60, "", True)]


def where_next(n: int, fixed: float, per_report: float, per_report_en: float, per_core: float,
               projected: float) -> list[str]:
    """The paragraph on paper: the national batch here, and where it goes next, from the measured costs."""
    reports = 2 * n
    def on(cores: int) -> float:  # the same workers, `cores` of them, each keeping its kernel and browser
        return 2 * fixed + reports * per_core / cores
    return [
        f"**All {n} municipalities in two languages ({reports} reports with their PDFs and workbooks), on paper.** "
        f"On this machine (2 cores) the measured costs give {projected / 60:.1f} minutes: {2 * fixed:.0f} s of "
        f"fixed cost for the two batches (workers start their kernel and browser, the index lists all {n}) and "
        f"{per_report:.2f} s (Dutch) or {per_report_en:.2f} s (English) per report with two processes side by side, "
        f"that is {per_core:.1f} s of one core per report.",
        "",
        "**Where the batch goes next.** Reports are independent of each other: each is one `igb.report.jobs.Job`, "
        "run by `jobs.run_one` in a worker that keeps one kernel and one Chromium. More cores on one machine are "
        "`--jobs N`. Beyond one machine, Dask distributed can drive the same workers: a `WorkerPlugin` whose "
        "`setup` is `kernels.warm_up(root)` (a kernel per worker process, warmed up once; its Chromium starts with "
        "its first PDF), `client.map(run_one, jobs)` "
        "over the job list `batch.pending` makes, the prepared wave (`data/processed/<wave>/`, a few MB) on a shared "
        "file system or copied once to each node, and `batch.finish` (index, landing page) on the client when the "
        "results are in; a scheduler's array job (SLURM) over municipality slices is the same idea without Dask. "
        f"With the per-core cost measured here, {reports} reports take ≈ {on(8) / 60:.1f} min on 8 cores, "
        f"≈ {on(32) / 60:.1f} min on 32 and ≈ {on(128):.0f} s on 128 (fixed cost included, data transfer and "
        "scheduling not), until the serial part (planning, the index, the landing page) and the shared file system "
        "bound it. Memory is no limit: a worker holds a kernel and a browser, a few hundred MB.",
        "",
    ]


def two_processes_speedup() -> float:
    """Two copies of a pure-Python loop, one after the other against side by side: what two cores give here."""
    loop = [sys.executable, "-c", "x = 0\nfor i in range(25_000_000): x += i * i % 7"]
    started = time.perf_counter()
    for _ in range(2):
        subprocess.run(loop, check=True)
    one_by_one = time.perf_counter() - started
    started = time.perf_counter()
    for p in [subprocess.Popen(loop) for _ in range(2)]:
        p.wait()
    return one_by_one / (time.perf_counter() - started)


def scale() -> list[tuple]:
    """All tables and stages on big synthetic waves, against the vectorised limit and a crosstab loop."""
    from igb import synth
    from igb.analysis.maturity import assess
    from igb.analysis.tables import report_tables
    from igb.survey.codebook import Codebook
    from igb.survey.recode import recode

    book = Codebook.load()
    rows = []
    for size in SIZES:
        frame = recode(synth.generate(MUNICIPALITIES, seed=size, officers_per_municipality=size // MUNICIPALITIES),
                       wave="load", codebook=book)
        items = [i for i in book.item_ids if i in frame]

        def ours():
            report_tables(frame, codebook=book)
            assess(frame)

        def limit():  # one vectorised groupby per unit type over all items at once: yes counts and n
            answers = frame[items]
            yes, answered = answers.eq("yes"), answers.notna()
            for unit in UNIT_TYPES:
                key = np.zeros(len(frame), dtype=np.int8) if unit == "all" else frame[unit]
                yes.groupby(key, observed=True).sum()
                answered.groupby(key, observed=True).sum()

        def loop():  # a first script: one crosstab per unit type and item
            for unit in UNIT_TYPES:
                key = pd.Series("all", index=frame.index) if unit == "all" else frame[unit]
                for item in items:
                    pd.crosstab(key, frame[item])

        t_ours, t_limit = median_seconds(ours, REPEATS["scale"]), median_seconds(limit, REPEATS["scale"])
        t_loop = median_seconds(loop, 1) if size <= 100_000 or REPEATS["scale"] else 0.0
        memory = peak_gb(ours)
        label = f"{size:,} officers"
        rows += [(f"{label}: tables + stages", t_ours, f"≤ {TARGETS['scale_seconds']:.0f} s" if size == SIZES[-1] else "",
                  t_ours <= TARGETS["scale_seconds"] or size != SIZES[-1]),
                 (f"{label}: peak memory allocated during the run (GB, tracemalloc)", memory, f"≤ {TARGETS['scale_gb']:.0f} GB" if size == SIZES[-1] else "",
                  memory <= TARGETS["scale_gb"] or size != SIZES[-1]),
                 (f"{label}: vectorised limit (a)", t_limit, "", True),
                 (f"{label}: per-item crosstab loop (b)", t_loop, "", True),
                 (f"{label}: ours / limit", t_ours / t_limit, f"≤ {TARGETS['scale_vs_limit']}x" if size == SIZES[-1] else "",
                  t_ours / t_limit <= TARGETS["scale_vs_limit"] or size != SIZES[-1]),
                 (f"{label}: loop / ours", t_loop / t_ours, f"≥ {TARGETS['loop_vs_ours']:.0f}x" if size == SIZES[-1] else "",
                  t_loop / t_ours >= TARGETS["loop_vs_ours"] or size != SIZES[-1])]
    return rows


def reconstruction() -> list[tuple]:
    from igb.rivm2009 import reconstruct as rc

    rc.reconstruct(seed=1)  # warm imports
    one = median_seconds(lambda: rc.reconstruct(seed=2), REPEATS["reconstruct"])
    many = median_seconds(lambda: rc.ensemble(100, jobs=2), REPEATS["ensemble"])
    return [("one reconstruction", one, f"≤ {TARGETS['reconstruct']:.0f} s", one <= TARGETS["reconstruct"]),
            ("ensemble of 100 (2 processes)", many, f"≤ {TARGETS['ensemble']:.0f} s", many <= TARGETS["ensemble"])]


def spss() -> list[tuple]:
    """Issue 10: PSPP's CROSSTABS by municipality and by sector over all items on a 1,000,000-officer .sav,
    against igb's path from the same file (prepare: read, validate, recode, all tables) and from its processed data."""
    import tempfile

    from igb import pspp, synth
    from igb.analysis.tables import CountCube
    from igb.config import paths as make_paths
    from igb.survey.codebook import Codebook
    from igb.pipeline import prepare

    if not pspp.available():
        return [("GNU PSPP not installed: section skipped", 0.0, "", True)]
    work = Path(tempfile.mkdtemp(prefix="igb-bench-"))
    shutil.copytree(ROOT / "params", work / "params")
    paths = make_paths(work)
    book = Codebook.load(paths.codebook)
    frame = synth.generate(MUNICIPALITIES, seed=10, officers_per_municipality=SIZES[-1] // MUNICIPALITIES, paths=paths)
    synth.write_wave(frame, "big", fmt="sav", paths=paths)
    sav = paths.raw("big") / "responses.sav"
    syntax = work / "crosstabs.sps"
    syntax.write_text(f"GET FILE='{sav}'.\nSET TVARS=NAMES TNUMBERS=VALUES.\n" + "".join(
        f"CROSSTABS /TABLES={by} BY {' '.join(book.item_ids)} /CELLS=COUNT.\n" for by in ("municipality", "sector")))
    t_pspp = median_seconds(lambda: pspp.run(syntax, work / "out.csv"), 1)
    t_sav = median_seconds(lambda: prepare("big", paths=paths), 1)  # read + validate + recode + all tables + stages

    def from_processed():
        respondents = pd.read_parquet(paths.processed("big") / "respondents.parquet")
        cube = CountCube(respondents, book.item_ids)
        for by in ("municipality", "sector"):
            cube.table(book.item_ids, by=by, categories=["yes", "no", "dont_know"])

    t_processed = median_seconds(from_processed, 3)
    shutil.rmtree(work, ignore_errors=True)
    return [("PSPP CROSSTABS by municipality and sector, all items (1,000,000 officers)", t_pspp, "", True),
            ("igb from the .sav (prepare: read, validate, recode, all tables, stages)", t_sav, "", True),
            ("igb from processed data (read parquet, crosstabs by municipality and sector)", t_processed, "", True),
            ("PSPP / igb from the .sav", t_pspp / t_sav, "≥ 2x", t_pspp / t_sav >= 2),
            ("PSPP / igb from processed data", t_pspp / t_processed, "≥ 8x", t_pspp / t_processed >= 8)]


def machine() -> str:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{platform.machine()}, {os.cpu_count()} cores, {memory:.0f} GiB, Python {platform.python_version()}, "
            f"numpy {np.__version__}, pandas {pd.__version__}")


def main(argv: list[str]) -> int:
    sections = {"replication": replication, "profile": profile, "peer": peer, "batch": batch, "scale342": scale342,
                "scale": scale, "reconstruct": reconstruction, "spss": spss, "setup": setup}
    chosen = [a for a in argv if a in sections] or list(sections)
    started = time.strftime("%Y-%m-%d %H:%M")
    results = {}
    for name in chosen:
        print(f"benchmark: {name} ...", flush=True)
        results[name] = sections[name]()
        for label, value, target, ok in results[name]:
            print(f"  {label:<58} {value:10.3f} {target:>10} {'' if ok else 'MISSED'}", flush=True)
    lines = ["# Benchmark results", "",
             "Made by `make bench` (`.venv/bin/python benchmarks/run.py [section ...]`); a run of some sections keeps",
             "the others from the last run that measured them, so each section states when it ran.", "",
             f"Machine: {machine()}.", "",
             "Each figure is the median of several runs (" + ", ".join(f"{k}: {v}" for k, v in REPEATS.items()) + ");",
             "seconds unless stated. Ratios are measured in the same run. Targets from issues 9 and 20.", ""]
    for name, rows in results.items():
        lines += [f"## {name}", "", f"_Run on {started}: `.venv/bin/python benchmarks/run.py {name}` (or `make bench`)._", "",
                  "| measure | value | target | met |", "|---|---:|---|---|"]
        lines += [f"| {label} | {value:.3f} | {target} | {'' if not target else ('yes' if ok else '**no**')} |"
                  for label, value, target, ok in rows]
        lines.append("")
        lines += EXTRA.get(name, [])
    out = ROOT / "benchmarks" / "RESULTS.md"
    if set(chosen) != set(sections) and out.exists():  # keep the other sections of an earlier full run
        previous = out.read_text().split("\n## ")
        kept = ["## " + block for block in previous[1:] if block.split("\n", 1)[0] not in results]
        lines += kept
    out.write_text("\n".join(lines) + "\n")
    print(f"wrote {out}")
    missed = [f"{label}: {value:.3f} (target {target})" for rows in results.values()
              for label, value, target, ok in rows if target and not ok]
    for line in missed:
        print(f"target missed: {line}", file=sys.stderr)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
