"""Load and validate tables of measured conditions from CSV files."""

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# The data/ folder of a checkout of this repository (helpers/ sits beside it).
DATA_DIR = Path(__file__).resolve().parent.parent / "data"

# The two accepted headers, beyond any extra columns, which are ignored:
# fractions `name,c,theta` with an optional `n_observed`, or counts `name,c,n_plus,n_total`.
REQUIRED_COLUMNS = ("name", "c", "theta")
OPTIONAL_COLUMNS = ("n_observed",)
COUNT_COLUMNS = ("name", "c", "n_plus", "n_total")


@dataclass(frozen=True)
class ConditionTable:
    """Measured equilibrium fractions, one row per condition.

    **Fields:**

    - `names`: condition names, unique.
    - `c`: constraint strength per row, float64, shape (n,).
    - `theta`: measured fraction of +1 spins per row, in [0, 1], shape (n,).
    - `n_observed`: spins observed per row (whole numbers >= 1), or None when the
      file has no counts. A file in the counts form fills it from `n_total`.
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
            raise ValueError(
                "this table contains fractions without counts, so n_plus is unknown; add an n_observed "
                "column (spins observed per row) or use the name,c,n_plus,n_total form."
            )
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


def _parse_count(text, column, row_number, path, minimum):
    value = _parse_number(text, column, row_number, path)
    if value < minimum or value != round(value):
        raise ValueError(
            f"{path}, row {row_number}: {column}={text.strip()} must be a whole number >= {minimum}."
        )
    return value


def _check_header(header, path):
    """Return True for the counts form and False for the fractions form, or raise ValueError."""
    accepted = (
        f"the header must be {','.join(REQUIRED_COLUMNS)} with optional {','.join(OPTIONAL_COLUMNS)}, "
        f"or {','.join(COUNT_COLUMNS)}"
    )
    fraction_columns = [column for column in ("theta", *OPTIONAL_COLUMNS) if column in header]
    count_columns = [column for column in ("n_plus", "n_total") if column in header]
    if fraction_columns and count_columns:
        raise ValueError(
            f"{path}: columns {fraction_columns} and {count_columns} give theta twice; "
            f"keep one form: {accepted}, got {header}."
        )
    expected = COUNT_COLUMNS if count_columns else REQUIRED_COLUMNS
    missing = [column for column in expected if column not in header]
    if missing:
        raise ValueError(f"{path}: missing column(s) {missing}; {accepted}, got {header}.")
    return bool(count_columns)


def _parse_fraction_row(row, row_number, path, has_counts):
    """Return (theta, n_observed or None) from a row of the fractions form."""
    theta = _parse_number(row["theta"], "theta", row_number, path)
    if not 0.0 <= theta <= 1.0:
        raise ValueError(
            f"{path}, row {row_number}: theta={theta} is outside [0, 1]; "
            "theta is a fraction of +1 spins."
        )
    if not has_counts:
        return theta, None
    n = _parse_count(row["n_observed"], "n_observed", row_number, path, minimum=1)
    if abs(theta * n - round(theta * n)) > 1e-6:
        raise ValueError(
            f"{path}, row {row_number}: theta * n_observed = {theta * n:g} is not a whole number "
            "of spins; check theta or n_observed."
        )
    return theta, n


def _parse_count_row(row, row_number, path):
    """Return (theta, n_total) from a row of the counts form."""
    n_plus = _parse_count(row["n_plus"], "n_plus", row_number, path, minimum=0)
    n_total = _parse_count(row["n_total"], "n_total", row_number, path, minimum=1)
    if n_plus > n_total:
        raise ValueError(
            f"{path}, row {row_number}: n_plus={row['n_plus'].strip()} exceeds "
            f"n_total={row['n_total'].strip()}; n_plus counts the +1 units among the n_total observed."
        )
    return n_plus / n_total, n_total


def load_conditions(path):
    """Load a condition table from a CSV file and validate every row.

    Two forms of header are accepted:

    - fractions: `name,c,theta`, optionally with `n_observed` (spins observed per row);
    - counts: `name,c,n_plus,n_total`, units at +1 and units observed per row, from
      which theta = n_plus / n_total and n_observed = n_total.

    Other columns are ignored, but they must not be empty. Row numbers in errors
    count the header as row 1, as a spreadsheet does.

    **Raises:** `ValueError` naming the row and the value for an empty table, a missing
    column, columns of both forms, a missing or non-numeric value, theta outside [0, 1],
    a duplicate name, an n_observed or n_total that is not a whole number >= 1, an
    n_plus that is not a whole number >= 0 or exceeds n_total, or theta * n_observed
    that is not a whole number of spins. `FileNotFoundError` if the file does not exist.
    """
    path = Path(path)
    try:
        # utf-8-sig also reads the byte-order mark that spreadsheet programs write.
        with path.open(newline="", encoding="utf-8-sig") as handle:
            return _read_conditions(csv.DictReader(handle), path)
    except UnicodeDecodeError as error:
        raise ValueError(
            f"{path} is not UTF-8 text ({error.reason} at byte {error.start}); "
            "save it as CSV with UTF-8 encoding."
        ) from None


def _read_conditions(reader, path):
    header = [name.strip() for name in (reader.fieldnames or [])]
    if "" in header:
        raise ValueError(
            f"{path}: the header has an empty column name, got {header}; "
            "remove trailing commas or name every column."
        )
    counts_form = _check_header(header, path)
    reader.fieldnames = header
    has_counts = counts_form or "n_observed" in header
    names, c_values, thetas, counts = [], [], [], []
    for row_number, row in enumerate(reader, start=2):
        if row.get(None):
            raise ValueError(
                f"{path}, row {row_number}: {len(header) + len(row[None])} values but the header has "
                f"{len(header)} columns; remove the extra values {row[None]} or add their column names."
            )
        for column in header:
            if row.get(column) is None or row[column].strip() == "":
                raise ValueError(f"{path}, row {row_number}: column '{column}' is missing a value.")
        name = row["name"].strip()
        if name in names:
            raise ValueError(f"{path}, row {row_number}: duplicate name {name!r}; names must be unique.")
        c = _parse_number(row["c"], "c", row_number, path)
        if counts_form:
            theta, n = _parse_count_row(row, row_number, path)
        else:
            theta, n = _parse_fraction_row(row, row_number, path, has_counts)
        names.append(name)
        c_values.append(c)
        thetas.append(theta)
        counts.append(n)
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
