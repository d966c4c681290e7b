"""Execute the collection's notebooks headless, two at a time.

By default the executed copies go to build/notebooks/ and the figures that the
notebooks save go to build/figures/, leaving notebooks/ untouched. Compiled JAX
programs are cached in build/jax-cache/, so repeated runs skip most compilation. With
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
from nbclient.exceptions import CellExecutionError, CellTimeoutError

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
BUILD_DIR = ROOT / "build"


def execute(path, destination, timeout):
    """Execute one notebook with notebooks/ as its working folder and write it to destination.

    Returns (path, seconds, error): error is None on success, else a one-line message
    naming the failed cell. The partly executed notebook is written either way, so its
    traceback can be read in destination.
    """
    notebook = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(NOTEBOOK_DIR)}},
    )
    error = None
    try:
        client.execute()
    except CellExecutionError as failure:
        error = f"a cell raised {failure.ename}: {failure.evalue}"
    except CellTimeoutError:
        error = f"a cell ran longer than {timeout} s"
    nbformat.write(notebook, destination)
    return path, time.perf_counter() - start, error


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks to run (default: all in notebooks/)")
    parser.add_argument("--in-place", action="store_true", help="overwrite the notebooks in notebooks/ with the executed ones")
    parser.add_argument("--jobs", type=int, default=2, help="notebooks executed at the same time (default 2)")
    parser.add_argument("--timeout", type=int, default=600, help="seconds allowed per cell (default 600)")
    args = parser.parse_args()

    paths = [path.resolve() for path in args.notebooks] or sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
    missing = [str(path) for path in paths if not path.is_file()]
    if missing:
        sys.exit(f"notebook not found: {', '.join(missing)}")
    if not paths:
        sys.exit(f"no notebooks found in {NOTEBOOK_DIR}")
    output_dir = NOTEBOOK_DIR if args.in_place else BUILD_DIR / "notebooks"
    figure_dir = BUILD_DIR / "figures"
    output_dir.mkdir(parents=True, exist_ok=True)
    os.environ["THRML_FIGURE_DIR"] = str(figure_dir)
    # JAX's persistent compilation cache lets a later run load the compiled samplers
    # from disk instead of compiling them again; the kernels inherit these variables.
    os.environ.setdefault("JAX_COMPILATION_CACHE_DIR", str(BUILD_DIR / "jax-cache"))
    os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")

    start = time.perf_counter()
    failures = []
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        jobs = [pool.submit(execute, path, output_dir / path.name, args.timeout) for path in paths]
        for job in jobs:
            path, seconds, error = job.result()
            if error is None:
                print(f"executed {path.name} in {seconds:.1f} s", flush=True)
            else:
                failures.append(path.name)
                print(f"FAILED {path.name} after {seconds:.1f} s: {error}", flush=True)
    count = f"{len(paths)} notebook" + ("s" if len(paths) != 1 else "")
    print(f"{count} run in {time.perf_counter() - start:.1f} s")
    print(f"executed notebooks: {output_dir}")
    print(f"figures:            {figure_dir}")
    if failures:
        sys.exit(f"{len(failures)} failed: {', '.join(failures)}; the traceback is in the executed copy in {output_dir}")


if __name__ == "__main__":
    main()
