import configparser
import platform
import re
from pathlib import Path

from helpers import print_versions
from helpers.versions import REPORTED_PACKAGES, package_versions

ROOT = Path(__file__).resolve().parent.parent


def test_package_versions_lists_python_first():
    versions = package_versions()
    assert list(versions) == ["Python", *REPORTED_PACKAGES]
    assert versions["Python"] == platform.python_version()


def test_package_versions_match_pins():
    pins = {}
    for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==")
            pins[name.strip().lower()] = version.strip()
    versions = package_versions()
    for name in REPORTED_PACKAGES:
        assert versions[name] == pins[name], name


def test_print_versions_layout(capsys):
    print_versions()
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"Python {platform.python_version()}"
    assert [line.split()[0] for line in lines[1:]] == list(REPORTED_PACKAGES)
    assert len({line.rindex(" ") for line in lines[1:]}) == 1, "versions are not aligned"


def test_sanitizer_masks_python_patch_version(capsys):
    # nbval compares the versions cell's output after this mask, so a Python 3.11
    # patch release other than the committed one still passes.
    config = configparser.ConfigParser()
    config.read(ROOT / "tests" / "nbval_sanitize.cfg")
    section = config["python_patch_version"]
    print_versions()
    first_line = capsys.readouterr().out.splitlines()[0]
    assert re.sub(section["regex"], section["replace"], first_line) == "Python 3.11.X"
