"""Logging to stderr only (stdout carries the MCP protocol), with secrets redacted."""

from __future__ import annotations

import logging
import os
import sys

from shared.redaction import redact

LOG_LEVEL_ENV = "ISMCP_LOG_LEVEL"


class RedactingFormatter(logging.Formatter):
    """Formats as usual, then masks secrets in the message and any traceback."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def configure_logging(level: str | None = None) -> None:
    """Send every log record to stderr through the redacting formatter. Safe to call twice."""
    name = (level or os.environ.get(LOG_LEVEL_ENV) or "WARNING").upper()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(getattr(logging, name, logging.WARNING))
    # httpx logs every request URL at INFO; keep it quieter than our own logs.
    logging.getLogger("httpx").setLevel(max(root.level, logging.WARNING))
