"""`make demo`'s main job, end to end with the real subprocesses (sandboxes, receiver, three stdio servers)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import subprocess_env

BIN = Path(sys.executable).parent


def test_demo_runs_the_whole_story(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    res = subprocess.run([str(BIN / "orchestrator-mcp"), "demo", "--out", str(out)], capture_output=True, text=True,
                         timeout=600, env=subprocess_env())
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    assert "Demo complete" in res.stdout
    for step in ("instantly.instantly_import_leads", "orchestrator.trigger_payment_flow",
                 "the signed Stripe webhook made the buyer a customer", "the buyer is in the post-purchase campaign",
                 "orchestrator.revenue_attribution"):
        assert step in res.stdout, step
    assert "| FAILED |" not in res.stdout
    assert (out / "funnel.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "sk_test_" not in res.stdout and "sandbox-instantly-key" not in res.stdout

    # `demo --keep` on the kept state runs again: fresh leads and new campaigns, the old webhooks removed
    again = subprocess.run([str(BIN / "orchestrator-mcp"), "demo", "--keep", "--out", str(out)], capture_output=True,
                           text=True, timeout=600, env=subprocess_env())
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    assert "Demo complete" in again.stdout and "| FAILED |" not in again.stdout
    assert "ada+run2@acme.io" in again.stdout and "removed 2 webhooks of earlier runs" in again.stdout
    assert "link created 2 -> link sent 1 -> paid 1" in again.stdout  # the funnel of the second run's campaign
