"""Versioned index: atomic publication, checksums, pruning, the ingest lock."""

from __future__ import annotations

from pathlib import Path

import pytest

from retriever.errors import IndexCorrupt, IndexNotBuilt, IngestLocked
from retriever.index import (
    current_version_dir,
    ingest_lock,
    new_staging_dir,
    publish_version,
    read_manifest,
    require_current,
    verify_checksums,
)


def _publish(root: Path, payload: str) -> str:
    staging = new_staging_dir(root)
    (staging / "data.txt").write_text(payload, encoding="utf-8")
    return publish_version(root, staging, {"counts": {"chunks": 1}}, keep=2)


def test_publish_switches_current_and_keeps_old_until_pruned(tmp_path: Path) -> None:
    with pytest.raises(IndexNotBuilt):
        require_current(tmp_path)
    first = _publish(tmp_path, "one")
    assert current_version_dir(tmp_path).name == first
    second = _publish(tmp_path, "two")
    assert current_version_dir(tmp_path).name == second
    assert (tmp_path / "versions" / first).is_dir()
    third = _publish(tmp_path, "three")
    names = sorted(p.name for p in (tmp_path / "versions").iterdir())
    assert first not in names and {second, third} <= set(names)
    assert not list((tmp_path / "staging").iterdir())


def test_checksums_detect_corruption(tmp_path: Path) -> None:
    _publish(tmp_path, "payload")
    folder = current_version_dir(tmp_path)
    manifest = read_manifest(folder)
    verify_checksums(folder, manifest)
    (folder / "data.txt").write_text("tampered", encoding="utf-8")
    with pytest.raises(IndexCorrupt, match="data.txt"):
        verify_checksums(folder, manifest)
    (folder / "data.txt").unlink()
    with pytest.raises(IndexCorrupt, match="missing"):
        verify_checksums(folder, manifest)


def test_unpublished_staging_is_never_current(tmp_path: Path) -> None:
    first = _publish(tmp_path, "one")
    staging = new_staging_dir(tmp_path)
    (staging / "data.txt").write_text("half", encoding="utf-8")
    # A crash here (no publish) leaves the previous version serving ...
    assert current_version_dir(tmp_path).name == first
    # ... and the next build clears the leftover.
    new_staging_dir(tmp_path)
    assert not staging.exists()


def test_ingest_lock_is_exclusive(tmp_path: Path) -> None:
    with ingest_lock(tmp_path):
        with pytest.raises(IngestLocked) as err, ingest_lock(tmp_path):
            pass
        assert err.value.code == "ingest_locked"
    with ingest_lock(tmp_path):
        pass
