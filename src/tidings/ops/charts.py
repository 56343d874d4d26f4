"""Bar charts as plain geometry for an inline SVG in a template: no JavaScript, no external assets."""

from dataclasses import dataclass
from datetime import date

HEIGHT = 120
BAR_WIDTH = 18
GAP = 6
SERIES = ("published", "failed", "skipped")


@dataclass(frozen=True)
class Segment:
    series: str
    value: int
    y: float
    height: float


@dataclass(frozen=True)
class Bar:
    day: date
    x: int
    total: int
    segments: tuple[Segment, ...]

    @property
    def label(self) -> str:
        counts = ", ".join(f"{s.value} {s.series}" for s in self.segments if s.value)
        return f"{self.day:%d %b}: {counts or 'none'}"


@dataclass(frozen=True)
class BarChart:
    title: str
    width: int
    height: int
    peak: int
    bars: tuple[Bar, ...]
    totals: dict[str, int]


def daily_bars(title: str, per_day: dict[date, dict[str, int]]) -> BarChart:
    """One stacked bar per day (published, failed, skipped from the bottom up), scaled to the busiest day."""
    peak = max((sum(counts.get(s, 0) for s in SERIES) for counts in per_day.values()), default=0)
    scale = HEIGHT / peak if peak else 0.0
    bars = []
    for index, (day, counts) in enumerate(sorted(per_day.items())):
        top = float(HEIGHT)
        segments = []
        for series in SERIES:
            value = counts.get(series, 0)
            height = value * scale
            top -= height
            segments.append(Segment(series, value, round(top, 2), round(height, 2)))
        bars.append(Bar(day, index * (BAR_WIDTH + GAP), sum(s.value for s in segments), tuple(segments)))
    totals = {series: sum(counts.get(series, 0) for counts in per_day.values()) for series in SERIES}
    return BarChart(title, len(bars) * (BAR_WIDTH + GAP), HEIGHT, peak, tuple(bars), totals)
