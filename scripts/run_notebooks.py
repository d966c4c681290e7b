"""Execute the collection's notebooks headless, two at a time.

By default the executed copies go to build/notebooks/ and the figures that the
notebooks save go to build/figures/, leaving notebooks/ untouched. With
--in-place the executed outputs replace those in notebooks/, which is how the
committed outputs are refreshed after a change to helpers/.
"""

import argparse
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
BUILD_DIR = ROOT / "build"


def execute(path, destination, timeout):
    """Execute one notebook with notebooks/ as its working folder; return (path, seconds)."""
    notebook = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(NOTEBOOK_DIR)}},
    )
    client.execute()
    nbformat.write(notebook, destination)
    return path, time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks to run (default: all in notebooks/)")
    parser.add_argument("--in-place", action="store_true", help="overwrite the notebooks in notebooks/ with the executed ones")
    parser.add_argument("--jobs", type=int, default=2, help="notebooks executed at the same time (default 2)")
    parser.add_argument("--timeout", type=int, default=600, help="seconds allowed per cell (default 600)")
    args = parser.parse_args()

    paths = [path.resolve() for path in args.notebooks] or sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
    if not paths:
        sys.exit(f"no notebooks found in {NOTEBOOK_DIR}")
    output_dir = NOTEBOOK_DIR if args.in_place else BUILD_DIR / "notebooks"
    figure_dir = BUILD_DIR / "figures"
    output_dir.mkdir(parents=True, exist_ok=True)
    os.environ["THRML_FIGURE_DIR"] = str(figure_dir)

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        jobs = [pool.submit(execute, path, output_dir / path.name, args.timeout) for path in paths]
        for job in jobs:
            path, seconds = job.result()
            print(f"executed {path.name} in {seconds:.1f} s", flush=True)
    print(f"all {len(paths)} notebooks executed in {time.perf_counter() - start:.1f} s")
    print(f"executed notebooks: {output_dir}")
    print(f"figures:            {figure_dir}")


if __name__ == "__main__":
    main()
