"""Files unitorch writes and reads: atomic replacement that respects the destination's
permissions, and opening a file for reading without blocking on a FIFO.

Shared by checkpoints (:mod:`unitorch.io`) and A/B records (:mod:`unitorch.ab.record`).

Writing (:func:`write_atomically`) goes to a temporary file in the target's directory
(``.<name>.<random>.tmp``), which is flushed to disk (``fsync``) and then renamed over the
target, so the target holds either its previous content or the whole new one.  A rename
would bypass what ``open(path, "wb")`` checks, so the checks are made here first, with
``open``'s exception types:

* an existing target the process may not write (a 0444 file for a non-root user) raises
  ``PermissionError``, as ``open`` would; the file is left alone;
* a directory raises ``IsADirectoryError``; a FIFO, device or socket raises
  ``ValueError`` (renaming over ``/dev/null`` would replace the device by a file);
* a missing directory raises ``FileNotFoundError``, one that cannot be written
  ``PermissionError``, naming the target and the directory;
* the new file keeps the replaced file's permission bits and, where the process may
  set them (root), its owner and group.

A write that fails midway (disk full, file-size limit) removes the temporary file and
raises the ``OSError`` (its ``errno`` kept) with the target's name; the previous file is
unchanged.  A process killed outright (SIGKILL, power loss) can leave the temporary
file behind, never a torn target.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from typing import Any

__all__ = ["check_path", "write_atomically", "open_for_reading"]

_O_BINARY = getattr(os, "O_BINARY", 0)  # Windows: no newline translation
_O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # opening a FIFO must not wait for a writer


def check_path(path: Any, op: str) -> str:
    """``path`` as a str, or a ``TypeError``/``ValueError`` naming ``op`` (``"ut.save"``)."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{op}() expects a path (str or os.PathLike), got "
                        f"{type(path).__name__}")
    text = os.fspath(path)
    if not isinstance(text, str):  # bytes paths: os.PathLike may return them
        raise TypeError(f"{op}() expects a str path, got {type(text).__name__}")
    if not text:
        raise ValueError(f"{op}() got an empty path; give a file name such as "
                         "'model.safetensors'")
    return text


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _writable(real: str) -> bool:
    if os.access in os.supports_effective_ids:
        return os.access(real, os.W_OK, effective_ids=True)
    return os.access(real, os.W_OK)


def _read_only_filesystem(directory: str) -> bool:
    try:
        return bool(os.statvfs(directory or ".").f_flag & os.ST_RDONLY)
    except (AttributeError, OSError):  # no statvfs (Windows)
        return False


def write_atomically(path: str, data: bytes | bytearray | memoryview, op: str) -> None:
    """Replace ``path`` by a file holding ``data``, atomically (see the module docstring
    for the checks and errors); ``op`` names the caller in messages (``"ut.save"``)."""
    real = os.path.realpath(path)  # write through a symlink, as open() would
    directory, name = os.path.split(real)
    if path.endswith(("/", os.sep)):
        raise IsADirectoryError(errno.EISDIR, f"{op}(): the path names a directory; give a "
                                "file name", path)
    try:
        old: os.stat_result | None = os.stat(real)
    except FileNotFoundError:
        old = None
    except OSError as e:  # a directory on the way that may not be searched...
        raise type(e)(e.errno, f"{op}(): cannot reach the file ({e.strerror})", path
                      ) from None
    if old is not None:
        if stat.S_ISDIR(old.st_mode):
            raise IsADirectoryError(errno.EISDIR, f"{op}(): the path is a directory; give a "
                                    "file name inside it", path)
        if not stat.S_ISREG(old.st_mode):
            raise ValueError(f"{op}(): {path!r} is {_kind(old.st_mode)}, not a regular file; "
                             "it would be replaced by the file: write to a file path")
        if not _writable(real):
            if _read_only_filesystem(directory):
                raise OSError(errno.EROFS, f"{op}(): the file is on a read-only file "
                              "system; it is left unchanged", path)
            raise PermissionError(errno.EACCES, f"{op}(): the file is write-protected (mode "
                                  f"{stat.S_IMODE(old.st_mode):o}); it is left unchanged",
                                  path)
    fd, tmp = _create_temporary(directory, name, path, op)
    try:
        _fill(fd, tmp, data, old)
        os.replace(tmp, real)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(e, OSError) and e.errno is not None:
            raise type(e)(e.errno, f"{op}(): writing the file failed ({e.strerror}); the "
                          "previous file, if any, is unchanged", path) from None
        raise
    _fsync_directory(directory)


def _create_temporary(directory: str, name: str, path: str, op: str) -> tuple[int, str]:
    """An exclusively created temporary file beside the target: (fd, its path)."""
    while True:
        tmp = os.path.join(directory, f".{name}.{secrets.token_hex(6)}.tmp")
        try:  # 0o666 & ~umask, as open() would create the file
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_BINARY, 0o666), tmp
        except FileExistsError:
            continue
        except OSError as e:
            if e.errno is None:
                raise
            if not os.path.isdir(directory or "."):
                reason = f"its directory {directory!r} does not exist"
            else:
                reason = (f"a temporary file cannot be created in its directory "
                          f"{directory!r} ({e.strerror}); the file is written there first "
                          "and renamed over the target, so that a crash never leaves a "
                          "torn file")
            raise type(e)(e.errno, f"{op}(): cannot write the file: {reason}", path
                          ) from None


def _fill(fd: int, tmp: str, data: bytes | bytearray | memoryview,
          old: os.stat_result | None) -> None:
    with os.fdopen(fd, "wb") as f:
        if old is not None:
            _copy_ownership(f.fileno(), tmp, old)
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _copy_ownership(fd: int, tmp: str, old: os.stat_result) -> None:
    """The replaced file's owner and group (where allowed), then its permission bits
    (after chown, which clears set-id bits)."""
    if hasattr(os, "fchown"):
        mine = os.fstat(fd)
        if (mine.st_uid, mine.st_gid) != (old.st_uid, old.st_gid):
            try:
                os.fchown(fd, old.st_uid, old.st_gid)
            except OSError:  # not root: a file can only be given away by root
                try:
                    os.fchown(fd, -1, old.st_gid)
                except OSError:
                    pass
    if hasattr(os, "fchmod"):
        os.fchmod(fd, stat.S_IMODE(old.st_mode))
    else:  # Windows: only the read-only bit exists
        os.chmod(tmp, stat.S_IMODE(old.st_mode))


def _fsync_directory(directory: str) -> None:
    """Make the rename itself durable (POSIX; Windows cannot open directories)."""
    if os.name == "nt":
        return
    try:
        fd = os.open(directory or ".", os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some filesystems refuse fsync on directories; the data itself is synced
    finally:
        os.close(fd)


def open_for_reading(path: str, op: str) -> Any:
    """``path`` opened in binary mode for reading, if it is a regular file: a directory
    raises ``IsADirectoryError``, a FIFO, device or socket ``ValueError`` (opening it
    does not block on a FIFO with no writer).  A missing file raises
    ``FileNotFoundError`` as ``open`` does."""
    fd = os.open(path, os.O_RDONLY | _O_NONBLOCK | _O_BINARY)
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, f"{op}(): the path is a directory, not a "
                                    "checkpoint file", path)
        if not stat.S_ISREG(mode):
            raise ValueError(f"{op}(): {path!r} is {_kind(mode)}, not a regular file; "
                             f"{op} reads files (it needs their size and seeks in them)")
        if _O_NONBLOCK:  # a regular file never blocks; clear the flag all the same
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
