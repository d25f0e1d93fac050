"""Backup and restore of a deployment: the PostgreSQL database (pg_dump custom format, restored
with pg_restore) and the files under MEDIA_ROOT (uploads, issued and signed PDFs), with a
manifest of SHA-256 checksums so a restore can be checked file by file."""

import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import connection


class BackupError(Exception):
    pass


def _pg_env_and_args() -> tuple[dict, list[str]]:
    database = connection.settings_dict
    if connection.vendor != "postgresql":
        raise BackupError("Sao lưu bằng pg_dump chỉ dùng cho PostgreSQL (cơ sở dữ liệu vận hành).")
    env = {**os.environ, "PGPASSWORD": database.get("PASSWORD") or ""}
    args = ["-h", database.get("HOST") or "127.0.0.1", "-U", database.get("USER") or "postgres"]
    if database.get("PORT"):
        args += ["-p", str(database["PORT"])]
    return env, [*args, "-d", database["NAME"]]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def backup(folder: Path) -> dict:
    """Write database.dump, media.tar.gz and manifest.json into `folder`; returns the manifest."""
    folder.mkdir(parents=True, exist_ok=True)
    env, args = _pg_env_and_args()
    subprocess.run(
        ["pg_dump", "-Fc", "--no-owner", "-f", str(folder / "database.dump"), *args],
        env=env,
        check=True,
        capture_output=True,
    )
    media = Path(settings.MEDIA_ROOT)
    with tarfile.open(folder / "media.tar.gz", "w:gz") as archive:
        if media.exists():
            archive.add(media, arcname="media")
    files = (
        {str(path.relative_to(media)): _sha256(path) for path in sorted(media.rglob("*")) if path.is_file()}
        if media.exists()
        else {}
    )
    manifest = {
        "database.dump": _sha256(folder / "database.dump"),
        "media.tar.gz": _sha256(folder / "media.tar.gz"),
        "media_files": files,
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return manifest


def restore(folder: Path) -> dict:
    """Replace the database and MEDIA_ROOT with a backup's; checks the archive checksums first."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for name in ("database.dump", "media.tar.gz"):
        if _sha256(folder / name) != manifest[name]:
            raise BackupError(f"Tệp {name} của bản sao lưu không khớp tổng kiểm tra: không khôi phục.")
    env, args = _pg_env_and_args()
    connection.close()
    # One transaction: the schema emptied, then the dump's whole script (written by pg_restore
    # first, so that a dump it cannot read changes nothing). Not `pg_restore --clean`: it cannot
    # drop a partition's inherited constraints (the reviews are partitioned by year, D50).
    with tempfile.TemporaryDirectory() as scratch:
        script = Path(scratch) / "restore.sql"
        subprocess.run(
            ["pg_restore", "--no-owner", "-f", str(script), str(folder / "database.dump")],
            env=env,
            check=True,
            capture_output=True,
        )
        subprocess.run(
            ["psql", "--single-transaction", "-v", "ON_ERROR_STOP=1", "-q", "-o", os.devnull, *args,
             "-c", "DROP SCHEMA public CASCADE", "-c", "CREATE SCHEMA public", "-f", str(script)],
            env=env,
            check=True,
            capture_output=True,
        )  # fmt: skip
    media = Path(settings.MEDIA_ROOT)
    if media.exists():
        shutil.rmtree(media)
    with tarfile.open(folder / "media.tar.gz", "r:gz") as archive:
        archive.extractall(media.parent, filter="data")
    if media.name != "media" and (media.parent / "media").exists():
        (media.parent / "media").rename(media)
    restored = {str(p.relative_to(media)): _sha256(p) for p in sorted(media.rglob("*")) if p.is_file()}
    if restored != manifest["media_files"]:
        raise BackupError("Tệp đã khôi phục không khớp tổng kiểm tra của bản sao lưu.")
    return manifest
