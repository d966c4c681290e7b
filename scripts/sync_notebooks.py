"""Insert or refresh the generated cells of every notebook and the README launch links.

Every notebook in notebooks/ gets two generated code cells:

- the Colab cell, as its first code cell. On Colab it clones this repository, installs
  the pinned THRML stack and makes helpers/ and data/ importable and readable.
  Elsewhere it does nothing.
- the versions cell, right after the setup cell (the code cell that follows the Colab
  cell). It prints the Python and package versions of the run, so the committed
  outputs show what they were made with.

An older versions cell made only of print(...) lines, and a "## Versions" heading right
before it, are removed. The README's launch-link table, between its two marker
comments, gets a Binder and a Colab link for every notebook.

Running the script a second time changes nothing. With --check nothing is written, and
the exit status is 1 if a notebook or the README is out of date.
"""

import argparse
import re
import sys
from pathlib import Path
from urllib.parse import quote

import nbformat

from project_metadata import ROOT, read_pins, repository_url

NOTEBOOK_DIR = ROOT / "notebooks"
README = ROOT / "README.md"

# The branch that the launch links open and that the Colab cell clones.
BRANCH = "main"

# Installed on Colab at the versions of requirements.txt: THRML and the JAX stack it runs
# on. numpy, scipy and matplotlib stay at Colab's own versions, because replacing a
# package that is already imported needs a runtime restart, and Colab's other
# preinstalled packages were installed against its versions.
COLAB_PACKAGES = ("jax", "jaxlib", "thrml", "equinox", "jaxtyping", "wadler-lindig")

COLAB_MARKER = "# Colab only:"
COLAB_CELL_ID = "colab-install"
VERSIONS_CELL_ID = "print-versions"
VERSIONS_SOURCE = "from helpers import print_versions\n\nprint_versions()"

# An old-style versions cell: nothing but print(...) lines that print versions.
OLD_VERSIONS_LINE = re.compile(r"print\(.*version.*\)", re.IGNORECASE)
OLD_VERSIONS_HEADING = re.compile(r"#+\s*versions", re.IGNORECASE)

LINKS_START = "<!-- launch-links:start (written by `make sync` from pyproject.toml and notebooks/; do not edit) -->"
LINKS_END = "<!-- launch-links:end -->"
BINDER_BADGE = "https://mybinder.org/badge_logo.svg"
COLAB_BADGE = "https://colab.research.google.com/assets/colab-badge.svg"


def colab_requirements(pins):
    """Return the "name==version" strings that the Colab cell installs, from the pins.

    **Raises:** `ValueError` naming a package of COLAB_PACKAGES that requirements.txt does not pin.
    """
    missing = [name for name in COLAB_PACKAGES if name not in pins]
    if missing:
        raise ValueError(f"requirements.txt pins no version of {missing}, which the Colab cell installs.")
    return [f"{name}=={pins[name]}" for name in COLAB_PACKAGES]


def default_checkout(url):
    """Return the folder the Colab cell clones into: /content/NAME, Colab's working folder."""
    return f"/content/{url.rsplit('/', 1)[1]}"


def render_colab_cell(url, pins, checkout=None, branch=BRANCH):
    """Return the source of the Colab cell for repository `url` and the pinned versions.

    `checkout` is the folder to clone into, /content/NAME by default. The tests pass a
    temporary folder to run the cell's logic without touching /content.
    """
    checkout = checkout or default_checkout(url)
    requirement_lines = "".join(f'            "{requirement}",\n' for requirement in colab_requirements(pins))
    return (
        f"{COLAB_MARKER} clone this repository (helpers/ and data/) and install the pinned\n"
        "# THRML stack. Elsewhere this cell does nothing. Written by scripts/sync_notebooks.py.\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        "    import os\n"
        "    import subprocess\n"
        "\n"
        f'    REPOSITORY_URL = "{url}"\n'
        f'    COLAB_CHECKOUT = "{checkout}"\n'
        "    if not os.path.isdir(COLAB_CHECKOUT):\n"
        "        subprocess.run(\n"
        f'            ["git", "clone", "--depth", "1", "--branch", "{branch}", REPOSITORY_URL, COLAB_CHECKOUT],\n'
        "            check=True,\n"
        "        )\n"
        "    subprocess.run(\n"
        "        [\n"
        '            sys.executable, "-m", "pip", "install", "--quiet",\n'
        f"{requirement_lines}"
        "        ],\n"
        "        check=True,\n"
        "    )\n"
        "    # On sys.path instead of pip-installed: an editable install takes effect only after a\n"
        "    # runtime restart, and pip rejects the package on any Python but 3.11 (pyproject.toml).\n"
        "    if COLAB_CHECKOUT not in sys.path:\n"
        "        sys.path.insert(0, COLAB_CHECKOUT)\n"
        "    # The committed outputs were computed on a CPU.\n"
        '    os.environ.setdefault("JAX_PLATFORMS", "cpu")\n'
        '    os.chdir(os.path.join(COLAB_CHECKOUT, "notebooks"))'
    )


def is_colab_cell(cell):
    return cell.cell_type == "code" and cell.source.startswith(COLAB_MARKER)


def is_versions_cell(cell):
    return cell.cell_type == "code" and "print_versions(" in cell.source


def is_old_versions_cell(cell):
    lines = [line.strip() for line in cell.source.splitlines() if line.strip()]
    return (
        cell.cell_type == "code"
        and bool(lines)
        and not is_versions_cell(cell)
        and all(OLD_VERSIONS_LINE.fullmatch(line) for line in lines)
    )


def remove_versions_heading(cells):
    """Remove a "## Versions" heading that ends the last cell of `cells`, a markdown cell.

    The heading is either the whole cell, which is then dropped, or its last line.
    """
    lines = cells[-1].source.rstrip().splitlines()
    if not lines or not OLD_VERSIONS_HEADING.fullmatch(lines[-1].strip()):
        return
    remaining = "\n".join(lines[:-1]).rstrip()
    if remaining:
        cells[-1].source = remaining
    else:
        cells.pop()


def generated_cell(source, cell_id, previous):
    """Return the previous generated cell if its source is current, else a new cell.

    Keeping the previous cell keeps its outputs, so an unchanged notebook stays
    byte-identical. A changed source gets a cell without outputs, to be executed.
    """
    if previous is not None and previous.source == source:
        return previous
    return nbformat.v4.new_code_cell(source=source, id=cell_id)


def sync_cells(notebook, colab_source, name):
    """Put the Colab cell and the versions cell in place in `notebook`; return what changed.

    **Raises:** `ValueError` if the notebook has no code cell to serve as its setup cell.
    """
    changes = []
    colab_cells = [cell for cell in notebook.cells if is_colab_cell(cell)]
    versions_cells = [cell for cell in notebook.cells if is_versions_cell(cell)]
    cells = [cell for cell in notebook.cells if not (is_colab_cell(cell) or is_versions_cell(cell))]

    new_cells = []
    for cell in cells:
        if is_old_versions_cell(cell):
            if new_cells and new_cells[-1].cell_type == "markdown":
                remove_versions_heading(new_cells)
            changes.append(f"{name}: removed the old versions cell; its imports may now be unused.")
            continue
        new_cells.append(cell)

    code_indices = [index for index, cell in enumerate(new_cells) if cell.cell_type == "code"]
    if not code_indices:
        raise ValueError(f"{name} has no code cell; add the setup cell (imports, SEED) first.")
    setup_index = code_indices[0]
    colab_cell = generated_cell(colab_source, COLAB_CELL_ID, colab_cells[0] if colab_cells else None)
    versions_cell = generated_cell(VERSIONS_SOURCE, VERSIONS_CELL_ID, versions_cells[0] if versions_cells else None)
    new_cells[setup_index + 1 : setup_index + 1] = [versions_cell]
    new_cells[setup_index:setup_index] = [colab_cell]

    if len(colab_cells) != 1 or colab_cell is not colab_cells[0]:
        changes.append(f"{name}: wrote the Colab cell.")
    if len(versions_cells) != 1 or versions_cell is not versions_cells[0]:
        changes.append(f"{name}: wrote the versions cell.")
    notebook.cells = new_cells
    return changes


def notebook_paths(folder=NOTEBOOK_DIR):
    return sorted(Path(folder).glob("[0-9][0-9]_*.ipynb"))


def render_launch_links(url, names, branch=BRANCH):
    """Return the README block: one Binder link for the collection and a table of per-notebook links."""
    github_path = url.removeprefix("https://github.com/")
    binder_base = f"https://mybinder.org/v2/gh/{github_path}/{branch}"
    lines = [
        LINKS_START,
        f"All notebooks in JupyterLab on Binder: [![Launch on Binder]({BINDER_BADGE})]({binder_base}?urlpath=lab/tree/notebooks)",
        "",
        "| notebook | Binder | Colab |",
        "| --- | --- | --- |",
    ]
    for name in names:
        path = quote(f"notebooks/{name}.ipynb")
        binder = f"[![Launch on Binder]({BINDER_BADGE})]({binder_base}?urlpath=lab/tree/{path})"
        colab = f"[![Open in Colab]({COLAB_BADGE})](https://colab.research.google.com/github/{github_path}/blob/{branch}/{path})"
        lines.append(f"| `{name}` | {binder} | {colab} |")
    lines.append(LINKS_END)
    return "\n".join(lines)


def replace_launch_links(readme_text, block):
    """Return readme_text with the text between the two launch-link markers replaced by block.

    **Raises:** `ValueError` if the markers are missing, repeated or out of order.
    """
    start = readme_text.find(LINKS_START)
    end = readme_text.find(LINKS_END)
    if (
        start < 0
        or end < start
        or readme_text.count(LINKS_START) != 1
        or readme_text.count(LINKS_END) != 1
    ):
        raise ValueError(
            f"README.md must contain the line {LINKS_START!r} and, after it, the line {LINKS_END!r}, once each."
        )
    return readme_text[:start] + block + readme_text[end + len(LINKS_END) :]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks to sync (default: all in notebooks/)")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a file is out of date")
    args = parser.parse_args()

    url = repository_url()
    colab_source = render_colab_cell(url, read_pins())
    paths = [path.resolve() for path in args.notebooks] or notebook_paths()
    if not paths:
        sys.exit(f"no notebooks found in {NOTEBOOK_DIR}")

    stale = []
    for path in paths:
        text = path.read_text(encoding="utf-8")
        notebook = nbformat.reads(text, as_version=4)
        changes = sync_cells(notebook, colab_source, path.name)
        new_text = nbformat.writes(notebook) + "\n"
        if new_text == text:
            continue
        stale.append(path)
        if args.check:
            print(f"{path.name} is out of date; run `make sync`.")
        else:
            path.write_text(new_text, encoding="utf-8")
            for change in changes or [f"{path.name}: updated the cell order or the file layout."]:
                print(change)

    readme_text = README.read_text(encoding="utf-8")
    new_readme = replace_launch_links(readme_text, render_launch_links(url, [path.stem for path in notebook_paths()]))
    if new_readme != readme_text:
        stale.append(README)
        if args.check:
            print("README.md launch links are out of date; run `make sync`.")
        else:
            README.write_text(new_readme, encoding="utf-8")
            print("wrote the launch links in README.md")

    if args.check and stale:
        sys.exit(1)


if __name__ == "__main__":
    main()
