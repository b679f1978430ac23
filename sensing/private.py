"""Owner-only, atomic output files: how hypnic writes everything that holds a person's data.

A night's movements, a diary (medications, notes), events, reports and exports are
personal: every file hypnic writes with them is created readable and writable by the
user alone (0600) and every folder it creates is 0700, whatever the umask. A file is
written under a random name in its destination folder (:func:`tempfile.mkstemp`:
``O_EXCL``, 0600, so nobody can plant a symlink there in advance) and moved into place
when complete (:func:`os.replace`; readers never see half a file), or linked into place
when it must not replace an existing file (``exclusive``).
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


def private_folder(path: str | Path) -> Path:
    """Create ``path`` and its missing parents if needed; every folder created here is
    0700. An existing folder is left as it is (its mode is the user's choice)."""
    path = Path(path)
    for folder in [*reversed(path.parents), path]:
        if not folder.is_dir():
            with contextlib.suppress(FileExistsError):  # made meanwhile, or a file: see below
                folder.mkdir(mode=0o700)
    if not path.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(path))
    return path


@contextlib.contextmanager
def private_file(path: str | Path, exclusive: bool = False) -> Iterator[Path]:
    """A new owner-only (0600) file to write, which becomes ``path`` when the block ends.

    Parameters
    ----------
    path : str or Path
        The file to create or replace (its folder is created with :func:`private_folder`).
    exclusive : bool
        Refuse to replace an existing ``path`` (the file is linked into place, which
        fails if the name is taken, even by another process at the same moment).

    Yields
    ------
    Path
        A temporary file in the same folder (empty, 0600) to write the content to. If
        the block raises, it is removed and ``path`` is untouched.

    Raises
    ------
    FileExistsError
        If ``exclusive`` and ``path`` exists.
    """
    path = Path(path)
    private_folder(path.parent)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        if not exclusive:
            os.replace(tmp, path)
            return
        try:
            os.link(tmp, path)
        except FileExistsError:
            raise _exists(path) from None
        except OSError:  # no hard links here (FAT, some network shares): check, then move
            if path.exists():
                raise _exists(path) from None
            os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _exists(path: Path) -> FileExistsError:
    return FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(path))


def write_private(path: str | Path, data: str | bytes) -> Path:
    """Write ``data`` (text as UTF-8) to an owner-only file ``path`` atomically; returns it."""
    path = Path(path)
    with private_file(path) as tmp:
        tmp.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path
