"""The public API documents the contract tests check against, shipped inside the repo (gzipped, unmodified).

`make test` must pass on a bare clone, so nothing here reads outside the repo. `specs/README.md` names each
document's source and date; `python -m tests.contract.specs refresh DIR` copies newer ones in.
"""

from __future__ import annotations

import functools
import gzip
import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent / "specs"
DOCUMENTS = ("instantly-v2-openapi.json", "stripe-fixtures3.json", "stripe-openapi-spec3.json")


@functools.lru_cache(maxsize=None)
def load(name: str) -> Any:
    """One document, parsed; `name` is one of DOCUMENTS."""
    if name not in DOCUMENTS:
        raise ValueError(f"unknown spec {name!r}; known: {', '.join(DOCUMENTS)}")
    with gzip.open(HERE / f"{name}.gz", "rt", encoding="utf-8") as fh:
        return json.load(fh)


def refresh(source: Path) -> None:
    """Copy the full documents from `source` (e.g. ../shared/specs) into the repo, gzipped deterministically."""
    for name in DOCUMENTS:
        data = (source / name).read_bytes()
        json.loads(data)  # refuse a broken download
        (HERE / f"{name}.gz").write_bytes(gzip.compress(data, compresslevel=9, mtime=0))
        print(f"{name}: {len(data):,} bytes", file=sys.stderr)


if __name__ == "__main__":  # pragma: no cover - maintenance command
    if len(sys.argv) != 3 or sys.argv[1] != "refresh":
        sys.exit("usage: python -m tests.contract.specs refresh DIR")
    refresh(Path(sys.argv[2]))
