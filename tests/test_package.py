"""The package as a whole: light import, version, dependency lists in step, CLI entry point."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

import crmlab
from crmlab import cli

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("sklearn", "seaborn", "nbclient", "matplotlib", "scipy")


def test_import_crmlab_is_light():
    """`import crmlab` must not pull in scikit-learn, seaborn, nbclient (nor matplotlib/scipy)."""
    code = (
        "import sys, json, crmlab; "
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_topic_modules_load_lazily():
    code = "import sys, crmlab; crmlab.datasets; print('crmlab.datasets' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"
    with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
        crmlab.nonsense  # noqa: B018


def _requirement(spec: str) -> tuple[str, str]:
    """('scikit-learn', '>=1.8') from 'scikit-learn>=1.8' (names normalised as PEP 503 says)."""
    match = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*?)\s*$", spec)
    assert match, spec
    return re.sub(r"[-_.]+", "-", match.group(1)).lower(), match.group(2).replace(" ", "")


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = dict(_requirement(s) for s in project["dependencies"])
    for extra in ("excel", "grader", "lab", "test", "word"):  # what `make lab` and `make test` install
        wanted.update(_requirement(s) for s in project["optional-dependencies"][extra])
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda = dict(
        _requirement(s) for s in env["dependencies"] if isinstance(s, str) and _requirement(s)[0] not in ("python", "pip")
    )
    assert conda == wanted
    python = next(s for s in env["dependencies"] if isinstance(s, str) and _requirement(s)[0] == "python")
    assert python.replace("python", "") == project["requires-python"]
    assert {"pip": ["-e ."]} in env["dependencies"]


def test_constraints_pin_every_dependency():
    """constraints.txt (what CI and `make` install) pins every declared dependency exactly."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pins = {
        _requirement(line.split("==")[0])[0]: line.split("==")[1].strip()
        for line in (ROOT / "constraints.txt").read_text().splitlines()
        if "==" in line
    }
    declared = [_requirement(s)[0] for s in project["dependencies"]]
    for extra in project["optional-dependencies"].values():
        declared += [_requirement(s)[0] for s in extra]
    assert sorted(set(declared) - set(pins)) == []


def test_version_everywhere(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"crmlab {crmlab.__version__}"


def test_console_script_runs():
    exe = Path(sys.executable).parent / "crmlab"
    out = subprocess.run([str(exe), "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("crmlab ")


def test_cli_without_command_prints_help_and_fails(capsys):
    assert cli.main([]) == 2
    assert "COMMAND" in capsys.readouterr().out


def test_cli_reports_user_errors_without_traceback(capsys):
    assert cli.main(["datasets", "describe", "no_such_table"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("crmlab: error: there is no dataset called 'no_such_table'")
    assert "Traceback" not in err


def test_cli_parser_is_light():
    """Building the full `crmlab` parser (every topic's sub-commands) must not import pandas or
    scipy: `crmlab --help` and `crmlab datasets list` should start fast."""
    code = (
        "import sys, json, crmlab.cli as c; c.build_parser(); "
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules} & {'pandas', 'scipy', 'matplotlib', 'sklearn'})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []
    parser = cli.build_parser()
    commands = parser._subparsers._group_actions[0].choices  # noqa: SLF001 - argparse has no public way
    assert {"datasets", "assign", "grade", "rubric", "survey", "scorecard"} <= set(commands)


def test_lowest_constraints_are_the_declared_lower_bounds():
    """`make test-lowest` (run by CI) installs exactly the lower bound of every dependency."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    bounds = dict(_requirement(s) for s in project["dependencies"])
    for extra in ("excel", "grader", "test", "word"):  # what `make test-lowest` installs
        bounds.update(_requirement(s) for s in project["optional-dependencies"][extra])
    pins = {
        _requirement(line.split("==")[0])[0]: line.split("==")[1].strip()
        for line in (ROOT / "constraints-lowest.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    }
    for name, bound in bounds.items():
        assert bound.startswith(">="), f"{name}: lower bound expected, got {bound!r}"
        assert pins.get(name) is not None, f"{name} has no pin in constraints-lowest.txt"
        wanted = bound[2:]
        assert pins[name] == wanted or pins[name] == wanted + ".0", f"{name}: pinned {pins[name]}, bound {wanted}"
