"""The generated Colab and versions cells, scripts/sync_notebooks.py and the README launch links."""

import json
import os
import shutil
import subprocess
import sys
import textwrap
import types
from pathlib import Path
from unittest import mock

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import sync_notebooks  # noqa: E402
from project_metadata import read_pins, repository_url  # noqa: E402
from sync_notebooks import (  # noqa: E402
    COLAB_PACKAGES,
    VERSIONS_SOURCE,
    colab_requirements,
    notebook_paths,
    render_colab_cell,
    render_launch_links,
    replace_launch_links,
    sync_cells,
)

URL = repository_url()
PINS = read_pins()
COLAB_SOURCE = render_colab_cell(URL, PINS)
NOTEBOOKS = notebook_paths()


def code_cells(path):
    notebook = nbformat.read(path, as_version=4)
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_first_code_cell_is_colab_template(path):
    assert code_cells(path)[0].source == COLAB_SOURCE, "run `make sync`"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_versions_cell_follows_setup_cell(path):
    cells = code_cells(path)
    assert cells[2].source == VERSIONS_SOURCE, "run `make sync`"
    assert [cell.source for cell in cells].count(VERSIONS_SOURCE) == 1


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_versions_cell_output_is_committed(path):
    # Written by the run, never by hand: the cell must have been executed.
    outputs = code_cells(path)[2].outputs
    assert outputs, "run `make execute`"
    assert outputs[0]["text"].startswith("Python 3.")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_has_no_old_versions_cell(path):
    assert not any(sync_notebooks.is_old_versions_cell(cell) for cell in code_cells(path))


def test_colab_cell_pins_match_requirements():
    requirements = colab_requirements(PINS)
    assert [requirement.split("==")[0] for requirement in requirements] == list(COLAB_PACKAGES)
    for requirement in requirements:
        name, version = requirement.split("==")
        assert PINS[name] == version
        assert f'"{requirement}",' in COLAB_SOURCE


def test_colab_requirements_need_every_pin():
    pins = dict(PINS)
    del pins["thrml"]
    with pytest.raises(ValueError, match="thrml"):
        colab_requirements(pins)


class CommandRecorder:
    """A stand-in for subprocess.run and os.chdir that records what the Colab cell calls."""

    def __init__(self):
        self.commands = []
        self.directories = []

    def run(self, command, check):
        assert check is True
        self.commands.append(command)
        return subprocess.CompletedProcess(command, 0)

    def chdir(self, path):
        self.directories.append(path)


@pytest.fixture
def recorder(monkeypatch):
    recorder = CommandRecorder()
    monkeypatch.setattr(subprocess, "run", recorder.run)
    monkeypatch.setattr(os, "chdir", recorder.chdir)
    monkeypatch.setattr(sys, "path", list(sys.path))
    with mock.patch.dict(os.environ):
        os.environ.pop("JAX_PLATFORMS", None)
        yield recorder


@pytest.fixture
def on_colab(monkeypatch):
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))


def run_cell(source):
    namespace = {}
    exec(compile(source, "<colab cell>", "exec"), namespace)
    return namespace


def test_colab_cell_does_nothing_elsewhere(recorder, monkeypatch):
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    path_before = list(sys.path)
    namespace = run_cell(code_cells(NOTEBOOKS[0])[0].source)
    assert recorder.commands == []
    assert recorder.directories == []
    assert sys.path == path_before
    assert "JAX_PLATFORMS" not in os.environ
    assert set(namespace) == {"__builtins__", "sys"}


def test_colab_cell_commands_on_colab(recorder, on_colab):
    checkout = f"/content/{URL.rsplit('/', 1)[1]}"
    run_cell(code_cells(NOTEBOOKS[0])[0].source)

    clone, install = recorder.commands
    assert clone == ["git", "clone", "--depth", "1", "--branch", "main", URL, checkout]
    assert install[:5] == [sys.executable, "-m", "pip", "install", "--quiet"]
    assert install[5:] == [f"{name}=={PINS[name]}" for name in COLAB_PACKAGES]
    assert recorder.directories == [f"{checkout}/notebooks"]
    assert sys.path[0] == checkout
    assert os.environ["JAX_PLATFORMS"] == "cpu"


def test_colab_cell_rerun_reuses_checkout(recorder, on_colab, tmp_path):
    source = render_colab_cell(URL, PINS, checkout=str(tmp_path))
    run_cell(source)
    run_cell(source)
    assert [command[0] for command in recorder.commands] == [sys.executable, sys.executable]
    assert sys.path.count(str(tmp_path)) == 1
    assert recorder.directories == [str(tmp_path / "notebooks")] * 2


def test_colab_cell_keeps_chosen_jax_platform(recorder, on_colab, tmp_path):
    os.environ["JAX_PLATFORMS"] = "gpu"
    run_cell(render_colab_cell(URL, PINS, checkout=str(tmp_path)))
    assert os.environ["JAX_PLATFORMS"] == "gpu"


# Runs the Colab cell in a fresh interpreter with Colab faked. `git clone` is replaced by
# a copy of this checkout's helpers/ and data/, and pip by a no-op, so the test needs
# no network. Then it loads the targets the way the notebooks do.
COLAB_SESSION = textwrap.dedent(
    """
    import json, os, shutil, subprocess, sys, types

    source_root, cell_file = sys.argv[1], sys.argv[2]
    sys.modules["google.colab"] = types.ModuleType("google.colab")

    def fake_run(command, check):
        if command[:2] == ["git", "clone"]:
            destination = command[-1]
            for folder in ("helpers", "data"):
                shutil.copytree(
                    os.path.join(source_root, folder),
                    os.path.join(destination, folder),
                    ignore=shutil.ignore_patterns("__pycache__"),
                )
            os.makedirs(os.path.join(destination, "notebooks"))
        return subprocess.CompletedProcess(command, 0)

    subprocess.run = fake_run
    with open(cell_file, encoding="utf-8") as handle:
        exec(handle.read())
    # jax imports google.colab.output when google.colab is loaded, and the fake has none.
    del sys.modules["google.colab"]

    import helpers

    training, held_out = helpers.load_reference_targets()
    print(json.dumps({
        "helpers": helpers.__file__,
        "data_dir": str(helpers.DATA_DIR),
        "cwd": os.getcwd(),
        "names": list(training.names + held_out.names),
    }))
    """
)


def test_colab_cell_makes_data_loadable(tmp_path):
    checkout = tmp_path / "checkout"
    cell_file = tmp_path / "colab_cell.py"
    cell_file.write_text(render_colab_cell(URL, PINS, checkout=str(checkout)), encoding="utf-8")
    environment = {name: value for name, value in os.environ.items() if name != "JAX_PLATFORMS"}
    result = subprocess.run(
        [sys.executable, "-c", COLAB_SESSION, str(ROOT), str(cell_file)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=environment,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    session = json.loads(result.stdout.splitlines()[-1])
    assert session["helpers"] == str(checkout / "helpers" / "__init__.py")
    assert session["data_dir"] == str(checkout / "data")
    assert session["cwd"] == str(checkout / "notebooks")
    assert session["names"] == ["A", "B", "C", "V1", "V2"]


def new_notebook(*cells):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell(source, id=f"cell-{index}")
        if kind == "markdown"
        else nbformat.v4.new_code_cell(source, id=f"cell-{index}")
        for index, (kind, source) in enumerate(cells)
    ]
    return notebook


def test_sync_inserts_cells_into_new_notebook():
    notebook = new_notebook(
        ("markdown", "# 09 · Title"),
        ("code", "import helpers\n\nSEED = 9"),
        ("markdown", "## Step"),
        ("code", "x = 1"),
        ("markdown", "## Summary\n\nText.\n\n## Versions"),
        ("code", 'print(f"Python {platform.python_version()}")\nprint(f"jax    {jax.__version__}")'),
    )
    changes = sync_cells(notebook, COLAB_SOURCE, "09_new.ipynb")
    sources = [cell.source for cell in notebook.cells]
    assert sources == [
        "# 09 · Title",
        COLAB_SOURCE,
        "import helpers\n\nSEED = 9",
        VERSIONS_SOURCE,
        "## Step",
        "x = 1",
        "## Summary\n\nText.",
    ]
    assert len(changes) == 3


def test_sync_removes_versions_heading_cell():
    notebook = new_notebook(
        ("code", "import helpers"),
        ("markdown", "## Versions"),
        ("code", 'print("numpy ", np.__version__)'),
    )
    sync_cells(notebook, COLAB_SOURCE, "09_new.ipynb")
    assert [cell.source for cell in notebook.cells] == [COLAB_SOURCE, "import helpers", VERSIONS_SOURCE]


def test_sync_keeps_other_print_cells():
    notebook = new_notebook(("code", "import helpers"), ("code", 'print("theta", theta)'))
    sync_cells(notebook, COLAB_SOURCE, "09_new.ipynb")
    assert notebook.cells[-1].source == 'print("theta", theta)'


def test_sync_is_idempotent():
    notebook = new_notebook(("markdown", "# Title"), ("code", "import helpers"), ("code", "x = 1"))
    sync_cells(notebook, COLAB_SOURCE, "09_new.ipynb")
    first = nbformat.writes(notebook)
    assert sync_cells(notebook, COLAB_SOURCE, "09_new.ipynb") == []
    assert nbformat.writes(notebook) == first


def test_sync_refreshes_outdated_colab_cell():
    notebook = new_notebook(("code", "import helpers"))
    sync_cells(notebook, COLAB_SOURCE.replace("thrml==", "thrml==0.0.1-old-"), "09_new.ipynb")
    notebook.cells[0].outputs = [nbformat.v4.new_output("stream", text="pip log\n")]
    notebook.cells[2].outputs = [nbformat.v4.new_output("stream", text="Python 3.11.7\n")]

    changes = sync_cells(notebook, COLAB_SOURCE, "09_new.ipynb")
    assert changes == ["09_new.ipynb: wrote the Colab cell."]
    assert notebook.cells[0].source == COLAB_SOURCE
    assert notebook.cells[0].outputs == []
    assert notebook.cells[2].outputs[0]["text"] == "Python 3.11.7\n"


def test_sync_rejects_notebook_without_code():
    with pytest.raises(ValueError, match="has no code cell"):
        sync_cells(new_notebook(("markdown", "# Title")), COLAB_SOURCE, "09_new.ipynb")


def test_readme_launch_links_are_up_to_date():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = render_launch_links(URL, [path.stem for path in NOTEBOOKS])
    assert replace_launch_links(readme, block) == readme, "run `make sync`"


def test_launch_links_open_each_notebook():
    block = render_launch_links(URL, ["01_problem_setup"])
    github_path = URL.removeprefix("https://github.com/")
    assert (
        f"https://mybinder.org/v2/gh/{github_path}/main?urlpath=lab/tree/notebooks/01_problem_setup.ipynb" in block
    )
    assert f"https://colab.research.google.com/github/{github_path}/blob/main/notebooks/01_problem_setup.ipynb" in block


def test_replace_launch_links_needs_markers():
    with pytest.raises(ValueError, match="launch-links:start"):
        replace_launch_links("# README without markers\n", "block")


def test_sync_notebooks_check_passes():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "sync_notebooks.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
