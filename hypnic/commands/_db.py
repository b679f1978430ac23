"""The hypnic database a command reads."""

from __future__ import annotations

from pathlib import Path


def existing_db(db: Path | None) -> Path | None:
    """``db`` if it exists (None: the user's own, made when missing).

    Raises
    ------
    HypnicError
        If ``db`` names a file that does not exist: reading it would make an empty
        database (and its folders) where a typo pointed.
    """
    from sensing.errors import HypnicError

    if db is not None and not Path(db).is_file():
        raise HypnicError(f"no hypnic database at {db}: give the file 'hypnic diary add' or "
                          "'hypnic nights --add' filled, or leave --db out for your own")
    return db
