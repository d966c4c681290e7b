"""Read the project facts that the generated launch files are built from.

requirements.txt contains every package version, and pyproject.toml contains the Python
version (`requires-python`) and the repository address (`[project.urls] Repository`).
scripts/sync_environment.py and scripts/sync_notebooks.py write environment.yml,
binder/, the Colab cell of every notebook and the README launch links from these.
"""

import re
import tomllib
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = ROOT / "requirements.txt"
PYPROJECT = ROOT / "pyproject.toml"


def read_requirement_lines(path=REQUIREMENTS):
    """Return the requirement lines of a requirements file, without comments or blank lines."""
    lines = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        requirement = line.split("#", 1)[0].strip()
        if requirement:
            lines.append(requirement)
    return lines


def parse_pins(lines, source):
    """Map each canonical package name to its pinned version.

    Every line must be an exact pin `name==version`, because the collection's outputs
    are only reproducible at the versions they were made with. `source` names the file
    in error messages.

    **Raises:** `ValueError` for a line that is not an exact pin or a package pinned twice.
    """
    pins = {}
    for line in lines:
        try:
            requirement = Requirement(line)
        except InvalidRequirement as error:
            raise ValueError(f"{source}: {line!r} is not a valid requirement ({error}).") from None
        specifiers = list(requirement.specifier)
        if len(specifiers) != 1 or specifiers[0].operator != "==" or "*" in specifiers[0].version:
            raise ValueError(f"{source}: {line!r} is not an exact pin; write it as name==version.")
        name = canonicalize_name(requirement.name)
        if name in pins:
            raise ValueError(f"{source}: {requirement.name} is pinned twice; keep one line.")
        pins[name] = specifiers[0].version
    return pins


def read_pins(path=REQUIREMENTS):
    """Return {canonical name: version} for every package pinned in requirements.txt."""
    return parse_pins(read_requirement_lines(path), Path(path).name)


def read_pyproject(path=PYPROJECT):
    with Path(path).open("rb") as handle:
        return tomllib.load(handle)


def python_version(path=PYPROJECT):
    """Return the one minor Python version ("3.11") that `requires-python` allows.

    **Raises:** `ValueError` unless `requires-python` has the form ">=X.Y,<X.Z" with Z = Y + 1.
    """
    specifier = read_pyproject(path)["project"]["requires-python"]
    match = re.fullmatch(r">=\s*(\d+)\.(\d+)\s*,\s*<\s*(\d+)\.(\d+)", specifier.strip())
    if not match or match[1] != match[3] or int(match[4]) != int(match[2]) + 1:
        raise ValueError(
            f"pyproject.toml: requires-python = {specifier!r} must allow exactly one minor "
            "version, written as '>=3.11,<3.12'."
        )
    return f"{match[1]}.{match[2]}"


def repository_url(path=PYPROJECT):
    """Return the repository address from `[project.urls] Repository`, without a trailing slash.

    **Raises:** `ValueError` if the entry is missing or is not a github.com address, because
    the Binder and Colab links are built for GitHub.
    """
    url = read_pyproject(path).get("project", {}).get("urls", {}).get("Repository", "")
    if not re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+/?", url):
        raise ValueError(
            f"pyproject.toml: [project.urls] Repository = {url!r} must be a GitHub address "
            "such as https://github.com/OWNER/NAME."
        )
    return url.rstrip("/")
