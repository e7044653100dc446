"""Writing a file whole or not at all: the one helper every module uses.

`atomic_write(path, content)` writes a temporary file beside `path` (a dot name ending in
`.tmp`, which no reader of the project globs), fsyncs it, gives it its mode, renames it
over `path` and fsyncs the directory: a reader, a crash or a power cut sees the old file
or the new one, never half of it. `content` is the bytes, or a callable that writes the
temporary file given its path (DuckDB's COPY, pyarrow, a CSV writer).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path

_UMASK = os.umask(0)
os.umask(_UMASK)


def atomic_write(
    path: Path, content: bytes | Callable[[Path], object], *, mode: int | None = None
) -> None:
    """Replace `path` by `content` atomically. mode: the new file's permissions (default:
    those of the file it replaces, else the umask's); the temporary file is private
    (0600) while it is written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        if isinstance(content, bytes):
            temporary.write_bytes(content)
        else:
            content(temporary)
        with temporary.open("rb+") as handle:
            os.fsync(handle.fileno())
        if mode is None:
            mode = path.stat().st_mode & 0o7777 if path.exists() else 0o666 & ~_UMASK
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    fsync_directory(path.parent)


def fsync_directory(directory: Path) -> None:
    """Make a rename, creation or removal in `directory` durable (POSIX)."""
    if os.name != "posix":
        return
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
