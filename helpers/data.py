"""Load and validate tables of measured conditions from CSV files."""

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# The data/ folder of a checkout of this repository (helpers/ sits beside it).
DATA_DIR = Path(__file__).resolve().parent.parent / "data"

REQUIRED_COLUMNS = ("name", "c", "theta")
OPTIONAL_COLUMNS = ("n_observed",)


@dataclass(frozen=True)
class ConditionTable:
    """Measured equilibrium fractions, one row per condition.

    **Fields:**

    - `names`: condition names, unique.
    - `c`: constraint strength per row, float64, shape (n,).
    - `theta`: measured fraction of +1 spins per row, in [0, 1], shape (n,).
    - `n_observed`: spins observed per row (whole numbers >= 1), or None when the
      file has no `n_observed` column.
    """

    names: tuple
    c: np.ndarray
    theta: np.ndarray
    n_observed: np.ndarray | None = None

    def __len__(self):
        return len(self.names)

    @property
    def n_plus(self):
        """Spins observed at +1 per row, theta * n_observed rounded to whole numbers."""
        if self.n_observed is None:
            raise ValueError("this table has no n_observed column, so it holds no counts.")
        return np.round(self.theta * self.n_observed)


def _parse_number(text, column, row_number, path):
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise ValueError(
            f"{path}, row {row_number}: column '{column}' must be a number, got {text!r}."
        ) from None
    if not math.isfinite(value):
        raise ValueError(f"{path}, row {row_number}: column '{column}' must be finite, got {text!r}.")
    return value


def load_conditions(path):
    """Load a condition table from a CSV file and validate every row.

    Expected header: `name,c,theta` and optionally `n_observed` (spins observed per
    condition). Row numbers in errors count the header as row 1, as a spreadsheet does.

    **Raises:** `ValueError` naming the row and the value for an empty table, a missing
    column, a missing or non-numeric value, theta outside [0, 1], a duplicate name,
    an n_observed that is not a whole number >= 1, or theta * n_observed that is not
    a whole number of spins. `FileNotFoundError` if the file does not exist.
    """
    path = Path(path)
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        header = [name.strip() for name in (reader.fieldnames or [])]
        missing = [column for column in REQUIRED_COLUMNS if column not in header]
        if missing:
            raise ValueError(
                f"{path}: missing column(s) {missing}; the header must be "
                f"{','.join(REQUIRED_COLUMNS)} with optional {','.join(OPTIONAL_COLUMNS)}, got {header}."
            )
        reader.fieldnames = header
        has_counts = "n_observed" in header
        names, c_values, thetas, counts = [], [], [], []
        for row_number, row in enumerate(reader, start=2):
            for column in header:
                if row.get(column) is None or row[column].strip() == "":
                    raise ValueError(f"{path}, row {row_number}: column '{column}' is missing a value.")
            name = row["name"].strip()
            if name in names:
                raise ValueError(f"{path}, row {row_number}: duplicate name {name!r}; names must be unique.")
            c = _parse_number(row["c"], "c", row_number, path)
            theta = _parse_number(row["theta"], "theta", row_number, path)
            if not 0.0 <= theta <= 1.0:
                raise ValueError(
                    f"{path}, row {row_number}: theta={theta} is outside [0, 1]; "
                    "theta is a fraction of +1 spins."
                )
            if has_counts:
                n = _parse_number(row["n_observed"], "n_observed", row_number, path)
                if n < 1 or n != round(n):
                    raise ValueError(
                        f"{path}, row {row_number}: n_observed={row['n_observed'].strip()} must be a whole number >= 1."
                    )
                if abs(theta * n - round(theta * n)) > 1e-6:
                    raise ValueError(
                        f"{path}, row {row_number}: theta * n_observed = {theta * n:g} is not a whole number "
                        "of spins; check theta or n_observed."
                    )
                counts.append(n)
            names.append(name)
            c_values.append(c)
            thetas.append(theta)
    if not names:
        raise ValueError(f"{path}: the table has a header but no rows; add at least one condition.")
    return ConditionTable(
        names=tuple(names),
        c=np.array(c_values),
        theta=np.array(thetas),
        n_observed=np.array(counts) if has_counts else None,
    )


def load_reference_targets():
    """Return (training, held_out) condition tables of the collection, from data/.

    Training: A (c = 0, theta = 0.80), B (c = 0.5, theta = 0.26), C (c = 1, theta = 0.00).
    Held out: V1 (c = 0.25, theta = 0.55), V2 (c = 0.75, theta = 0.10).
    Each row counts 100 observed spins.
    """
    return (
        load_conditions(DATA_DIR / "training_targets.csv"),
        load_conditions(DATA_DIR / "held_out_targets.csv"),
    )
