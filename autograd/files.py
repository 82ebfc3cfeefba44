"""Writing files whole or not at all."""

from __future__ import annotations

import errno
import os
import secrets
import stat
from pathlib import Path


def existing_folder(path: str | os.PathLike[str]) -> Path:
    """The folder ``path`` would be written in; FileNotFoundError naming it if it does not exist."""
    folder = Path(path).parent
    if not folder.is_dir():
        raise FileNotFoundError(f"folder does not exist: {str(folder)!r} (for {str(path)!r})")
    return folder


def writable_folder(path: str | os.PathLike[str]) -> Path:
    """The folder ``path`` would be written in, checked before any work: FileNotFoundError naming
    it if it does not exist, PermissionError naming it if it may not be written."""
    folder = existing_folder(path)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise PermissionError(errno.EACCES, f"folder may not be written: {str(folder)!r} (for {str(path)!r})", str(path))
    return folder


def write_atomically(path: str | os.PathLike[str], content: str | bytes) -> Path:
    """Write ``content`` to ``path`` through a temporary file in the same folder, then rename it
    over ``path``: an interrupted or failing write never leaves ``path`` half-written, and nothing
    else behind. FileNotFoundError, before any writing, if the folder does not exist;
    PermissionError if ``path`` is a file that may not be written (as ``open(path, "w")`` would).
    Errors name ``path``, never the temporary file."""
    path = Path(path)
    existing_folder(path)
    target = Path(os.path.realpath(path))  # through a symlink, replace the file it points to
    if target.exists() and not target.is_file():
        raise FileExistsError(f"{str(path)!r} exists and is not a regular file; it is not replaced")
    if target.exists() and not os.access(target, os.W_OK):  # a rename would replace it regardless
        raise PermissionError(errno.EACCES, "Permission denied: the file may not be written", str(path))
    folder = target.parent
    data = content.encode("utf-8") if isinstance(content, str) else content
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        temp = folder / f".{target.name[:200]}.{secrets.token_hex(4)}.tmp"  # within name limits
        try:
            fd = os.open(temp, flags, 0o666)  # like open(): the umask decides the file's mode
            break
        except FileExistsError:
            continue
        except OSError as e:  # e.g. a folder that may not be written
            raise _about(path, e) from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if target.exists():  # a file that is replaced keeps its permissions
            os.chmod(temp, stat.S_IMODE(target.stat().st_mode))
        os.replace(temp, target)
        _sync_folder(folder)
    except BaseException as e:
        temp.unlink(missing_ok=True)
        if isinstance(e, OSError):
            raise _about(path, e) from None
        raise
    return path


def _about(path: Path, error: OSError) -> OSError:
    """The same error, naming ``path`` (what the user asked to write) instead of the temporary file."""
    if error.errno is None:
        return error
    return OSError(error.errno, error.strerror, str(path))  # OSError picks the subclass (PermissionError, ...)


def _sync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable, where the system allows opening a folder."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
