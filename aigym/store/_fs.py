"""Where files live: a local directory (atomic publish) or an object store (one PUT per file).

Local publish, per ../shared/notes/store-durability.md: write into this writer's staging folder
(`<root>/_staging/w-...`, outside every table folder, same filesystem), fsync the file, then
`os.replace` it to its final name and fsync the directory. Readers never see a torn file.

Object stores have no rename: a file becomes visible when its single PUT completes, so readers
still never see a partial file, but there is no staging, no lock and no directory fsync.
"""

from __future__ import annotations

import fcntl
import os
import re
import secrets
import shutil
import stat
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from aigym.errors import StoreError, ValidationError
from aigym.store._schema import TABLES, Durability

__all__ = ["Backend", "LocalBackend", "ObjectBackend", "Staging", "open_backend"]

STAGING = "_staging"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
GENERATION = "generation"  # in the staging folder: changed before every deletion


@dataclass(frozen=True, slots=True)
class FileEntry:
    path: str
    name: str
    size: int


def _fsync_path(path: str | Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def try_lock(path: Path) -> int | None:
    """An exclusive flock on `path`, or None if a live process holds it."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


class Staging:
    """One writer's private staging folder, held by an flock for the writer's lifetime.

    `recover()` treats a folder whose lock it can take as belonging to a dead writer.
    """

    def __init__(self, root: Path, prefix: str = "w") -> None:
        base = root / STAGING
        base.mkdir(parents=True, exist_ok=True)
        self.path = base / f"{prefix}-{os.getpid()}-{secrets.token_hex(4)}"
        self.path.mkdir()
        fd = try_lock(self.path / "lock")
        if fd is None:  # pragma: no cover - a fresh random folder cannot be locked
            raise StoreError(f"could not lock {self.path}; retry")
        self._fd: int | None = fd
        self._seq = 0
        self._lock = threading.Lock()

    def temp_path(self, name: str) -> Path:
        with self._lock:
            self._seq += 1
            return self.path / f"{name}.{self._seq}.tmp"

    def close(self) -> None:
        """Remove the folder; anything left in it was never published."""
        if self._fd is None:
            return
        shutil.rmtree(self.path, ignore_errors=True)
        os.close(self._fd)
        self._fd = None


class Backend:
    """What the store needs of a filesystem."""

    root: str
    is_local: bool

    def partitions(self, table: str) -> list[str]:
        raise NotImplementedError

    def files(self, table: str, partition: str) -> list[FileEntry]:
        raise NotImplementedError

    def exists(self, path: str) -> bool:
        raise NotImplementedError

    def publish(
        self,
        table: str,
        partition: str,
        name: str,
        data: pa.Table,
        durability: Durability,
        *,
        sync_dir: bool = True,
    ) -> bool:
        """Make `data` visible under its final name; False if that name already exists.

        With `sync_dir=False` the caller must `sync_dirs()` the partition before it
        acknowledges the rows (a writer publishing many files syncs each folder once).
        """
        raise NotImplementedError

    def sync_dirs(self, table: str, partitions: set[str]) -> None:
        return None

    def delete(self, paths: list[str], durability: Durability) -> None:
        """Delete files that a visible compacted file replaces (after `bump_generation`)."""
        raise NotImplementedError

    def generation(self) -> bytes:
        """A token that changes before any file is deleted: a listing taken while it stayed
        the same saw no deletion, so it missed no row (see `ParquetStore.partition_files`)."""
        raise NotImplementedError

    def bump_generation(self) -> None:
        raise NotImplementedError

    def metadata(self, path: str) -> dict[bytes, bytes]:
        raise NotImplementedError

    @property
    def filesystem(self) -> pafs.FileSystem | None:
        return None

    def close(self) -> None:
        return None


def _write(data: pa.Table, where: Any, table: str, filesystem: Any = None) -> None:
    spec = TABLES.get(table)
    dictionary = list(spec.dictionary_columns) if spec is not None else []
    pq.write_table(
        data,
        where,
        use_dictionary=dictionary or False,
        compression="snappy",
        filesystem=filesystem,
        row_group_size=1 << 20,
    )


def _check_folder(path: Path) -> None:
    """Refuse a root that is a file, under a file, or not a valid name, before any write."""
    p = path
    while True:
        try:
            st = p.stat()
        except FileNotFoundError:
            p = p.parent
            continue
        except OSError as e:  # a name too long, a component that is a file...
            raise ValidationError("root", str(path), f"not a usable folder ({e})") from None
        if not stat.S_ISDIR(st.st_mode):
            what = "is a file" if p == path else f"lies under the file {p}"
            raise ValidationError("root", str(path), f"the path {what}: give a folder")
        return


class LocalBackend(Backend):
    is_local = True

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.path = Path(root).expanduser().resolve()
        self.root = str(self.path)
        _check_folder(self.path)
        self._staging: Staging | None = None
        self._known_dirs: set[Path] = set()
        self._lock = threading.Lock()

    def staging(self) -> Staging:
        with self._lock:
            if self._staging is None:
                try:
                    self.path.mkdir(parents=True, exist_ok=True)
                    self._staging = Staging(self.path)
                except OSError as e:  # a file in the way, no permission, a full disk
                    raise StoreError(
                        f"cannot create the store's folders under {self.root} ({e}); "
                        "choose a folder you can write, or free it"
                    ) from None
            return self._staging

    def partitions(self, table: str) -> list[str]:
        d = self.path / table
        try:
            with os.scandir(d) as it:
                return sorted(e.name for e in it if e.is_dir() and e.name.startswith("date="))
        except FileNotFoundError:
            return []

    def files(self, table: str, partition: str) -> list[FileEntry]:
        d = self.path / table / partition
        out: list[FileEntry] = []
        try:
            with os.scandir(d) as it:
                entries = [e for e in it if e.name.endswith(".parquet")]
        except FileNotFoundError:
            return []
        for e in entries:
            try:  # a file deleted since the folder was read is skipped, not the folder
                if e.is_file():
                    out.append(FileEntry(e.path, e.name, e.stat().st_size))
            except FileNotFoundError:
                continue
        return sorted(out, key=lambda f: f.name)

    def exists(self, path: str) -> bool:
        return os.path.exists(path)

    def _ensure_dir(self, d: Path, durability: Durability) -> None:
        if d in self._known_dirs:
            return
        missing = []
        p = d
        while not p.exists():
            missing.append(p)
            p = p.parent
        d.mkdir(parents=True, exist_ok=True)
        if durability is Durability.FSYNC:
            for m in reversed(missing):
                _fsync_path(m.parent)
        self._known_dirs.add(d)

    def publish(
        self,
        table: str,
        partition: str,
        name: str,
        data: pa.Table,
        durability: Durability,
        *,
        sync_dir: bool = True,
    ) -> bool:
        d = self.path / table / partition
        final = d / name
        if final.exists():  # same batch identity: published by an earlier try
            return False
        tmp = self.staging().temp_path(name)
        try:
            _write(data, str(tmp), table)
            if durability is not Durability.NONE:
                _fsync_path(tmp)
            self._ensure_dir(d, durability)
            os.replace(tmp, final)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        if durability is Durability.FSYNC and sync_dir:
            _fsync_path(d)
        return True

    def sync_dirs(self, table: str, partitions: set[str]) -> None:
        for p in sorted(partitions):
            _fsync_path(self.path / table / p)

    def delete(self, paths: list[str], durability: Durability) -> None:
        if paths:
            self.bump_generation()
        dirs = set()
        for p in paths:
            try:
                os.unlink(p)
            except FileNotFoundError:
                continue
            dirs.add(os.path.dirname(p))
        if durability is Durability.FSYNC:
            for d in dirs:
                _fsync_path(d)

    def generation(self) -> bytes:
        try:
            with open(self.path / STAGING / GENERATION, "rb") as f:
                return f.read()
        except FileNotFoundError:
            return b""

    def bump_generation(self) -> None:
        # No fsync: the token only has to differ for readers running now, not after a reboot.
        base = self.path / STAGING
        base.mkdir(parents=True, exist_ok=True)
        fd = os.open(base / GENERATION, os.O_WRONLY | os.O_CREAT, 0o644)
        try:
            os.pwrite(fd, secrets.token_hex(8).encode(), 0)
        finally:
            os.close(fd)

    def metadata(self, path: str) -> dict[bytes, bytes]:
        # polars parses only what it needs: 28 us per file against pyarrow's 180 us, which
        # matters when a first scan reads the version of thousands of uncompacted files.
        kv = pl.read_parquet_metadata(path)
        return {k.encode(): v.encode() for k, v in kv.items()}

    def iter_staging(self) -> Iterator[Path]:
        base = self.path / STAGING
        if base.is_dir():
            yield from sorted(p for p in base.iterdir() if p.is_dir())

    def close(self) -> None:
        with self._lock:
            if self._staging is not None:
                self._staging.close()
                self._staging = None


class ObjectBackend(Backend):
    """An object store through pyarrow.fs (S3 and S3-compatible servers).

    Weaker guarantee than local: a file appears when its single PUT completes (never partial),
    but "exists, then write" is not atomic, and there is no fsync: durability is the store's.
    """

    is_local = False

    def __init__(self, uri: str, storage_options: dict[str, Any] | None = None) -> None:
        opts = dict(storage_options or {})
        if uri.startswith("s3://"):
            fs = pafs.S3FileSystem(**opts)
            path = uri[len("s3://") :].rstrip("/")
        else:
            fs, path = pafs.FileSystem.from_uri(uri)
        self._fs = fs
        self.root = path

    @property
    def filesystem(self) -> pafs.FileSystem:
        return self._fs

    def partitions(self, table: str) -> list[str]:
        sel = pafs.FileSelector(f"{self.root}/{table}", allow_not_found=True)
        return sorted(
            i.base_name
            for i in self._fs.get_file_info(sel)
            if i.type == pafs.FileType.Directory and i.base_name.startswith("date=")
        )

    def files(self, table: str, partition: str) -> list[FileEntry]:
        sel = pafs.FileSelector(f"{self.root}/{table}/{partition}", allow_not_found=True)
        return sorted(
            (
                FileEntry(i.path, i.base_name, i.size or 0)
                for i in self._fs.get_file_info(sel)
                if i.type == pafs.FileType.File and i.base_name.endswith(".parquet")
            ),
            key=lambda f: f.name,
        )

    def exists(self, path: str) -> bool:
        return bool(self._fs.get_file_info(path).type != pafs.FileType.NotFound)

    def publish(
        self,
        table: str,
        partition: str,
        name: str,
        data: pa.Table,
        durability: Durability,
        *,
        sync_dir: bool = True,
    ) -> bool:
        final = f"{self.root}/{table}/{partition}/{name}"
        if self.exists(final):
            return False
        sink = pa.BufferOutputStream()
        _write(data, sink, table)
        with self._fs.open_output_stream(final) as out:  # one PUT of the complete file
            out.write(sink.getvalue())
        return True

    def delete(self, paths: list[str], durability: Durability) -> None:
        if paths:
            self.bump_generation()
        for p in paths:
            try:
                self._fs.delete_file(p)
            except FileNotFoundError:
                continue

    def generation(self) -> bytes:
        try:
            with self._fs.open_input_stream(f"{self.root}/{STAGING}/{GENERATION}") as f:
                return bytes(f.read())
        except FileNotFoundError:
            return b""

    def bump_generation(self) -> None:
        with self._fs.open_output_stream(f"{self.root}/{STAGING}/{GENERATION}") as out:
            out.write(secrets.token_hex(8).encode())

    def metadata(self, path: str) -> dict[bytes, bytes]:
        with self._fs.open_input_file(path) as f:
            return dict(pq.read_metadata(f).metadata or {})


_ROOT_FIX = "give a folder path such as 'runs/' or an 's3://bucket/prefix' URL"


def open_backend(root: str | os.PathLike[str], storage_options: dict[str, Any] | None) -> Backend:
    text = _root_text(root)
    if "://" in text and not text.startswith("file://"):
        scheme, _, rest = text.partition("://")
        if not rest.strip("/"):
            raise ValidationError("root", root, f"the URL names no bucket: {_ROOT_FIX}")
        try:
            return ObjectBackend(text, storage_options)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError) as e:
            raise ValidationError(
                "root", root, f"{scheme}:// is not usable ({e}); {_ROOT_FIX}"
            ) from None
    if text.startswith("file://"):
        text = text[len("file://") :]
        if not text.strip():
            raise ValidationError("root", root, f"file:// names no folder: {_ROOT_FIX}")
    return LocalBackend(text)


def _root_text(root: object) -> str:
    """The root as text, refusing what would silently mean something else (or crash later)."""
    if not isinstance(root, (str, os.PathLike)):
        raise ValidationError("root", root, f"{_ROOT_FIX} (a str or pathlib.Path)")
    text = os.fspath(root)
    if not isinstance(text, str):  # a bytes path
        raise ValidationError("root", root, f"{_ROOT_FIX} as str, not bytes")
    if not text.strip():
        # Path("") is the current folder: a store there would be an accident.
        raise ValidationError("root", root, f"the path is empty; {_ROOT_FIX} ('.' for here)")
    if _CONTROL.search(text):
        raise ValidationError("root", root, "remove the NUL or control character from the path")
    return text
