"""Hidden data variants: the course tables regenerated from a secret, for grading.

The shipped datasets are generated from fixed seeds (:mod:`crmlab.datasets`), and their numbers
can be read off the chapter notebooks. With ``crmlab grade --variant-seed SECRET`` (or a secret
kept in ``<out>/.private/variant-seed``), the grader regenerates every generated table with seeds
derived from the secret (same tables, columns and planted patterns; other customers and numbers),
and runs the instructor's source *and* every submission on that variant: inside a grading job
``crmlab.datasets.load_dataset`` (through ``$CRMLAB_DATA_VARIANT``) and any direct read of the
datasets folder see the variant. A submission that hard-codes numbers of the public data then
scores zero on those questions; one that computes them scores full marks.

A variant is generated once per secret and crmlab version and cached in the grader's private
folder (``<out>/.private/variants/``), which the sandbox never shows to student code. Static
tables (copied from a public source, such as CDNOW) are the same in every variant.

Examples
--------
>>> seeds = variant_seeds("course-2026-secret")
>>> seeds == variant_seeds("course-2026-secret") and seeds != variant_seeds("another secret")
True
>>> sorted(seeds) == sorted(t for t in GENERATORS if t != "cdnow")
True
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from crmlab._checks import CrmlabInputError
from crmlab.datasets._registry import GENERATORS

MIN_SECRET = 8


def variant_seeds(secret: str) -> dict[str, int]:
    """Generator topic → seed, derived from the secret (the static CDNOW topic is left out)."""
    if len(secret.strip()) < MIN_SECRET:
        raise CrmlabInputError(f"the variant secret must have at least {MIN_SECRET} characters "
                               "(students could try short ones)")
    seeds = {}
    for topic in GENERATORS:
        if topic == "cdnow":
            continue
        digest = hashlib.sha256(f"crmlab-variant\0{secret.strip()}\0{topic}".encode()).digest()
        seeds[topic] = int.from_bytes(digest[:4], "big")
    return seeds


def variant_name(secret: str, topics: list[str] | None = None) -> str:
    """The variant's folder name: a hash of the secret, the topics and the crmlab version."""
    import crmlab

    text = f"crmlab-variant-name\0{secret.strip()}\0{crmlab.__version__}\0{','.join(sorted(topics or []))}"
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def topics_used(code: str) -> list[str]:
    """The generator topics whose tables ``code`` names (every generated topic when it names none).

    >>> topics_used('tx = load_dataset("retail_transactions")')
    ['retail']
    """
    from crmlab.datasets import table_specs

    found = {topic for name, (topic, _) in table_specs().items() if name in code and topic != "cdnow"}
    return sorted(found) if found else sorted(t for t in GENERATORS if t != "cdnow")


def make_variant(secret: str, root: str | Path, topics: list[str] | None = None) -> Path:
    """Generate (or reuse) the variant of the course tables for ``secret`` under ``root``.

    Only the tables of ``topics`` are regenerated (default: all); the rest are copied as shipped.
    Returns the folder holding one CSV per table, laid out like the shipped datasets folder.
    """
    from crmlab.datasets import regenerate, shipped_data_dir

    seeds = variant_seeds(secret)
    if topics is not None:
        seeds = {t: seed for t, seed in seeds.items() if t in topics}
    root = Path(root)
    folder = root / variant_name(secret, topics)
    if (folder / ".complete").is_file():
        return folder
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f".{folder.name}.{os.getpid()}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        written = regenerate(tmp, seeds=seeds, topics=[t for t in GENERATORS if t in seeds])
        if not written:
            raise CrmlabInputError("no table could be generated for the data variant")
        shipped = shipped_data_dir()
        linked = set()
        for path in shipped.rglob("*"):  # static tables, the codebook, the data card: as shipped
            target = tmp / path.relative_to(shipped)
            if path.is_file() and not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                if _link(path, target):
                    linked.add(target)
        (tmp / ".complete").write_text("ok\n", encoding="utf-8")
        for path in [tmp, *tmp.rglob("*")]:
            if path not in linked:  # a hard link shares the shipped file's (readable) mode
                os.chmod(path, 0o755 if path.is_dir() else 0o644)
        shutil.rmtree(folder, ignore_errors=True)
        os.replace(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder


def _link(path: Path, target: Path) -> bool:
    """Hard-link a readable shipped file (many variants, e.g. one per student, take no extra disk),
    else copy it; True when linked."""
    if path.stat().st_mode & 0o444 == 0o444:
        try:
            os.link(path, target)
            return True
        except OSError:
            pass
    shutil.copyfile(path, target)
    return False
