"""The `igb` command: validate, prepare (and, as they land, audit, reconstruct, run, reports)."""

from __future__ import annotations

import argparse
import sys

from igb.errors import IgbError, ValidationFailed


def _cmd_validate(args) -> int:
    from igb.survey.codebook import Codebook
    from igb.survey.schema import validate_file
    from igb.survey.wave import WaveSpec, load_spec

    spec = load_spec(args.wave) if args.wave else WaveSpec(wave="")
    report, _ = validate_file(args.path, codebook=Codebook.load(), spec=spec)
    print(report.format(args.lang, limit=args.limit))
    return 0 if report.ok else 1


def _cmd_prepare(args) -> int:
    from igb.survey.prepare import prepare

    try:
        target, report = prepare(args.wave, out=args.out)
    except ValidationFailed as exc:
        print(exc.report.format(args.lang, limit=args.limit), file=sys.stderr)
        print("nothing written / niets geschreven", file=sys.stderr)
        return 1
    if report.warnings:
        print(report.format(args.lang, limit=args.limit))
    print(f"wrote {target}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="igb", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", help="check a respondent file against the codebook; exit 1 on any error")
    p.add_argument("path", help="a .csv, .xlsx or .sav respondent file")
    p.add_argument("--wave", help="use params/waves/<wave>.yaml to map columns and codes")
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("prepare", help="validate a wave and write data/processed/<wave>/respondents.parquet")
    p.add_argument("--wave", required=True)
    p.add_argument("--out", help="output path (default data/processed/<wave>/respondents.parquet)")
    p.set_defaults(func=_cmd_prepare)

    for p in sub.choices.values():
        p.add_argument("--lang", choices=["nl", "en"], default="en", help="language of messages")
        p.add_argument("--limit", type=int, default=None, help="show at most this many problems")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except IgbError as exc:
        print(f"igb: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
