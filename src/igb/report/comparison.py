"""The text of a comparison of two waves: the caveat that names every change in who answered."""

from __future__ import annotations

from igb.safe import markdown_text
from igb.text import t

CHANGES = ("municipalities_only_baseline", "municipalities_only_current", "sectors_only_baseline", "sectors_only_current")


def caveat_text(changes: dict, lang: str = "nl") -> str:
    """Markdown naming every change in who answered (empty when the two waves have the same respondents' mix);
    `changes` is `igb.analysis.compare_waves.respondent_changes`."""
    lines = []
    a, b = changes["respondents"]
    if a != b:
        lines.append(t("compare.caveat.respondents", lang, a=a, b=b))
    for key in CHANGES:
        if changes[key]:
            lines.append(f"{t(f'compare.caveat.{key}', lang)}: {', '.join(markdown_text(v) for v in changes[key])}")
    if changes["sector_mix_changed"]:
        lines.append(t("compare.caveat.sector_mix_changed", lang))
    if not lines:
        return ""
    return t("compare.caveat.head", lang) + "; ".join(lines) + "."
