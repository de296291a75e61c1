"""The `igb` command: validate, prepare (and, as they land, audit, reconstruct, run, reports)."""

from __future__ import annotations

import argparse
import sys

from igb.errors import ConfigError, IgbError, ValidationFailed


def _say(key: str, lang: str, **fmt) -> str:
    """The catalog's line `cli.<key>` (params/text/<lang>.yaml) in the language of --lang."""
    from igb.text import t

    return t(f"cli.{key}", lang, **fmt)


def _mark(ok: bool, lang: str) -> str:
    """ok or FAILED, padded to the same width so that the names after it line up."""
    marks = {True: _say("ok", lang), False: _say("failed", lang)}
    return marks[ok].ljust(max(map(len, marks.values())))


def _cmd_validate(args) -> int:
    from igb.survey.codebook import Codebook
    from igb.survey.schema import validate_file
    from igb.survey.wave import WaveSpec, load_spec

    spec = load_spec(args.wave) if args.wave else WaveSpec(wave="")
    report, _ = validate_file(args.path, codebook=Codebook.load(), spec=spec)
    print(report.format(args.lang, limit=args.limit))
    return 0 if report.ok else 1


def _cmd_prepare(args) -> int:
    from igb.pipeline import prepare

    target, report = prepare(args.wave, out=args.out, min_cell=args.min_cell)
    if report.warnings:
        print(report.format(args.lang, limit=args.limit))
    print(_say("wrote", args.lang, files=target))
    return 0


def _cmd_audit(args) -> int:
    from igb.config import paths
    from igb.rivm2009 import audit

    out = paths().processed("rivm2009")
    cells, table = audit.write(out)
    counts = cells["status"].value_counts()
    lang = args.lang
    print(_say("audit_cells", lang, cells=len(cells), counts=", ".join(f"{k} {v}" for k, v in counts.items())))
    print(_say("audit_errata", lang, errata=len(table), inconsistent=(table.severity == "inconsistent").sum(),
               notes=(table.severity == "note").sum()))
    for row in table.itertuples():
        print("  " + _say("audit_erratum", lang, check=row.check, table=row.table, unit=row.unit, item=row.item,
                          printed=row.printed, found=row.found, resolution=row.resolution))
    print(_say("wrote", lang, files=f"{out / 'errata.csv'}, {out / 'audit_cells.csv'}"))
    return 0


def _cmd_reconstruct(args) -> int:
    from pathlib import Path

    from igb.config import paths
    from igb.rivm2009 import reconstruct as rc
    from igb.survey.io import write_csv

    if args.draws:
        draws = rc.ensemble(args.draws, seed=args.seed, jobs=args.jobs, cache=rc.cache_folder())
        table = rc.pinned(draws)
        out = paths().processed("rivm2009") / "ensemble"
        write_csv(table, out / "pinned.csv")
        print(table.to_string(index=False))
        print(_say("ensemble", args.lang, draws=args.draws, path=out / "pinned.csv"))
        return 0
    out = args.out or paths().processed("rivm2009") / "reconstruction"
    raw = paths().root / "data" / "raw"
    if (Path(out) / "responses.csv").exists() and raw.resolve() in Path(out).resolve().parents and not args.overwrite:
        raise ConfigError(_say("raw_data", args.lang, out=out))
    rec = rc.reconstruct(seed=args.seed)
    written = rc.write(rec, out)
    departs = rec.deviations[rec.deviations.departs]
    print(_say("reconstructed", args.lang, seed=rec.seed, seconds=rec.seconds, respondents=len(rec.respondents),
               departs=len(departs), published=len(rec.deviations)))
    print(_say("wrote", args.lang, files=", ".join(str(p) for p in written)))
    return 0


def _cmd_run(args) -> int:
    from igb import pipeline

    outcome = pipeline.run(args.wave, notebooks=args.notebook, reports=not args.no_reports, lang=args.lang,
                           min_cell=args.min_cell, workers=args.jobs, force=args.force,
                           prepare_first=not args.no_prepare)
    lang = args.lang
    if outcome.prepared:
        print(_say("prepared", lang, path=outcome.prepared, warnings=len(outcome.validation.warnings)))
    for r in outcome.notebooks:
        state = _say("up_to_date", lang) if r.skipped else _say("seconds", lang, seconds=r.seconds)
        print(f"{_mark(r.ok, lang)} {r.name} ({state}) {r.html or r.error}")
    if outcome.reports is not None:
        bad = [r for r in outcome.reports if not r.ok]
        skipped = sum(r.skipped for r in outcome.reports)
        index = outcome.reports[0].html.parent / "index.html" if outcome.reports and outcome.reports[0].html else ""
        print(_say("run_reports", lang, ok=len(outcome.reports) - len(bad), skipped=skipped, failed=len(bad),
                   index=index))
    if outcome.failed:
        print(_say("run_failed", lang, failed=len(outcome.failed), names=", ".join(outcome.failed), wave=args.wave),
              file=sys.stderr)
        return 1
    return 0


def _cmd_reports(args) -> int:
    from igb.report.batch import run

    results = run(args.wave, municipalities=args.municipality, lang=args.lang, min_cell=args.min_cell, jobs=args.jobs,
                  xlsx=not args.no_xlsx, force=args.force)
    done = [r for r in results if r.ok and not r.skipped]
    skipped = [r for r in results if r.skipped]
    failed = [r for r in results if not r.ok]
    print(_say("reports", args.lang, rendered=len(done), skipped=len(skipped), failed=len(failed)))
    for r in failed:
        print(_say("report_failed", args.lang, municipality=r.municipality, error=r.error, log=r.log), file=sys.stderr)
    if results:
        print(_say("index", args.lang, path=results[0].html.parent / "index.html" if results[0].html else ""))
    return 1 if failed else 0


def _cmd_synth(args) -> int:
    from igb import synth

    frame = synth.generate(args.municipalities, seed=args.seed, sectors_per_municipality=args.sectors,
                           response_rate=args.response_rate)
    written = synth.write_wave(frame, args.wave, fmt=args.format, overwrite=args.overwrite,
                               description=f"SYNTHETIC wave: {args.municipalities} municipalities, seed {args.seed}")
    print(_say("synth", args.lang, wave=args.wave, respondents=len(frame), municipalities=args.municipalities,
               files=", ".join(str(p) for p in written)))
    return 0


def _cmd_compare(args) -> int:
    from igb import pipeline

    result = pipeline.compare(args.wave, args.baseline, lang=args.lang, min_cell=args.min_cell,
                              prepare_first=not args.no_prepare)
    print(f"{_mark(result.ok, args.lang).rstrip()} {result.html or result.error}")
    return 0 if result.ok else 1


def _cmd_export(args) -> int:
    from igb.export import export_wave

    written = export_wave(args.wave, to=args.to, lang=args.lang, min_cell=args.min_cell)
    print(_say("wrote", args.lang, files=", ".join(str(p) for p in written)))
    return 0


def _cmd_questionnaire(args) -> int:
    from igb.questionnaire import write
    from igb.survey.codebook import Codebook
    from igb.survey.wave import WaveSpec, load_spec

    spec = load_spec(args.wave) if args.wave else WaveSpec(wave="")
    written = write(args.to, args.out, codebook=Codebook.load(), spec=spec, lang=args.lang)
    print(_say("wrote", args.lang, files=written))
    return 0


MIN_CELL_HELP = "smallest number of officers behind a figure shown (default: the wave's min_cell, else 5)"


def _min_cell(text: str) -> int:
    """--min-cell: a whole number >= 1 (igb.privacy's rule), refused by argparse with its own message otherwise."""
    from igb.privacy import check_min_cell

    try:
        return check_min_cell(int(text), where="--min-cell")
    except (ValueError, IgbError):
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, not {text!r}") from None


def _lang(text: str) -> str:
    """--lang: a language of the text catalog (igb.text: params/text/languages.yaml)."""
    from igb.text import FALLBACK, check_lang

    try:
        return check_lang(text)
    except ConfigError:  # no project here (yet): the catalog's own two languages
        if text in FALLBACK:
            return text
        raise argparse.ArgumentTypeError(f"must be one of {sorted(FALLBACK)}, not {text!r}") from None
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _wave(text: str) -> str:
    """--wave and --baseline: a wave name names folders, so it is checked before anything runs."""
    from igb.safe import check_wave

    try:
        return check_wave(text)
    except IgbError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="igb", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", help="check a respondent file against the codebook; exit 1 on any error")
    p.add_argument("path", help="a .csv, .xlsx or .sav respondent file")
    p.add_argument("--wave", type=_wave, help="use params/waves/<wave>.yaml to map columns and codes")
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("prepare", help="validate a wave and write data/processed/<wave>/respondents.parquet")
    p.add_argument("--wave", required=True, type=_wave)
    p.add_argument("--out", help="output path (default data/processed/<wave>/respondents.parquet)")
    p.add_argument("--min-cell", type=_min_cell, default=None, help=MIN_CELL_HELP)
    p.set_defaults(func=_cmd_prepare)

    p = sub.add_parser("run", help="prepare a wave, render every analysis notebook and the municipality reports to reports/<wave>/")
    p.add_argument("--wave", required=True, type=_wave)
    p.add_argument("--notebook", action="append", help="only this notebook (repeatable), e.g. 01_response")
    p.add_argument("--min-cell", type=_min_cell, default=None, help=MIN_CELL_HELP)
    p.add_argument("--jobs", type=int, default=2, help="notebooks and reports run in this many processes (each keeps one kernel)")
    p.add_argument("--no-prepare", action="store_true", help="use the prepared data as they are")
    p.add_argument("--no-reports", action="store_true", help="skip the municipality reports")
    p.add_argument("--force", action="store_true", help="render even notebooks and reports whose inputs did not change")
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("reports", help="render one report per municipality (papermill, parallel) and an index")
    p.add_argument("--wave", required=True, type=_wave)
    p.add_argument("--municipality", action="append", help="only this municipality (repeatable)")
    p.add_argument("--jobs", type=int, default=2, help="reports run in this many processes")
    p.add_argument("--min-cell", type=_min_cell, default=None, help=MIN_CELL_HELP)
    p.add_argument("--no-xlsx", action="store_true", help="do not write the municipality's tables as .xlsx")
    p.add_argument("--force", action="store_true", help="render even reports whose inputs did not change")
    p.set_defaults(func=_cmd_reports)

    p = sub.add_parser("synth", help="write a SYNTHETIC wave (igb.synth) to data/raw/<wave>/ with its mapping file")
    p.add_argument("--wave", required=True, type=_wave)
    p.add_argument("--municipalities", type=int, default=16)
    p.add_argument("--seed", type=int, default=None, help="default: params/synth.yaml")
    p.add_argument("--sectors", type=int, default=None, help="questionnaires per municipality (at most 13)")
    p.add_argument("--response-rate", type=float, default=None)
    p.add_argument("--format", choices=["sav", "csv"], default="sav")
    p.add_argument("--overwrite", action="store_true", help="replace the wave's raw file and mapping if they exist")
    p.set_defaults(func=_cmd_synth)

    p = sub.add_parser("compare", help="compare two waves: differences with intervals, stage transitions")
    p.add_argument("--wave", required=True, type=_wave, help="the current wave")
    p.add_argument("--baseline", required=True, type=_wave, help="the earlier wave")
    p.add_argument("--min-cell", type=_min_cell, default=None,
                   help="smallest n shown (default: the stricter of the two waves' min_cell, else 5)")
    p.add_argument("--no-prepare", action="store_true", help="use the prepared data as they are")
    p.set_defaults(func=_cmd_compare)

    p = sub.add_parser("export", help="export a prepared wave: labelled .sav (+ PSPP syntax) or every table as .xlsx")
    p.add_argument("--wave", required=True, type=_wave)
    p.add_argument("--to", choices=["sav", "xlsx"], default="sav")
    p.add_argument("--min-cell", type=_min_cell, default=None, help=MIN_CELL_HELP + " (the workbook of tables)")
    p.set_defaults(func=_cmd_export)

    p = sub.add_parser("questionnaire", help="write the questionnaire for fieldwork: an XLSForm (KoboToolbox, ODK), a "
                                             "LimeSurvey .lss or a printable HTML page")
    p.add_argument("--to", required=True, choices=["xlsform", "limesurvey", "html"])
    p.add_argument("--out", required=True, help="the file to write (.xlsx, .lss or .html)")
    p.add_argument("--wave", type=_wave, help="take the municipalities from params/waves/<wave>.yaml")
    p.set_defaults(func=_cmd_questionnaire)

    p = sub.add_parser("audit", help="check the published 2009 tables against themselves; write the errata")
    p.set_defaults(func=_cmd_audit)

    p = sub.add_parser("reconstruct", help="reconstruct SYNTHETIC 2009 respondents from the published tables")
    p.add_argument("--seed", type=int, default=2009, help="random tie-break (default 2009, the committed wave)")
    p.add_argument("--out", help="folder for responses.csv and deviations.csv (default data/processed/rivm2009/reconstruction)")
    p.add_argument("--draws", type=int, default=0, help="run an ensemble of this many reconstructions and report what is pinned")
    p.add_argument("--jobs", type=int, default=2, help="processes for an ensemble")
    p.add_argument("--overwrite", action="store_true", help="replace responses.csv in --out if it is a wave's raw data")
    p.set_defaults(func=_cmd_reconstruct)

    for p in sub.choices.values():
        p.add_argument("--lang", type=_lang, default="nl",
                       help="language of messages and reports: nl (default) or en, or any in params/text/languages.yaml")
        p.add_argument("--limit", type=int, default=None, help="show at most this many problems")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        from contextlib import ExitStack

        from igb.config import paths
        from igb.lock import wave_lock

        # the waves this command writes: one command at a time on each (another stops at once: igb.lock.WaveBusy)
        waves = [args.wave] if args.command in ("prepare", "run", "reports", "compare", "export", "synth") else []
        if args.command == "compare" and not args.no_prepare:
            waves.append(args.baseline)
        with ExitStack() as held:
            for wave in dict.fromkeys(waves):
                held.enter_context(wave_lock(paths(), wave, f"igb {args.command}"))
            return args.func(args)
    except ValidationFailed as exc:  # prepare, run or compare: every problem found, and that nothing was written
        print(exc.report.format(args.lang, limit=args.limit), file=sys.stderr)
        print(_say("nothing_written", args.lang), file=sys.stderr)
        return 1
    except IgbError as exc:  # a message from the text catalog in the language of --lang
        print(f"igb: {exc.message(args.lang)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl-C: the workers and their kernels are stopped (igb.report.kernels); one line
        try:
            said = _say("interrupted", args.lang)
        except ConfigError:  # a project folder without params/text: one line all the same, in both languages
            said = "interrupted / onderbroken"
        print(f"igb: {said}", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `igb audit | head`: the reader left; end quietly
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
