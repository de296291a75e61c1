"""The peer of `igb reports` in `make bench` (section `peer`): municipality reports as plain papermill and nbconvert
render them, a fresh kernel per report (papermill's default), then `jupyter nbconvert --to html --no-input`.

    python benchmarks/plain_loop.py PLAN.json OUT_DIR [--processes N]

PLAN.json is a list of papermill parameter sets (`igb.report.batch.plan`: the same template and parameters as
`igb reports`, `output_dir` pointing into OUT_DIR). With N > 1 the reports run in N processes
(concurrent.futures), each report still on a kernel of its own. Not part of igb: only the benchmark runs it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "notebooks" / "templates" / "municipality.ipynb"
JUPYTER = Path(sys.executable).with_name("jupyter")


def render(parameters: dict, out: str) -> str:
    import papermill

    executed = Path(out) / f"{parameters['municipality']}.ipynb"
    papermill.execute_notebook(str(TEMPLATE), str(executed), parameters=parameters, cwd=str(ROOT),
                               progress_bar=False)
    subprocess.run([str(JUPYTER), "nbconvert", "--to", "html", "--no-input", "--log-level", "WARN", str(executed)],
                   check=True, stdout=subprocess.DEVNULL)
    return str(executed.with_suffix(".html"))


def main(argv: list[str]) -> int:
    plan, out = json.loads(Path(argv[0]).read_text()), argv[1]
    processes = int(argv[argv.index("--processes") + 1]) if "--processes" in argv else 1
    if processes <= 1:
        pages = [render(p, out) for p in plan]
    else:
        with ProcessPoolExecutor(processes) as pool:
            pages = list(pool.map(render, plan, [out] * len(plan)))
    missing = [p for p in pages if not Path(p).exists()]
    if missing:
        print(f"not rendered: {missing}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
