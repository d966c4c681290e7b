"""Small plotting helpers shared by the notebooks."""

import os
from pathlib import Path

FIGURE_DIR_VARIABLE = "THRML_FIGURE_DIR"


def save_figure(fig, name):
    """Save fig as NAME.png in the folder named by $THRML_FIGURE_DIR and return the path.

    `make run` sets that variable. When it is unset (JupyterLab, the tests) nothing is
    written and None is returned, so the notebooks leave no files behind.
    """
    folder = os.environ.get(FIGURE_DIR_VARIABLE)
    if not folder:
        return None
    path = Path(folder) / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    return path


def plot_with_band(ax, x, mean, standard_error, *, n_se=2.0, label, color=None):
    """Draw mean against x with a shaded band of +-n_se standard errors; return the line."""
    (line,) = ax.plot(x, mean, color=color, label=f"{label} (band: ±{n_se:g} SE)")
    ax.fill_between(x, mean - n_se * standard_error, mean + n_se * standard_error, color=line.get_color(), alpha=0.25)
    return line
