"""What the benchmarks share: timing helpers, result rows, the machine description."""

from __future__ import annotations

import os
import platform
import statistics
import sys
from dataclasses import dataclass, field
from pathlib import Path

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Row:
    id: str
    what: str
    figure: str
    goal: str
    verdict: str  # met | missed | info
    detail: list[str] = field(default_factory=list)
    note: str = ""  # for RESULTS.md's Notes: what bounds a figure that misses its goal


def spread(values: list[float], unit: str = "ms", scale: float = 1000.0) -> str:
    v = sorted(x * scale for x in values)
    return f"median {statistics.median(v):.1f} {unit} (min {v[0]:.1f}, max {v[-1]:.1f}, n={len(v)})"


def machine() -> str:
    return f"{os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()} {platform.machine()}"


def base_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
    env.update(extra)
    return env
