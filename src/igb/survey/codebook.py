"""The questionnaire as data: items, question texts, labels, value sets and asked-if logic."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from igb._checks import check_lang
from igb.config import load_params, paths
from igb.errors import ConfigError

KEYS = ("respondent_id", "municipality", "sector")


def _fold(text: str) -> str:
    """Case- and whitespace-insensitive form of a written answer or label."""
    return " ".join(str(text).strip().lower().replace("\u2019", "'").split())



def key_text(value) -> str:
    """A key cell or mapping key as text: whole floats without '.0' (Excel and SPSS write codes as 3.0), trimmed."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()

@dataclass(frozen=True)
class AnswerOption:
    """One allowed answer: canonical value, SPSS code, Dutch and English labels, accepted spellings."""

    value: str
    code: int
    nl: str
    en: str
    spellings: tuple[str, ...]


@dataclass(frozen=True)
class AskedIf:
    """The item is asked only when `item` holds `equals`."""

    item: str
    equals: str


@dataclass(frozen=True)
class Item:
    """A closed questionnaire item."""

    id: str
    question_nl: str
    label_nl: str
    label_en: str
    type: str
    asked_if: AskedIf | None
    section: str
    tables: tuple[str, ...]
    option_nl: str | None = None
    label_source: str = ""

    def label(self, lang: str = "nl") -> str:
        return self.label_nl if check_lang(lang) == "nl" else self.label_en


@dataclass(frozen=True)
class Codebook:
    """Items, sectors, value sets and section headings of params/codebook.yaml."""

    items: dict[str, Item]
    value_sets: dict[str, dict[str, AnswerOption]]
    sectors: dict[str, dict]
    missing_spellings: frozenset[str]
    source: Path | None = None
    sections: dict[str, dict[str, str]] = field(default_factory=dict)  # report section -> {nl, en} heading
    _spelling_index: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)
    _sector_index: dict[str, str] = field(default_factory=dict, repr=False)

    # -- construction -------------------------------------------------------------------------
    @classmethod
    def load(cls, path: str | Path | None = None) -> "Codebook":
        """Load and check a codebook file (default: params/codebook.yaml of the project)."""
        path = Path(path) if path is not None else paths().codebook
        return cls.from_dict(load_params(path), source=path)

    @classmethod
    def from_dict(cls, data: dict, *, source: Path | None = None) -> "Codebook":
        where = source or "codebook"
        for name, options in (data.get("value_sets") or {}).items():
            bad = [k for k in options if not isinstance(k, str)]
            if bad:
                raise ConfigError(f"{where}: value set {name!r} has non-text values {bad}; quote yes/no in YAML")
        try:
            value_sets = {
                name: {
                    value: AnswerOption(value, int(o["code"]), o["nl"], o["en"],
                                        tuple(_fold(s) for s in o.get("spellings", [])))
                    for value, o in options.items()
                }
                for name, options in data["value_sets"].items()
            }
            items = {}
            for item_id, d in data["items"].items():
                asked = d.get("asked_if")
                items[item_id] = Item(
                    id=item_id,
                    question_nl=d["question_nl"],
                    label_nl=d["label"]["nl"],
                    label_en=d["label"]["en"],
                    type=d["type"],
                    asked_if=AskedIf(asked["item"], asked["equals"]) if asked else None,
                    section=str(d["section"]),
                    tables=tuple(str(t) for t in d.get("tables", [])),
                    option_nl=d.get("option_nl"),
                    label_source=d.get("label_source", ""),
                )
            sectors = data["sectors"]
            sections = {str(s): {"nl": str(d["nl"]), "en": str(d["en"])} for s, d in (data.get("sections") or {}).items()}
        except (KeyError, TypeError, AttributeError) as exc:
            raise ConfigError(f"{where}: missing or malformed entry {exc}") from None
        for item in items.values():
            if item.type not in value_sets:
                raise ConfigError(f"{where}: item {item.id} has unknown type {item.type!r}")
            if item.asked_if and item.asked_if.item not in items:
                raise ConfigError(f"{where}: item {item.id} is asked if unknown item {item.asked_if.item!r}")
        book = cls(items, value_sets, sectors, frozenset(_fold(s) for s in data.get("missing_spellings", [""])), source,
                   sections)
        book._build_indexes()
        return book

    def _build_indexes(self) -> None:
        for name, options in self.value_sets.items():
            index: dict[str, str] = {}
            for option in options.values():
                for spelling in (option.value, option.nl, option.en, str(option.code), *option.spellings):
                    index[_fold(spelling)] = option.value
            self._spelling_index[name] = index
        for sector_id, d in self.sectors.items():
            for spelling in (sector_id, d.get("nl", ""), d.get("en", ""), *d.get("aliases", [])):
                if spelling:
                    self._sector_index[_fold(spelling)] = sector_id

    # -- lookups --------------------------------------------------------------------------------
    @property
    def item_ids(self) -> list[str]:
        return list(self.items)

    @property
    def sector_ids(self) -> list[str]:
        return list(self.sectors)

    def allowed(self, item_id: str) -> list[str]:
        """Canonical values an item may hold."""
        return list(self.value_sets[self.items[item_id].type])

    def is_missing(self, raw) -> bool:
        """Whether a written answer means 'no answer'."""
        if raw is None:
            return True
        try:
            if raw != raw:  # NaN
                return True
        except TypeError:
            pass
        return _fold(raw) in self.missing_spellings

    def normalise(self, item_id: str, raw):
        """The canonical value of a written answer, None if missing; raises KeyError if not allowed."""
        if self.is_missing(raw):
            return None
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        return self._spelling_index[self.items[item_id].type][_fold(raw)]

    def normalise_sector(self, raw):
        """The sector id of a written sector name, None if missing; raises KeyError if unknown."""
        if self.is_missing(raw):
            return None
        return self._sector_index[_fold(raw)]

    def items_of(self, table: str) -> list[str]:
        """The items whose `tables:` field names `table` (a table or figure of the report), in codebook order."""
        items = [i for i, item in self.items.items() if table in item.tables]
        if not items:
            raise KeyError(f"no codebook item names table or figure {table!r} in its `tables:` field")
        return items

    def item_label(self, item_id: str, lang: str = "nl") -> str:
        return self.items[item_id].label(lang)

    def value_label(self, item_id: str, value: str, lang: str = "nl") -> str:
        option = self.value_sets[self.items[item_id].type][value]
        return option.nl if check_lang(lang) == "nl" else option.en

    def sector_label(self, sector_id: str, lang: str = "nl") -> str:
        return self.sectors[sector_id][check_lang(lang)]

    def section_title(self, section: str, lang: str = "nl") -> str | None:
        """The heading of a report section's part of the questionnaire (`sections:`), None if the codebook has none."""
        heading = self.sections.get(str(section))
        return heading[check_lang(lang)] if heading else None
