"""`python -m instantly_mcp.sandbox serve --host 127.0.0.1 --port 8765 --db PATH [--latency-ms N]`."""

import sys

from instantly_mcp.sandbox.cli import main

if __name__ == "__main__":
    sys.exit(main())
