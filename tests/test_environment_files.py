"""environment.yml, binder/ and the installed packages against the pins in requirements.txt."""

import importlib.metadata
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from project_metadata import parse_pins, python_version, read_pins  # noqa: E402
from sync_environment import ENVIRONMENT_FILES, render_environment  # noqa: E402

PINS = read_pins()


def read_as_conda(path):
    """Read an environment file as `conda env create` does.

    Returns (channels, conda specs, pip requirement lines). Conda installs the string
    entries of `dependencies` and hands the lines under `pip:` to pip unchanged.
    """
    environment = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    dependencies = environment["dependencies"]
    conda_specs = [entry for entry in dependencies if isinstance(entry, str)]
    pip_sections = [entry["pip"] for entry in dependencies if isinstance(entry, dict)]
    assert len(pip_sections) == 1, f"{path}: expected one pip section, found {len(pip_sections)}"
    return environment["channels"], conda_specs, pip_sections[0]


def pin_differences(expected, actual):
    """List how the pins `actual` differ from `expected`, one readable line per package."""
    lines = []
    for name in sorted(expected.keys() | actual.keys()):
        if name not in actual:
            lines.append(f"{name}: missing, expected {expected[name]}")
        elif name not in expected:
            lines.append(f"{name}: {actual[name]} is not in requirements.txt")
        elif expected[name] != actual[name]:
            lines.append(f"{name}: {actual[name]}, expected {expected[name]}")
    return lines


def test_pin_differences_reports_each_kind():
    expected = {"jax": "0.10.2", "thrml": "0.1.4"}
    actual = {"jax": "0.10.1", "numpy": "2.4.6"}
    assert pin_differences(expected, actual) == [
        "jax: 0.10.1, expected 0.10.2",
        "numpy: 2.4.6 is not in requirements.txt",
        "thrml: missing, expected 0.1.4",
    ]
    assert pin_differences(expected, dict(expected)) == []


@pytest.mark.parametrize("path", ENVIRONMENT_FILES, ids=lambda path: str(path.relative_to(ROOT)))
def test_environment_file_matches_pins(path):
    channels, conda_specs, pip_lines = read_as_conda(path)
    assert channels == ["conda-forge", "nodefaults"]
    assert conda_specs == [f"python={python_version()}", "pip"]
    assert pin_differences(PINS, parse_pins(pip_lines, path.name)) == []


@pytest.mark.parametrize("path", ENVIRONMENT_FILES, ids=lambda path: str(path.relative_to(ROOT)))
def test_environment_file_is_up_to_date(path):
    assert path.read_text(encoding="utf-8") == render_environment(), "run `make sync`"


def test_environment_python_is_the_tested_one():
    assert python_version() == f"{sys.version_info.major}.{sys.version_info.minor}"


def test_parse_pins_rejects_loose_versions():
    with pytest.raises(ValueError, match="not an exact pin"):
        parse_pins(["jax>=0.10"], "environment.yml")
    with pytest.raises(ValueError, match="pinned twice"):
        parse_pins(["jax==0.10.2", "JAX==0.10.2"], "environment.yml")


def test_installed_packages_match_pins():
    installed = {name: importlib.metadata.version(name) for name in PINS}
    assert pin_differences(PINS, installed) == []


def unmet_requirements(pins):
    """List each requirement of a pinned package that the pins do not meet.

    Reads the requirements from the installed metadata, which
    test_installed_packages_match_pins checks is that of the pinned versions.
    Requirements behind an extra or a marker that is false here are skipped.
    """
    unmet = []
    for name in sorted(pins):
        for line in importlib.metadata.requires(name) or []:
            requirement = Requirement(line)
            if requirement.marker and not requirement.marker.evaluate({"extra": ""}):
                continue
            required = canonicalize_name(requirement.name)
            if required not in pins:
                unmet.append(f"{name} requires {requirement}, which requirements.txt does not pin")
            elif not requirement.specifier.contains(pins[required], prereleases=True):
                unmet.append(f"{name} requires {requirement}, but requirements.txt pins {pins[required]}")
    return unmet


def test_pins_meet_every_requirement():
    # A fresh `pip install -r requirements.txt`, or conda's pip section, then installs
    # exactly the pinned versions and nothing else.
    assert unmet_requirements(PINS) == []


def test_pins_include_jupyterlab_widget_support():
    # JupyterLab renders ipywidgets through jupyterlab_widgets, and the classic notebook
    # through widgetsnbextension. ipywidgets' metadata names the versions that match it.
    requirements = {canonicalize_name(Requirement(line).name): Requirement(line) for line in importlib.metadata.requires("ipywidgets")}
    for name in ("jupyterlab-widgets", "widgetsnbextension"):
        assert name in PINS
        assert requirements[name].specifier.contains(PINS[name])


def test_binder_post_build_installs_helpers():
    post_build = ROOT / "binder" / "postBuild"
    assert os.access(post_build, os.X_OK)
    lines = post_build.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "#!/bin/bash"
    assert "pip install --no-deps -e ." in lines


def test_binder_folder_holds_only_known_files():
    # Other files in binder/ (apt.txt, runtime.txt, start) can change what repo2docker
    # builds, so adding one should come with a change to this test.
    assert sorted(path.name for path in (ROOT / "binder").iterdir()) == ["environment.yml", "postBuild"]


def render_binder_dockerfile():
    """Return the output of `repo2docker --no-build --debug` on this repository.

    With --no-build repo2docker only renders the Dockerfile, so no container engine is needed.
    """
    result = subprocess.run(
        [sys.executable, "-m", "repo2docker", "--no-build", "--debug", str(ROOT)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


def test_repo2docker_builds_from_binder_folder():
    dockerfile = render_binder_dockerfile()
    assert f"Building conda environment for python={python_version()}" in dockerfile
    assert "COPY --chown=0:0 src/binder/environment.yml ${REPO_DIR}/binder/environment.yml" in dockerfile
    assert '--file "binder/environment.yml"' in dockerfile
    assert "RUN ./binder/postBuild" in dockerfile


@pytest.mark.filterwarnings("ignore:pythonjsonlogger.jsonlogger has been moved:DeprecationWarning")
def test_repo2docker_reads_the_pinned_packages(monkeypatch):
    from repo2docker.buildpacks import CondaBuildPack

    monkeypatch.chdir(ROOT)
    pack = CondaBuildPack(base_image="docker.io/library/buildpack-deps:24.04")
    assert pack.detect()
    assert pack.environment_yaml_path == "binder/environment.yml"
    assert pack.python_version == python_version()
    pip_lines = [entry["pip"] for entry in pack.environment_yaml["dependencies"] if isinstance(entry, dict)][0]
    assert pin_differences(PINS, parse_pins(list(pip_lines), "binder/environment.yml")) == []


# Jupyter packages of repo2docker's base environment whose requirements tie them to the
# JupyterLab version. Pinning each makes pip replace it in the Binder image, so that no
# base-image copy is left requiring another JupyterLab.
BINDER_BASE_FRONTENDS = (
    "ipykernel",
    "ipywidgets",
    "jupyter-server",
    "jupyterlab",
    "jupyterlab-server",
    "jupyterlab-widgets",
    "notebook",
    "widgetsnbextension",
)


def test_binder_base_frontends_are_pinned():
    import repo2docker.buildpacks.conda

    lock = Path(repo2docker.buildpacks.conda.__file__).parent / f"environment.py-{python_version()}-linux-64.lock"
    lock_text = lock.read_text(encoding="utf-8")
    for name in BINDER_BASE_FRONTENDS:
        conda_name = name.replace("-", "[-_]")
        assert re.search(rf"/{conda_name}-\d", lock_text), f"{name} is no longer in repo2docker's base environment"
        assert name in PINS, f"{name} is in repo2docker's base environment but not pinned"


def test_sync_environment_check_passes():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "sync_environment.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
