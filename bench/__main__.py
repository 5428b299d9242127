"""`make bench` (python -m bench [IDS...]): run the benchmarks, print a table, write bench/RESULTS.md."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

from bench import (bulk_conversion, bulk_import, cold_start, composite, footprint, replicas, result_sizes, scenario_calls,
                   store_scale, webhooks)
from bench.common import Row, machine

SUITES = {"B1": bulk_import.run, "B2": webhooks.run, "B3": store_scale.run, "B4": cold_start.run,
          "B5": footprint.run, "B6": composite.run, "B7": bulk_conversion.run,
          "B8": result_sizes.run, "B9": scenario_calls.run, "B10": replicas.run}


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
    notes = "\n".join(f"- {r.id} {r.what}: {r.note}" for r in rows if r.note)
    command = f"`.venv/bin/python -m bench {' '.join(ids)}`" if ids else "`make bench` (`.venv/bin/python -m bench`)"
    report = (f"# Benchmark results\n\nCommand: {command}\n\n"
              f"Machine: {machine()}\n\nRun: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n\n"
              "Everything on loopback; sandboxes and the webhook receiver run in their own processes. Ratios are "
              "measured side by side in the same run, interleaved; figures are medians (min, max in Details).\n\n"
              f"{text}\n\n"
              f"## Details\n\n{details}\n" + (f"\n## Notes\n\n{notes}\n" if notes else ""))
    Path(__file__).with_name("RESULTS.md").write_text(report, encoding="utf-8")
    return 1 if any(r.verdict == "missed" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
