"""Pictures where a person would rather look: the funnel and the revenue trend, as PNG bytes.

matplotlib (Agg backend, no display) is imported only when a chart is drawn.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any


def _draw(size: tuple[float, float], title: str, paint: Callable[[Any], None]) -> bytes:
    """A new figure of `size`, painted by `paint(ax)`, titled and styled alike, as PNG bytes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=size, dpi=100)
    try:
        paint(ax)
        ax.set_title(title)
        ax.spines[["top", "right"]].set_visible(False)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        return buf.getvalue()
    finally:
        plt.close(fig)


def funnel_png(stages: Sequence[tuple[str, int]], title: str = "Conversion funnel") -> bytes:
    labels = [s for s, _ in stages]
    counts = [c for _, c in stages]

    def paint(ax: Any) -> None:
        bars = ax.barh(range(len(stages)), counts, color="#4f6bed")
        ax.set_yticks(range(len(stages)), labels)
        ax.invert_yaxis()
        top = max(counts) if counts and max(counts) > 0 else 1
        for i, (bar, count) in enumerate(zip(bars, counts, strict=True)):
            rate = f" ({count / counts[0]:.0%} of {labels[0]})" if i and counts[0] else ""
            ax.text(bar.get_width() + top * 0.01, bar.get_y() + bar.get_height() / 2, f"{count}{rate}",
                    va="center", fontsize=9)
        ax.set_xlim(0, top * 1.45)

    return _draw((7, 0.55 * len(stages) + 1.2), title, paint)


def revenue_png(points: Sequence[tuple[str, float]], currency: str, title: str = "Revenue") -> bytes:
    """points: (period label, amount in major units) in time order."""

    def paint(ax: Any) -> None:
        ax.bar(range(len(points)), [v for _, v in points], color="#2e9e6b")
        ax.set_xticks(range(len(points)), [p for p, _ in points], rotation=45, ha="right", fontsize=8)
        ax.set_ylabel(currency.upper())

    return _draw((7, 3.2), title, paint)
