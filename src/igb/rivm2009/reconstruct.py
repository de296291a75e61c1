"""Reconstruct 2009 respondent data from the published tables by integer programming (scipy milp, HiGHS).

The result is SYNTHETIC: 123 respondents who agree with the published margins as far as the
published numbers agree with each other, and with nothing more. Structural facts are hard
constraints (municipality sizes, sector response of table VI.1, at most one officer per sector per
municipality, the questionnaire's asked-if logic, never "yes" and "don't know" together); every
published count and percentage is a soft target whose deviations are minimised and reported. A seed
sets a random tie-break among equally good solutions, so seeds give different valid reconstructions.
Items that no published number touches (most partner sectors, the external parties) are drawn at
random (p = 0.5, seeded) and carry no information about 2009.
"""

from __future__ import annotations

import hashlib
import shutil
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from itertools import count as counter
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array

from igb.config import Paths, paths as project_paths
from igb.errors import IgbError
from igb.lock import waiting
from igb.rivm2009 import published as pub
from igb.rivm2009.audit import counts_for_pct, pct_of_double
from igb.survey.codebook import Codebook
from igb.survey.io import write_parquet

DEFAULT_SEED = 2009
TOTAL_WEIGHT = 2.0  # a totals row counts twice: the report's text and figures repeat those numbers
TARGET_TABLES = ["4.1", "4.2", "sec5.1", "fig6.1", "fig6.4", "VII.2", "VII.3", "VIII.1", "VIII.2", "VIII.3", "IX.1", "IX.2", "IX.3"]
SEC51_PARTNERS = (("vgz", "partner_jeugd"), ("vgz", "partner_onderwijs"), ("jeugd", "partner_vgz"), ("onderwijs", "partner_vgz"))


@dataclass
class Reconstruction:
    """A reconstructed wave: respondents (canonical codes), the fit to every target, and solver facts."""

    respondents: pd.DataFrame
    deviations: pd.DataFrame
    seed: int
    seconds: float
    objective: float


class _Model:
    """Variables, hard constraints and soft targets of one MILP, built row by row."""

    def __init__(self):
        self.n = 0
        self.cost: list[float] = []
        self.integral: list[int] = []
        self.upper: list[float] = []
        self.rows, self.cols, self.vals, self.lo, self.hi = [], [], [], [], []
        self.r = counter()

    def var(self, *, cost=0.0, upper=1.0, integral=True) -> int:
        self.cost.append(cost)
        self.integral.append(1 if integral else 0)
        self.upper.append(upper)
        self.n += 1
        return self.n - 1

    def add(self, terms: dict[int, float], lo: float, hi: float) -> None:
        row = next(self.r)
        for col, val in terms.items():
            self.rows.append(row)
            self.cols.append(col)
            self.vals.append(val)
        self.lo.append(lo)
        self.hi.append(hi)

    def solve(self, time_limit: float | None):
        matrix = coo_array((self.vals, (self.rows, self.cols)), shape=(len(self.lo), self.n)).tocsr()
        options = {"disp": False, "presolve": True}
        if time_limit:
            options["time_limit"] = time_limit
        return milp(c=np.array(self.cost), constraints=LinearConstraint(matrix, self.lo, self.hi),
                    integrality=np.array(self.integral), bounds=Bounds(0, np.array(self.upper)), options=options)


def _targets(published: pd.DataFrame) -> pd.DataFrame:
    t = published[published["table"].isin(TARGET_TABLES) & (published["pct"].notna() | published["count"].notna())]
    return t[~((t["table"] == "sec5.1") & (t["item"] == "collaborates"))].reset_index(drop=True)


@lru_cache(maxsize=None)  # the same (pct, n) pairs recur in every draw; exact rounding with fractions is slow
def _pct_range(pct: float, n: int) -> tuple[int, int]:
    """Counts that print as `pct` of n; when none does, the two counts around it."""
    ks = counts_for_pct(pct, n) + [k for k in range(n + 1) if pct_of_double(k, n) == pct]  # audit: double rounding
    if ks:
        ks = sorted(set(ks))
        return ks[0], ks[-1]
    exact = pct * n / 100
    return int(np.floor(exact)), int(np.ceil(exact))


def _soft_targets(model: _Model, targets: pd.DataFrame, expression) -> list:
    """Add each published number as a soft target on `expression(cell)`; returns the slacks per cell."""
    out = []
    for t in targets.itertuples():
        terms = expression(t)
        if not terms:
            out.append(None)
            continue
        weight = TOTAL_WEIGHT if t.unit_type == "all" else 1.0
        slacks = {}
        if pd.notna(t.count):
            under, over = model.var(cost=weight, upper=np.inf), model.var(cost=weight, upper=np.inf)
            model.add({**terms, under: 1, over: -1}, int(t.count), int(t.count))
            slacks["count"] = (under, over)
        if pd.notna(t.pct) and pd.notna(t.n):
            lo, hi = _pct_range(float(t.pct), int(t.n))
            under, over = model.var(cost=weight, upper=np.inf), model.var(cost=weight, upper=np.inf)
            model.add({**terms, under: 1}, lo, np.inf)
            model.add({**terms, over: -1}, -np.inf, hi)
            slacks["pct"] = (under, over)
        out.append((t, terms, slacks))
    return out


def _tie_break(model: _Model, rng) -> None:
    """Random costs on the decision variables, too small ever to buy a deviation."""
    eps = 0.25 / max(model.n, 1)
    for i in range(model.n):
        if model.cost[i] == 0:
            model.cost[i] = eps * rng.uniform(-1, 1)


def reconstruct(*, seed: int = DEFAULT_SEED, published: pd.DataFrame | None = None, codebook: Codebook | None = None,
                time_limit: float | None = None) -> Reconstruction:
    """Build one reconstruction of the 2009 respondents; deterministic for a given seed.

    Stage 1 (a MILP over municipality x sector slots) places the respondents in sectors and decides
    who collaborates, against the per-municipality (VIII.2), per-sector (VIII.1, VI.1) and section 5.1
    numbers, the only published numbers that depend on a respondent's sector. Stage 2 (a MILP over
    counts per municipality and item) fits every other published cell, which all count answers per
    municipality or in total; a seeded draw then decides which eligible respondents of a municipality
    give those answers.
    """
    started = time.perf_counter()
    published = pub.load() if published is None else published
    codebook = codebook or Codebook.load()
    rng = np.random.default_rng(seed)
    targets = _targets(published)
    sizes = published[(published.table == "VII.2") & (published.unit_type == "municipality") & (published.item == "health_work")]
    munis = dict(zip(sizes["unit"], sizes["n"].astype(int)))
    received = published[(published.table == "VI.1") & (published.unit_type == "sector")]
    sectors = dict(zip(received["unit"], received["count"].astype(int)))

    slots, fit1, obj1 = _stage_sectors(targets, munis, sectors, rng, time_limit)
    counts, fit2, obj2 = _stage_counts(targets, munis, slots, codebook, rng, time_limit)
    respondents = _assign(slots, counts, codebook, rng)
    deviations = _deviations(fit1 + fit2)
    return Reconstruction(respondents, deviations, seed, time.perf_counter() - started, obj1 + obj2)


def _stage_sectors(targets, munis, sectors, rng, time_limit):
    """Which sectors answered in each municipality, who collaborates, and the section 5.1 partners."""
    model = _Model()
    x = {(m, s): model.var() for m in munis for s in sectors}
    c = {(m, s): model.var() for m in munis for s in sectors}
    p = {(m, s, item): model.var() for m in munis for s, item in SEC51_PARTNERS}
    for m, size in munis.items():
        model.add({x[m, s]: 1 for s in sectors}, size, size)
    for s, got in sectors.items():
        model.add({x[m, s]: 1 for m in munis}, got, got)
    for key in x:
        model.add({c[key]: 1, x[key]: -1}, -np.inf, 0)
    for (m, s, item), var in p.items():
        model.add({var: 1, c[m, s]: -1}, -np.inf, 0)
    _tie_break(model, rng)

    def expression(t):
        if t.item == "collaborates":
            keys = [k for k in c if (t.unit_type == "all") or (t.unit_type == "municipality" and k[0] == t.unit)
                    or (t.unit_type == "sector" and k[1] == t.unit)]
            return {c[k]: 1 for k in keys}
        if t.table == "sec5.1":
            return {var: 1 for (m, s, item), var in p.items() if s == t.unit and item == t.item}
        return None

    mine = targets[(targets["item"] == "collaborates") | (targets["table"] == "sec5.1")]
    fit = _soft_targets(model, mine, expression)
    result = model.solve(time_limit)
    if result.x is None:
        raise IgbError(f"reconstruction stage 1 failed: {result.message}")
    sol = np.round(result.x).astype(int)
    slots = pd.DataFrame([{"municipality": m, "sector": s, "collaborates": "yes" if sol[c[m, s]] else "no",
                           **{item: ("yes" if sol[p[m, s, item]] else "no") for (mm, ss, item) in p if (mm, ss) == (m, s)}}
                          for (m, s) in x if sol[x[m, s]]])
    return slots, _evaluate(fit, sol), float(result.fun)


def _stage_counts(targets, munis, slots, codebook, rng, time_limit):
    """How many respondents of each municipality give each answer, fitted to every other published cell."""
    items = codebook.items
    modelled = [i for i in items if not i.startswith(("partner_", "ext_")) and i != "collaborates"]
    collaborators = slots[slots.collaborates == "yes"].groupby("municipality").size().reindex(list(munis), fill_value=0)
    model = _Model()
    y = {}  # y[m, item, category]: number of respondents of m giving that answer
    for m, size in munis.items():
        for item in modelled:
            cats = ["yes", "dont_know"] if items[item].type == "yes_dk_no" else ["yes"]
            for cat in cats:
                y[m, item, cat] = model.var(upper=size)
    for m, size in munis.items():
        for item in modelled:
            rule = items[item].asked_if
            answered = {y[m, item, cat]: 1 for cat in ("yes", "dont_know") if (m, item, cat) in y}
            if rule is None:
                model.add(answered, 0, size)
            elif rule.item == "collaborates":
                model.add(answered, 0, int(collaborators[m]))
            else:
                model.add({**answered, y[m, rule.item, rule.equals]: -1}, -np.inf, 0)
    _tie_break(model, rng)

    def expression(t):
        if t.item not in modelled:
            return None
        units = [t.unit] if t.unit_type == "municipality" else list(munis) if t.unit_type == "all" else []
        if t.category in ("yes", "dont_know"):
            return {y[m, t.item, t.category]: 1 for m in units}
        return None

    mine = targets[targets["item"].isin(modelled)]
    no_cells = mine[mine["category"] == "no"]
    fit = _soft_targets(model, mine[mine["category"] != "no"], expression)
    # "no" of a factor = collaborators - yes - don't know: a target on yes + don't know
    for t in no_cells.itertuples():
        total = int(collaborators[[t.unit]].sum()) if t.unit_type == "municipality" else int(collaborators.sum())
        lo, hi = _pct_range(float(t.pct), int(t.n))
        terms = {y[m, t.item, cat]: 1 for m in ([t.unit] if t.unit_type == "municipality" else munis) for cat in ("yes", "dont_know")}
        weight = TOTAL_WEIGHT if t.unit_type == "all" else 1.0
        under, over = model.var(cost=weight, upper=np.inf), model.var(cost=weight, upper=np.inf)
        model.add({**terms, over: -1}, -np.inf, total - lo)
        model.add({**terms, under: 1}, total - hi, np.inf)
        fit.append((t, {**{k: -1 for k in terms}, "_constant": total}, {"pct": (under, over)}))
    result = model.solve(time_limit)
    if result.x is None:
        raise IgbError(f"reconstruction stage 2 failed: {result.message}")
    sol = np.round(result.x).astype(int)
    counts = {key: int(sol[var]) for key, var in y.items()}
    return counts, _evaluate(fit, sol), float(result.fun)


def _evaluate(fit, sol) -> list[dict]:
    out = []
    for entry in fit:
        if entry is None:
            continue
        t, terms, slacks = entry
        achieved = int(sum(coef * sol[var] for var, coef in terms.items() if var != "_constant") + terms.get("_constant", 0))
        count_dev = int(sol[slacks["count"][0]] + sol[slacks["count"][1]]) if "count" in slacks else 0
        pct_dev = int(sol[slacks["pct"][0]] + sol[slacks["pct"][1]]) if "pct" in slacks else 0
        out.append({"table": t.table, "unit_type": t.unit_type, "unit": t.unit, "item": t.item, "category": t.category,
                    "printed": t.printed, "n": t.n, "printed_count": t.count, "printed_pct": t.pct,
                    "achieved_count": achieved, "count_deviation": count_dev, "pct_deviation": pct_dev})
    return out


def _assign(slots, counts, codebook, rng) -> pd.DataFrame:
    """Give each municipality's counts to its respondents: a seeded draw among those asked."""
    items = codebook.items
    rows = []
    for m, group in slots.groupby("municipality", sort=False):
        answers = {s: {"respondent_id": f"{m}-{s}", "municipality": m, "sector": s} for s in group["sector"]}
        for slot in group.itertuples(index=False):
            for column, value in slot._asdict().items():
                if column not in ("municipality", "sector"):
                    answers[slot.sector][column] = value
        for item_id, item in items.items():
            rule = item.asked_if
            asked = [s for s in answers if rule is None or answers[s].get(rule.item) == rule.equals]
            for s in answers:
                if s not in asked:
                    answers[s][item_id] = None
            if (m, item_id, "yes") in counts:
                order = list(rng.permutation(asked))
                n_yes = counts[m, item_id, "yes"]
                n_dk = counts.get((m, item_id, "dont_know"), 0)
                for k, s in enumerate(order):
                    answers[s][item_id] = "yes" if k < n_yes else "dont_know" if k < n_yes + n_dk else "no"
            else:
                for s in asked:
                    if item_id == "collaborates" or (s, item_id) in SEC51_PARTNERS:
                        continue  # decided in stage 1
                    if item_id == f"partner_{s}":
                        answers[s][item_id] = "no"  # nobody names his own sector
                    else:  # partners and external parties that no published number touches: random, no information
                        answers[s][item_id] = "yes" if rng.random() < 0.5 else "no"
        rows.extend(answers.values())
    frame = pd.DataFrame(rows, columns=["respondent_id", "municipality", "sector", *codebook.item_ids])
    order = {s: k for k, s in enumerate(codebook.sector_ids)}
    frame = frame.sort_values(["municipality", "sector"], key=lambda col: col.map(lambda v: (int(v) if str(v).isdigit() else order.get(v, v))))
    return frame.reset_index(drop=True)


def _deviations(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    frame["departs"] = (frame["count_deviation"] > 0) | (frame["pct_deviation"] > 0)
    return frame


def _draw(seed: int) -> pd.DataFrame:
    return reconstruct(seed=seed).respondents


def ensemble(draws: int, *, seed: int = DEFAULT_SEED, jobs: int = 2, cache: Path | None = None) -> list[pd.DataFrame]:
    """`draws` reconstructions with seeds seed+1 .. seed+draws, run in `jobs` processes.

    With `cache` (a folder, `cache_folder()`), a draw made before from the same inputs is read from there and a new
    one kept there: notebooks 06 and 08 draw the same ensemble in two kernels at once, and they share the work.
    Each takes the seeds nobody is drawing (a lock per seed), then waits for those another was drawing and reads
    them: neither draws a seed twice, and neither waits longer than one draw (0.18 s of CPU). The inputs are the
    published tables, the params and igb's code (`inputs_digest`): a change to any of them starts a new cache."""
    seeds = [seed + k for k in range(1, draws + 1)]
    if cache is None:
        return _draws(seeds, jobs)
    cache = Path(cache)
    here = cache / inputs_digest()[:16]
    with waiting(cache / ".lock"):
        for other in cache.iterdir():  # draws from other inputs: never read again
            if other.is_dir() and other != here:
                shutil.rmtree(other, ignore_errors=True)
        here.mkdir(parents=True, exist_ok=True)
    drawn = lambda s: (here / f"{s}.parquet").exists()  # noqa: E731
    if jobs > 1:  # a batch of many (igb reconstruct --draws): in processes, seeds not claimed one by one
        missing = [s for s in seeds if not drawn(s)]
        for s, frame in zip(missing, _draws(missing, jobs)):
            write_parquet(frame, here / f"{s}.parquet")
    later = []
    for s in seeds:
        with waiting(here / f".{s}.lock", wait=False) as mine:
            if not mine:
                later.append(s)  # another is drawing it
            elif not drawn(s):
                write_parquet(_draw(s), here / f"{s}.parquet")
    for s in later:
        with waiting(here / f".{s}.lock"):
            if not drawn(s):  # its drawer failed
                write_parquet(_draw(s), here / f"{s}.parquet")
    return [pd.read_parquet(here / f"{s}.parquet") for s in seeds]  # the same frames as drawn (tested)


def _draws(seeds: list[int], jobs: int) -> list[pd.DataFrame]:
    if jobs <= 1 or len(seeds) <= 1:
        return [_draw(s) for s in seeds]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(_draw, seeds))


def cache_folder(paths: Paths | None = None) -> Path:
    """Where `ensemble` keeps its draws: data/processed/rivm2009/ensemble/draws (beside `igb reconstruct
    --draws`'s pinned.csv; not an input of any page, which read only the wave folder's own files)."""
    return (paths or project_paths()).processed("rivm2009") / "ensemble" / "draws"


def inputs_digest(paths: Paths | None = None) -> str:
    """A digest of what a reconstruction depends on: the published tables, the params, igb's code and the versions
    of the libraries that solve and store it."""
    import scipy

    paths = paths or project_paths()
    digest = hashlib.sha256(f"numpy {np.__version__} scipy {scipy.__version__} pandas {pd.__version__}".encode())
    code = Path(__file__).resolve().parents[1]
    for f in [*sorted(paths.published.glob("*.csv")), *sorted(paths.params.glob("*.yaml")), *sorted(code.rglob("*.py"))]:
        digest.update(f.name.encode())
        digest.update(f.read_bytes())
    return digest.hexdigest()


def pinned(draws: list[pd.DataFrame], *, codebook: Codebook | None = None) -> pd.DataFrame:
    """What the published tables disclose about individuals, per municipality.

    An item is pinned in a municipality when, in every draw, all its respondents give the same
    answer (a published 0% or 100%, or a question asked of nobody): then knowing that someone is an
    officer of that municipality reveals the answer, whatever his sector. `share_pinned` is the share
    of the municipality's answers (respondents x items) that are pinned. Items drawn at random
    (partners, external parties) are left out. Sector placement is not published, so answers pinned
    only through a sector (e.g. every VGZ officer collaborates, table VIII.1) are not counted here.
    """
    codebook = codebook or Codebook.load()
    targeted = [i for i in codebook.item_ids if not i.startswith(("partner_", "ext_"))]
    values = []
    for k, d in enumerate(draws):
        long = d.melt(id_vars=["municipality"], value_vars=targeted, var_name="item", value_name="answer")
        long["answer"] = long["answer"].fillna("(not asked)")
        per = long.groupby(["municipality", "item"])["answer"].agg(lambda a: "|".join(sorted(set(a))))
        values.append(per.rename(k))
    wide = pd.concat(values, axis=1)
    unanimous = wide.apply(lambda row: len(set(row)) == 1 and "|" not in row.iloc[0], axis=1)
    sizes = draws[0].groupby("municipality").size()
    table = unanimous.groupby(level="municipality").agg(items_pinned="sum", items="size")
    table["respondents"] = sizes
    table["share_pinned"] = table["items_pinned"] / table["items"]
    table = table.loc[sorted(table.index, key=lambda m: int(m) if str(m).isdigit() else m)]
    answers = table["respondents"] * table["items"]
    overall = pd.DataFrame({"items_pinned": [int(table["items_pinned"].sum())], "items": [int(table["items"].sum())],
                            "respondents": [int(table["respondents"].sum())],
                            "share_pinned": [float((table["share_pinned"] * answers).sum() / answers.sum())]}, index=["all"])
    out = pd.concat([table, overall])
    out.index.name = "municipality"
    out["draws"] = len(draws)
    return out.reset_index()


def write(rec: Reconstruction, folder) -> list:
    """Write responses.csv (canonical codes, blank = not asked) and deviations.csv, atomically."""
    from pathlib import Path

    from igb.survey.io import write_csv

    folder = Path(folder)
    return [write_csv(rec.respondents, folder / "responses.csv"),
            write_csv(rec.deviations, folder / "deviations.csv")]
