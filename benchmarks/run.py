"""`make bench`: the project's speed and memory, with ratios measured in the same run; writes benchmarks/RESULTS.md.

Sections (issue 9, and issue 10's comparison with GNU PSPP): the full replication from a ready environment and the same command with nothing changed;
the municipality reports in parallel against one by one; all tables and maturity stages on synthetic waves of
10,000, 100,000 and 1,000,000 officers against (a) one vectorised groupby per unit type over all items (the
practical limit) and (b) a per-item crosstab loop (a first script); one reconstruction and an ensemble of 100; PSPP's CROSSTABS on a
1,000,000-officer .sav against igb's path from the same file and from its processed data.
Each figure is the median of `REPEATS[section]` runs. Not part of the test suite: no timing is asserted in CI.
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
REPEATS = {"replication": 2, "nochange": 3, "batch": 3, "scale": 3, "reconstruct": 5, "ensemble": 1}
SIZES = (10_000, 100_000, 1_000_000)
MUNICIPALITIES = 342  # the load waves keep the country's municipalities and grow the officers per municipality
UNIT_TYPES = ("all", "municipality", "sector", "sector_group", "domain")
TARGETS = {
    "replication": 60.0, "nochange": 3.0, "batch_speedup": 1.7, "scale_seconds": 3.0, "scale_gb": 2.0,
    "scale_vs_limit": 1.5, "loop_vs_ours": 10.0, "reconstruct": 5.0, "ensemble": 120.0,
}


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


def sh(command: str) -> None:
    subprocess.run(command, shell=True, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


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
    machine's own speed-up for two CPU-bound Python processes. Then a SYNTHETIC wave of 64 municipalities, where
    each process's fixed start-up (kernel, imports) weighs less."""
    import tempfile

    from igb import synth
    from igb.config import paths as make_paths
    from igb.pipeline import prepare

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

    work = Path(tempfile.mkdtemp(prefix="igb-bench-"))
    for folder in ("params", "notebooks"):
        shutil.copytree(ROOT / folder, work / folder)
    paths = make_paths(work)
    synth.write_wave(synth.generate(64, seed=64, paths=paths), "batch64", fmt="csv", paths=paths)
    prepare("batch64", paths=paths)
    env = f"IGB_ROOT={work} "
    parallel64, serial64 = seconds("batch64", 2, env), seconds("batch64", 1, env)
    shutil.rmtree(work, ignore_errors=True)
    speedup, speedup64 = serial / parallel, serial64 / parallel64
    return [("municipality reports, 2 processes", parallel, "", True),
            ("municipality reports, one by one", serial, "", True),
            ("speed-up (one by one / parallel)", speedup, f"≥ {TARGETS['batch_speedup']}x", speedup >= TARGETS["batch_speedup"]),
            (f"half of them ({len(half)}), one by one", serial_half, "", True),
            ("derived: one report, one by one", per_report, "", True),
            ("derived: start-up and wrap-up of a batch (CLI, kernel, imports, index)", start_up, "", True),
            ("derived: best speed-up if 2 processes started up as fast as 1 and split the reports evenly",
             bound, "", True),
            ("this machine: 2 CPU-bound Python processes, speed-up over one by one", machine_pair, "", True),
            ("64 municipalities (SYNTHETIC, generated): 2 processes", parallel64, "", True),
            ("64 municipalities (SYNTHETIC, generated): one by one", serial64, "", True),
            ("64 municipalities: speed-up (one by one / parallel)", speedup64, "", True)]


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
    sections = {"replication": replication, "batch": batch, "scale": scale, "reconstruct": reconstruction, "spss": spss}
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
             "seconds unless stated. Ratios are measured in the same run. Targets from issue 9.", ""]
    for name, rows in results.items():
        lines += [f"## {name}", "", f"_Run on {started}: `.venv/bin/python benchmarks/run.py {name}` (or `make bench`)._", "",
                  "| measure | value | target | met |", "|---|---:|---|---|"]
        lines += [f"| {label} | {value:.3f} | {target} | {'' if not target else ('yes' if ok else '**no**')} |"
                  for label, value, target, ok in rows]
        lines.append("")
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
