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


def test_python_m_crmlab_is_the_crmlab_command():
    """`python -m crmlab` and the console script print the same help, from one crmlab/cli/."""
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    exe = shutil.which("crmlab", path=str(Path(sys.executable).parent))
    assert exe is not None
    via_module = subprocess.run([sys.executable, "-m", "crmlab", "--help"], capture_output=True,
                                text=True, check=True).stdout
    via_script = subprocess.run([exe, "--help"], capture_output=True, text=True, check=True).stdout
    assert via_module == via_script
    commands = {line.split()[0] for line in via_module.splitlines() if line.startswith("    ")}
    assert {"datasets", "assign", "grade", "rubric", "survey", "scorecard"} <= commands


def test_every_sub_command_lives_in_the_cli_package():
    from pathlib import Path

    from crmlab import cli

    assert all(m.startswith("crmlab.cli.") for m in cli.SUBCOMMAND_MODULES)
    root = Path(cli.__file__).resolve().parent.parent
    assert not list(root.glob("*_cli.py")) and not (root / "grader" / "cli.py").exists()
