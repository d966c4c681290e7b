"""Report the Python and package versions that a notebook runs with."""

import importlib.metadata
import platform

# Distributions whose versions decide the notebooks' outputs or how they render.
REPORTED_PACKAGES = ("jax", "jaxlib", "thrml", "numpy", "scipy", "matplotlib", "ipywidgets")


def package_versions():
    """Return {"Python": version, package: version} for REPORTED_PACKAGES.

    Package versions are those of the installed distributions, as pinned in
    requirements.txt. A package that is not installed maps to "not installed".
    """
    versions = {"Python": platform.python_version()}
    for name in REPORTED_PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def print_versions():
    """Print the Python version on one line, then one line per package, names aligned."""
    versions = package_versions()
    print(f"Python {versions.pop('Python')}")
    width = max(len(name) for name in versions)
    for name, version in versions.items():
        print(f"  {name:<{width}} {version}")
