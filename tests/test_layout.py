"""The package's layout: every name a module exports exists, sub-packages re-export their parts."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import crmlab


def _modules() -> list[str]:
    return sorted(m.name for m in pkgutil.walk_packages(crmlab.__path__, "crmlab."))


@pytest.mark.parametrize("name", _modules())
def test_every_exported_name_exists(name):
    module = importlib.import_module(name)
    missing = [n for n in getattr(module, "__all__", []) if not hasattr(module, n)]
    assert missing == []


@pytest.mark.parametrize("package", ["crmlab.scorecard", "crmlab.quality"])
def test_split_packages_reexport_every_public_name_of_their_parts(package):
    pkg = importlib.import_module(package)
    for part in pkgutil.iter_modules(pkg.__path__):
        module = importlib.import_module(f"{package}.{part.name}")
        own = [n for n, v in vars(module).items() if not n.startswith("_")
               and not isinstance(v, type(pkg))  # imported modules
               and getattr(v, "__module__", module.__name__) == module.__name__
               and n != "annotations"]
        assert own, part.name
        assert [n for n in own if getattr(pkg, n, None) is not getattr(module, n)] == []
