"""`python -m stripe_mcp.sandbox serve --host 127.0.0.1 --port N --db PATH [--latency-ms N]`."""

from __future__ import annotations

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
