"""The table registry: every table igb computes, declared once in params/tables.yaml, its items from the codebook.

A table's items are the codebook items whose `tables:` field names it (codebook order), or the report's column
order when the declaration gives one (then the same set, checked), or derived items (the Albeda entry points).
Tables, the count cube, the notebooks' section checks, the municipality reports (`report:`, their sections) and
the wave comparison read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from igb.config import load_params, paths as project_paths
from igb.errors import ConfigError
from igb.survey.codebook import Codebook

UNIT_TYPES = ("all", "municipality", "sector", "sector_group", "domain")
KINDS = ("frequencies", "response")


@dataclass(frozen=True)
class TableSpec:
    """One table: its name, items, unit types, categories and whether the all-officers row follows."""

    name: str
    items: tuple[str, ...]
    by: tuple[str, ...]
    categories: tuple[str, ...] = ("yes",)
    total: bool = False
    kind: str = "frequencies"
    derived: bool = False
    source: str = ""
    report: str = ""                   # the municipality report's section that shows it ('' = none)
    report_items: tuple[str, ...] = ()  # the items that section shows (default: all)

    @property
    def unit_types(self) -> tuple[str, ...]:
        """The unit types in the order the table holds them (the total last)."""
        return (*self.by, "all") if self.total and "all" not in self.by else self.by


@dataclass(frozen=True)
class Registry:
    """All tables, in the order of params/tables.yaml."""

    tables: dict[str, TableSpec]

    def __getitem__(self, name: str) -> TableSpec:
        if name not in self.tables:
            raise KeyError(f"no table {name!r} in params/tables.yaml; known: {list(self.tables)}")
        return self.tables[name]

    def __iter__(self):
        return iter(self.tables.values())

    def items(self) -> list[str]:
        """Every item any table counts, once, in order of first use (the count cube's items)."""
        return list(dict.fromkeys(i for t in self for i in t.items if t.kind == "frequencies"))

    def report_sections(self) -> list[tuple[str, tuple[str, ...], str]]:
        """(table, items, section) of every table a municipality report shows, in the order of params/tables.yaml."""
        return [(t.name, t.report_items or t.items, t.report) for t in self if t.report]

    def missing(self, name: str, present) -> list[str]:
        """The items of table `name` that are not among `present` (columns of a wave, or items it answered)."""
        present = set(present)
        return [i for i in self[name].items if i not in present]


def load_registry(codebook: Codebook | None = None, path: Path | None = None) -> Registry:
    """Read params/tables.yaml against the codebook; every inconsistency is a ConfigError naming the table."""
    paths = project_paths()
    codebook = codebook or Codebook.load(paths.codebook)
    path = path or paths.params / "tables.yaml"
    declared = load_params(Path(path)).get("tables")
    if not isinstance(declared, dict) or not declared:
        raise ConfigError(f"{path}: expected a mapping `tables:` of table name -> declaration")
    in_codebook: dict[str, list[str]] = {}
    for item_id, item in codebook.items.items():
        for table in item.tables:
            in_codebook.setdefault(table, []).append(item_id)
    tables = {}
    for name, spec in declared.items():
        name = str(name)
        where = f"{path}: table {name}"
        if not isinstance(spec, dict):
            raise ConfigError(f"{where}: expected a mapping")
        kind = spec.get("kind", "frequencies")
        by = tuple(spec.get("by") or ())
        if kind not in KINDS or not by or any(u not in UNIT_TYPES for u in by):
            raise ConfigError(f"{where}: kind must be one of {list(KINDS)} and `by` a list of {list(UNIT_TYPES)}")
        listed = tuple(str(i) for i in spec.get("items") or ())
        categories = tuple(spec.get("categories") or ("yes",))
        if not all(isinstance(c, str) for c in categories):  # YAML reads unquoted yes/no as true/false
            raise ConfigError(f"{where}: `categories` must be quoted answer codes such as \"yes\", not {list(categories)}")
        if kind == "response":
            items = ("response",)
        elif spec.get("derived"):
            if not listed:
                raise ConfigError(f"{where}: a derived table lists its items")
            items = listed
        else:
            items = tuple(in_codebook.get(name, ()))
            if not items:
                raise ConfigError(f"{where}: no codebook item names this table in its `tables:` field")
            if listed:
                if sorted(listed) != sorted(items):
                    raise ConfigError(f"{where}: `items` {list(listed)} must be the codebook's items of this table "
                                      f"{list(items)}, in the report's order")
                items = listed
        report = spec.get("report") or {}
        if not isinstance(report, dict) or (report and not isinstance(report.get("section"), str)):
            raise ConfigError(f"{where}: `report` is a mapping with `section` (and optionally `items`)")
        shown = tuple(str(i) for i in report.get("items") or ())
        if report and "municipality" not in by:
            raise ConfigError(f"{where}: a municipality report shows tables `by` municipality")
        if set(shown) - set(items):
            raise ConfigError(f"{where}: `report.items` {sorted(set(shown) - set(items))} are not items of the table")
        tables[name] = TableSpec(name, items, by, categories, bool(spec.get("total")), kind,
                                 bool(spec.get("derived")), str(spec.get("source", "")),
                                 str(report.get("section", "")), shown)
    return Registry(tables)
