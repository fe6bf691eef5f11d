"""A personal dataset per student: the student's side (``use_personal_data``) and the keys.

A lab released with a roster (``crmlab assign SOURCE --roster ROSTER.csv --out DIR``, see
:mod:`crmlab.grader.roster`) gives every student a notebook whose first cell is

```python
from crmlab.grader.personal import use_personal_data
use_personal_data("20230101", "p1-3f9a…", topics=["b2b"], fingerprint="…")
```

That call regenerates the course tables the lab uses from the student's **data key** (same
tables, columns and planted patterns as the public data, other customers and numbers; see
:mod:`crmlab.grader.variants`), caches them in the user's cache folder and points
:func:`crmlab.datasets.load_dataset` (and :func:`~crmlab.datasets.data_dir`) at them for the
rest of the notebook's session. The chapter notebooks, in their own kernels, keep the public data.

The data key is an HMAC of the student id under a key stretched (scrypt) from the instructor's
secret: a student sees only their own key, and no classmate can compute another student's
without the secret. Changing the key in the notebook only gives other data, which the grader
ignores: it grades every submission on its owner's data (:mod:`crmlab.grader.roster`), and under
the grader this call does nothing.

Examples
--------
>>> key = student_key("a long course secret, 2026 spring", "20230101")
>>> key.startswith("p1-") and len(key) == 35
True
>>> key == student_key("a long course secret, 2026 spring", "20230101")
True
>>> key != student_key("a long course secret, 2026 spring", "20230102")
True
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import sys
from pathlib import Path

#: The shortest instructor secret accepted for personal datasets: students hold a key derived
#: from it (and their own id), so a short secret could be found by trying.
MIN_PERSONAL_SECRET = 16
KEY_PREFIX = "p1-"


class PersonalDataError(RuntimeError):
    """The personal data cannot be made as released (another crmlab version, a changed key).

    Examples
    --------
    >>> use_personal_data("20230101", "not a key", topics=["b2b"])  # doctest: +SKIP
    PersonalDataError: 'not a key' is not a data key: download this notebook again (the line was changed)
    """


@functools.lru_cache(maxsize=8)
def _master(secret: str) -> bytes:
    """The instructor's secret stretched with scrypt (~50 ms): slows down trying secrets."""
    return hashlib.scrypt(secret.strip().encode("utf-8"), salt=b"crmlab-personal-data-v1", n=2**14, r=8, p=1,
                          maxmem=64 * 2**20, dklen=32)


def check_secret(secret: str) -> str:
    """The secret (stripped), or a ``CrmlabInputError`` saying why it is too weak for personal data.

    Parameters
    ----------
    secret : str
        The instructor's secret.

    Returns
    -------
    str
        The secret without surrounding spaces.

    Examples
    --------
    >>> check_secret("  a long course secret, 2026 spring ")
    'a long course secret, 2026 spring'
    >>> check_secret("short")
    Traceback (most recent call last):
    ...
    crmlab._checks.CrmlabInputError: a personal dataset per student needs a secret of at least 16 characters (each student sees a key derived from it, and could try short secrets); make one with: python -c "import secrets; print(secrets.token_urlsafe(24))"
    """
    from crmlab._checks import CrmlabInputError

    if secret is None or len(secret.strip()) < MIN_PERSONAL_SECRET:
        raise CrmlabInputError(
            f"a personal dataset per student needs a secret of at least {MIN_PERSONAL_SECRET} characters (each "
            "student sees a key derived from it, and could try short secrets); make one with: "
            'python -c "import secrets; print(secrets.token_urlsafe(24))"')
    return secret.strip()


def student_key(secret: str, student_id: str) -> str:
    """The data key of one student: ``p1-`` and 32 hex digits of HMAC-SHA256(stretched secret, id).

    Parameters
    ----------
    secret : str
        The instructor's secret (at least :data:`MIN_PERSONAL_SECRET` characters).
    student_id : str
        The student's id from the roster (the 学号, else the LMS id).

    Returns
    -------
    str
        The key the student's notebook carries; its data variant is
        :func:`crmlab.grader.variants.make_variant` of this key.

    Examples
    --------
    >>> student_key("a long course secret, 2026 spring", "20230101")[:3]
    'p1-'
    """
    digest = hmac.new(_master(check_secret(secret)), f"student\0{student_id.strip()}".encode("utf-8"),
                      hashlib.sha256).hexdigest()
    return KEY_PREFIX + digest[:32]


def data_fingerprint(folder: str | Path, topics: list[str]) -> str:
    """SHA-256 (first 16 hex digits) of the generated tables of ``topics`` in ``folder``.

    The release records it, so a student whose crmlab generates other numbers (another version)
    is told so instead of checking answers against data the grader does not use.

    Parameters
    ----------
    folder : path
        A data folder laid out like the shipped datasets folder.
    topics : list of str
        Generator topics (e.g. ``["b2b"]``).

    Returns
    -------
    str
        16 hex digits.

    Examples
    --------
    >>> from crmlab.datasets import shipped_data_dir
    >>> len(data_fingerprint(shipped_data_dir(), ["b2b"]))
    16
    """
    from crmlab.datasets import table_specs

    digest = hashlib.sha256()
    files = sorted(spec.file_name for topic, spec in table_specs().values() if topic in topics)
    for name in files:
        digest.update(name.encode() + b"\0")
        digest.update((Path(folder) / name).read_bytes())
    return digest.hexdigest()[:16]


def cache_root() -> Path:
    """Where a student's personal data is kept: ``$CRMLAB_CACHE``, else the user's cache folder.

    Returns
    -------
    pathlib.Path
        ``<cache>/crmlab/personal-data`` (``%LOCALAPPDATA%`` on Windows, ``$XDG_CACHE_HOME`` or
        ``~/.cache`` elsewhere), or ``$CRMLAB_CACHE/personal-data``.

    Examples
    --------
    >>> cache_root().name
    'personal-data'
    """
    if os.environ.get("CRMLAB_CACHE"):
        return Path(os.environ["CRMLAB_CACHE"]) / "personal-data"
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        base = Path(os.environ["LOCALAPPDATA"])
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "crmlab" / "personal-data"


def use_personal_data(student: str, key: str, *, topics: list[str], fingerprint: str = "") -> Path:
    """Make this notebook's ``load_dataset(...)`` read the student's own copy of the course data.

    The first cell of a lab released with a roster calls this. The first run generates the
    tables (a few seconds) into :func:`cache_root`; later runs reuse them. Under the grader
    (``CRMLAB_GRADING=1``) it does nothing: the grader itself provides the owner's data.

    Parameters
    ----------
    student : str
        The student id the notebook was released for (shown, not used to make the data).
    key : str
        The student's data key (:func:`student_key`).
    topics : list of str
        The generator topics the lab's tables belong to.
    fingerprint : str, optional
        :func:`data_fingerprint` of the tables the grader uses; a mismatch raises
        :class:`PersonalDataError` (another crmlab version generates other numbers).

    Returns
    -------
    pathlib.Path
        The folder ``load_dataset`` now reads.

    Examples
    --------
    >>> use_personal_data("20230101", "p1-0123456789abcdef0123456789abcdef", topics=["b2b"])  # doctest: +SKIP
    Personal data of student 20230101 (b2b): load_dataset(...) in this notebook reads it.
    """
    from crmlab.datasets import VARIANT_VARIABLE, data_dir

    if os.environ.get("CRMLAB_GRADING") == "1":
        return data_dir()
    if not (isinstance(key, str) and key.startswith(KEY_PREFIX) and len(key) == len(KEY_PREFIX) + 32):
        raise PersonalDataError(f"{key!r} is not a data key: download this notebook again (the line was changed)")
    from crmlab.grader.variants import make_variant

    folder = make_variant(key, cache_root(), list(topics))
    if fingerprint and data_fingerprint(folder, list(topics)) != fingerprint:
        import crmlab

        raise PersonalDataError(
            f"this crmlab ({crmlab.__version__}) generates other numbers than the grader's for your data: install "
            "the course's crmlab version (ask your instructor), then run this cell again")
    os.environ[VARIANT_VARIABLE] = str(folder)
    print(f"Personal data of student {student} ({', '.join(topics)}): load_dataset(...) in this notebook reads it.")
    return folder
