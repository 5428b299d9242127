"""`make bench` (python -m bench [IDS...]): run the benchmarks, print a table, write bench/RESULTS.md."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

from bench import cold_start, footprint
from bench.common import Row, machine

SUITES = {"B4": cold_start.run, "B5": footprint.run}


def table(rows: list[Row]) -> str:
    lines = ["| id | what | figure | goal | verdict |", "|---|---|---|---|---|"]
    lines += [f"| {r.id} | {r.what} | {r.figure} | {r.goal} | {r.verdict} |" for r in rows]
    return "\n".join(lines)


async def main(ids: list[str]) -> int:
    rows: list[Row] = []
    for bench_id, fn in SUITES.items():
        if ids and bench_id not in ids:
            continue
        print(f"running {bench_id} ...", file=sys.stderr)
        rows += await fn()
    text = table(rows)
    print(text)
    details = "\n".join(f"- {r.id} {r.what}: " + "; ".join(r.detail) for r in rows if r.detail)
    report = (f"# Benchmark results\n\nCommand: `make bench` (or `python -m bench {' '.join(ids)}`)\n\n"
              f"Machine: {machine()}\n\nRun: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n\n{text}\n\n"
              f"## Details\n\n{details}\n")
    Path(__file__).with_name("RESULTS.md").write_text(report, encoding="utf-8")
    return 1 if any(r.verdict == "missed" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
