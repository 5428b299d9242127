"""A store that cannot be opened gives tool errors that name the file and say what to do."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from mcp import Client

from orchestrator_mcp.server import build
from shared.deps import ServerOptions


async def tool_error(tool: str = "find_contacts") -> str:
    async with Client(build(ServerOptions())) as client:
        result = await client.call_tool(tool, {})
    assert result.is_error
    text = result.content[0].text
    assert "Unexpected internal error" not in text
    return text


async def test_a_corrupt_store_file_names_the_file_and_says_to_move_it(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    store = tmp_path / "store.sqlite"
    store.write_bytes(os.urandom(8192))
    monkeypatch.setenv("ISMCP_STORE_PATH", str(store))
    for tool in ("find_contacts", "list_events", "audit_log"):
        text = await tool_error(tool)
        assert str(store) in text and "corrupt" in text and "Move it aside" in text and "ISMCP_STORE_PATH" in text
    assert store.stat().st_size == 8192  # left as it was, for the user to inspect


def _read_only_dir(tmp_path: Path) -> Path:
    """A folder this process cannot write: chmod 555, or (as root, whom permissions do not stop) a folder
    on the read-only /sys file system."""
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
    probe = folder / "probe"
    try:
        probe.touch()
    except OSError:
        return folder
    probe.unlink()
    if Path("/sys/fs").is_dir():
        return Path("/sys/fs/ismcp-store")
    pytest.skip("running as root with no read-only file system to point at")


async def test_an_unwritable_folder_names_the_file_and_says_to_make_it_writable(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _read_only_dir(tmp_path)
    store = folder / "store.sqlite"
    monkeypatch.setenv("ISMCP_STORE_PATH", str(store))
    try:
        text = await tool_error()
    finally:
        (tmp_path / "ro").chmod(0o755)
    assert str(store) in text and "cannot be created or written" in text and "writable" in text
    assert "ISMCP_STORE_PATH" in text


async def test_a_store_path_under_a_file_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "not-a-folder").write_text("x")
    store = tmp_path / "not-a-folder" / "store.sqlite"
    monkeypatch.setenv("ISMCP_STORE_PATH", str(store))
    text = await tool_error()
    assert str(store) in text and "writable" in text
