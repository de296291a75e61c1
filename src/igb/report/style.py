"""The figures' visual grammar, shared by every plot of igb: palette, sizes, a figure kit and the PNG writer.

Figure functions (`igb.report.figures`, `maturity_plot`, `compare_plot`, the municipality report's plot) take their
data as arguments and draw with these: one place to change a colour, a font size or the synthetic-data footer.
"""

from __future__ import annotations

import functools
import textwrap
from pathlib import Path

import seaborn as sns
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MultipleLocator

from igb._checks import check_argument
from igb.survey.io import atomic_path
from igb.text import t

PALETTE = sns.color_palette("colorblind")  # readable with the common colour-vision deficiencies
COLOUR_MAIN = PALETTE[0]                   # blue: single-series bars and "yes"
COLOUR_SECOND = PALETTE[1]                 # orange: second series and "no"
COLOUR_THIRD = PALETTE[2]                  # green: third series
COLOUR_DONT_KNOW = PALETTE[7]              # grey: "don't know", neither side
COLOUR_MISSING = "0.55"                    # grey of the hatching of a suppressed (blank) cell
COLOUR_SYNTHETIC = "#8b0000"               # dark red of the synthetic-data footer
COLOUR_SYNTHETIC_BOX = "#fff2f2"           # pale red behind the synthetic-data footer
COLOUR_NOTE = "0.25"                       # dark grey of the footnotes
CELL_GAP = 0.5                             # points of white between heatmap cells
HEATMAP_CMAP = "Blues"                     # sequential, light = 0%, dark = 100%; colour-blind safe
STYLE = "whitegrid"                        # seaborn axes style
CONTEXT = "notebook"                       # seaborn plotting context
FONT_SCALE = 0.85                          # of the seaborn context: keeps long Dutch labels in the figure
ANNOT_SIZE = 9                             # points, percentages printed on bars and in heatmap cells
FOOTER_SIZE = 8.5                          # points, footnotes under the figure
DARK_LUMINANCE = 0.25                      # below this relative luminance a label on a bar is white, else black
BELOW_BARS = 0.9                           # zorder just under bars (1) and above the grid
HATCH = "////"                             # hatching of a suppressed cell
BLANK_BOX = dict(facecolor="white", edgecolor="none", pad=1.5)  # keeps the mark of a blank cell legible on its hatching

# --- Texts and layout ---------------------------------------------------------------------------------
SUPPRESSED = "—"            # printed instead of a number in a suppressed (or empty) cell, as the tables do
WRAP_LABEL = 40             # characters per line of a long bar label (Dutch labels run to 70 characters)
WRAP_TITLE = 50             # characters per line of a title, at least
TITLE_CHARS_PER_INCH = 8    # characters of the bold title per inch of figure width
WRAP_GROUP = 26             # characters per line of a group label under vertical bars
WRAP_HEADER = 19            # characters per line of a heatmap column header
WRAP_LEGEND = 75            # characters per line of a legend entry
WRAP_FOOTER = 130           # characters per line of a footnote
NO_BREAK_N = "n\u00a0=\u00a0"  # "n = " with no-break spaces while wrapping
PCT_MAX = 100               # percentages run from 0 to 100
LABEL_ROOM = 1.14           # the value axis runs to 114% of its maximum, so labels at bar ends fit
PCT_TICK = 20               # tick spacing of percentage axes (percentage points)
LABEL_PAD = 3               # points between a bar's end and its label
MIN_SEGMENT_LABEL = 7       # a diverging segment narrower than this (percentage points) gets no label
BAR_THICKNESS = 0.7         # of a single-series bar (1 = touching)
GROUP_THICKNESS = 0.8       # of all bars of one group together in grouped bars
ROW_INCH = 0.42             # figure height per bar row, inches
GROUP_ROW_INCH = 0.55       # figure height per group of grouped horizontal bars, inches
HEATMAP_ROW_INCH = 0.36     # figure height per heatmap row, inches
HEATMAP_COL_INCH = 1.35     # figure width per heatmap column, inches
HEATMAP_MARGIN_INCH = 3.5   # heatmap width taken by the row labels and the colour bar, inches
HEATMAP_HEADER_INCH = 0.6   # heatmap height taken by the wrapped column headers, inches
HEATMAP_MIN_WIDTH = 6.75    # a heatmap of few columns is still this wide, inches
FIG3_1_HEIGHT = 4.8         # inches: 16 vertical bars need no more
FIG4_1_HEIGHT = 6.0         # inches: three groups of three bars, a three-entry legend and two footnotes
DIVERGING_EXTRA_WIDTH = 1.5 # diverging bars are this much wider than other bar charts (two sides), inches
LEGEND_ROW_INCH = 0.4       # height of a one-row legend above the plot, inches
SEPARATOR_WIDTH = 1.5       # points, the line above the all-municipalities row
FIG_WIDTH = 9.0             # width of bar charts, inches
EXTRA_INCH = 1.9            # room for title, legend and axis labels, inches
FOOTER_LINE_INCH = 0.22     # height of one footnote line, inches
MARGIN_X = 0.01             # left margin of title and footnotes, fraction of the figure width
DPI = 150                   # resolution of saved PNGs
PNG_LEVEL = 1               # zlib level of saved PNGs: files ≈5 % larger than at Pillow's 6, saved ≈0.06 s sooner each



def styled(func):
    """Draw inside seaborn's style and context without changing the caller's rcParams."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with sns.axes_style(STYLE), sns.plotting_context(CONTEXT, font_scale=FONT_SCALE):
            return func(*args, **kwargs)
    return wrapper


def wrap(text: str, width: int = WRAP_LABEL) -> str:
    """Wrap on spaces, never inside "n = 98"."""
    kept = str(text).replace("n = ", NO_BREAK_N)
    return textwrap.fill(kept, width, break_long_words=False, break_on_hyphens=False).replace(NO_BREAK_N, "n = ")


def text_colour(colour) -> str:
    """Black or white, whichever reads better on `colour`."""
    return "white" if sns.utils.relative_luminance(to_rgb(colour)) < DARK_LUMINANCE else "black"


def new_figure(width: float, height: float) -> tuple[Figure, object]:
    """A figure outside pyplot's registry (nothing to close), on an Agg canvas that keeps its renderer."""
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig, fig.add_subplot()


def pct_axis(axis) -> None:
    axis.set_major_locator(MultipleLocator(PCT_TICK))
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{abs(v):.0f}%"))


def legend_above(ax, **kw) -> None:
    """Legend between the title and the plot, left-aligned with the axes."""
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.01), frameon=False, fontsize=ANNOT_SIZE + 1,
              borderaxespad=0, **{"ncol": 1, **kw})


def finish(fig: Figure, title: str, *, lang: str, synthetic: bool, notes=(), any_blank: bool = False) -> Figure:
    """Title, footnotes and (for synthetic data) the synthetic-data warning under the figure."""
    width = max(WRAP_TITLE, int(fig.get_figwidth() * TITLE_CHARS_PER_INCH))
    fig.suptitle(wrap(title, width), x=MARGIN_X, ha="left", fontweight="bold")
    lines = [wrap(n, WRAP_FOOTER) for n in notes]
    if any_blank:
        lines.append(t('figures.footer.suppressed', lang))
    if synthetic:
        lines.append(t('figures.footer.synthetic', lang))
    if not lines:
        return fig
    height = fig.get_figheight()
    n_lines = sum(line.count("\n") + 1 for line in lines) + (1 if synthetic else 0)  # the warning's box
    bottom = n_lines * FOOTER_LINE_INCH / height
    fig.get_layout_engine().set(rect=(0, bottom, 1, 1 - bottom))
    y = bottom
    for i, line in enumerate(lines):
        warning = synthetic and i == len(lines) - 1
        step = (line.count("\n") + 1 + (1 if warning else 0)) * FOOTER_LINE_INCH / height
        kw = dict(color=COLOUR_SYNTHETIC, fontweight="bold", fontsize=FOOTER_SIZE + 1,
                  bbox=dict(boxstyle="round,pad=0.3", facecolor=COLOUR_SYNTHETIC_BOX, edgecolor=COLOUR_SYNTHETIC)) \
            if warning else dict(color=COLOUR_NOTE, fontsize=FOOTER_SIZE)
        fig.text(MARGIN_X, y - step / 2, line, ha="left", va="center", gid="synthetic" if warning else None, **kw)
        y -= step
    return fig


def description(fig: Figure) -> str:
    """The figure's text alternative: what its function wrote in `fig.igb_alt` (what it shows, from the numbers it
    plots), else its title."""
    alt = getattr(fig, "igb_alt", "") or ""
    if not alt and fig._suptitle is not None:
        alt = fig._suptitle.get_text()
    return " ".join(alt.split())


def save(fig: Figure, path: str | Path) -> Path:
    """Write `fig` as a PNG (dpi 150, tight bounding box) to `path` (.png), atomically; returns the path.

    The PNG carries the figure's text alternative (`description`) as its `Description` text chunk: the pages set
    each image's alt text from it (`igb.report.html.accessible`), so the words travel with the picture."""
    path = Path(path)
    check_argument("suffix of path", (".png",), path.suffix.lower())
    metadata = {"Description": description(fig)}
    return atomic_path(path, lambda tmp: fig.savefig(tmp, dpi=DPI, bbox_inches="tight", format="png",
                                                     metadata=metadata, pil_kwargs={"compress_level": PNG_LEVEL}))
