"""The monitoring chart's geometry: horizontal grouped bars (offered, held, declined) per
period, newest first like the table beside it, drawn by ``templates/monitoring/_chart.html``.

Horizontal bars keep the chart legible on a phone: the drawing is ``VIEW_WIDTH`` wide and
scales to the column's width (``width: 100%``), and at 288 px (a 320 px screen less the page's
margins) 13-unit text is still 12.5 px. Each series has its own colour (3:1 or more against
white) and its own pattern (solid, stripes, cross-hatching), and every bar carries its number
as text, so colour is never the only cue. A withheld count has no bar, only its words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import format_decimal
from flask_babel import gettext as _

from portal.monitoring import presentation
from portal.monitoring.figures import PeriodFigures, Shown, shown_count

VIEW_WIDTH = 300
LABEL_WIDTH = 70
VALUE_SPACE = 46
BAR_HEIGHT = 12
BAR_GAP = 2
GROUP_GAP = 12
LEGEND_LINE = 20
FONT = 13


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    #: The pattern's id in the drawing (``monitoring-pattern-<key>``) and its colour.
    colour: str


def series() -> list[Series]:
    return [Series("offered", _("Offered"), "#00507a"),
            Series("held", _("Held"), "#1b6b3a"),
            Series("declined", _("Declined"), "#8a4b00")]


@dataclass(frozen=True)
class Bar:
    series: Series
    y: float
    #: 0 for a zero or withheld count.
    width: float
    label: str
    label_x: float
    withheld: bool


@dataclass(frozen=True)
class Group:
    label: str
    y: float
    bars: list[Bar]


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    legend: list[tuple[Series, float]]
    groups: list[Group]
    summary: str


def build(figures: Sequence[PeriodFigures]) -> Chart:
    """``figures`` oldest first (as ``figures.compute`` returns them); drawn newest first."""
    kinds = series()
    values = {id(f): {s.key: shown_count(getattr(f, s.key)) for s in kinds} for f in figures}
    largest = max([v.value or 0 for item in values.values() for v in item.values()] + [1])
    scale = (VIEW_WIDTH - LABEL_WIDTH - VALUE_SPACE) / largest
    legend = [(s, float(LEGEND_LINE * index)) for index, s in enumerate(kinds)]
    y = float(LEGEND_LINE * len(kinds) + GROUP_GAP)
    groups = []
    for item in reversed(figures):
        bars = []
        for index, kind in enumerate(kinds):
            shown = values[id(item)][kind.key]
            width = (shown.value or 0) * scale
            bars.append(Bar(kind, y + index * (BAR_HEIGHT + BAR_GAP), width, _say(shown),
                            LABEL_WIDTH + width + 4, shown.value is None))
        groups.append(Group(presentation.short_period_label(item.period), y, bars))
        y += len(kinds) * (BAR_HEIGHT + BAR_GAP) + GROUP_GAP
    summary = ""
    if figures:
        newest = values[id(figures[-1])]
        summary = _("Conversations offered, held and declined in each period, newest first. "
                    "%(period)s: offered %(offered)s, held %(held)s, declined %(declined)s. "
                    "The table below has every figure.",
                    period=presentation.period_label(figures[-1].period),
                    offered=_say(newest["offered"]), held=_say(newest["held"]),
                    declined=_say(newest["declined"]))
    return Chart(VIEW_WIDTH, int(y), legend, groups, summary)


def _say(shown: Shown) -> str:
    if shown.value is None:
        return presentation.withheld_text(shown)
    return str(format_decimal(shown.value, format="#,##0"))
