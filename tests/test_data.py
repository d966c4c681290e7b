import numpy as np
import pytest

from helpers import load_conditions, load_reference_targets


def write(tmp_path, text):
    path = tmp_path / "conditions.csv"
    path.write_text(text)
    return path


def test_reference_targets_load():
    training, held_out = load_reference_targets()
    assert training.names == ("A", "B", "C")
    np.testing.assert_array_equal(training.c, [0.0, 0.5, 1.0])
    np.testing.assert_array_equal(training.theta, [0.80, 0.26, 0.00])
    np.testing.assert_array_equal(training.n_plus, [80, 26, 0])
    assert held_out.names == ("V1", "V2")
    np.testing.assert_array_equal(held_out.theta, [0.55, 0.10])


def test_counts_are_optional(tmp_path):
    table = load_conditions(write(tmp_path, "name,c,theta\nX,0.1,0.4\n"))
    assert table.n_observed is None
    with pytest.raises(ValueError, match="no n_observed column"):
        table.n_plus


@pytest.mark.parametrize(
    "text, message",
    [
        ("name,c,theta\n", "no rows"),
        ("name,c\nX,0.1\n", "missing column"),
        ("name,c,theta\nX,0.1,1.5\n", "row 2: theta=1.5 is outside"),
        ("name,c,theta\nX,0.1,0.5\nY,0.2,-0.01\n", "row 3: theta=-0.01 is outside"),
        ("name,c,theta\nX,,0.5\n", "row 2: column 'c' is missing a value"),
        ("name,c,theta\nX,0.1\n", "row 2: column 'theta' is missing a value"),
        ("name,c,theta\nX,low,0.5\n", "row 2: column 'c' must be a number, got 'low'"),
        ("name,c,theta\nX,nan,0.5\n", "row 2: column 'c' must be finite"),
        ("name,c,theta\nX,0.1,0.5\nX,0.2,0.4\n", "row 3: duplicate name 'X'"),
        ("name,c,theta,n_observed\nX,0.1,0.5,0\n", "n_observed=0 must be a whole number"),
        ("name,c,theta,n_observed\nX,0.1,0.5,10.5\n", "n_observed=10.5 must be a whole number"),
        ("name,c,theta,n_observed\nX,0.1,0.33,10\n", "not a whole number of spins"),
    ],
)
def test_bad_tables_raise(tmp_path, text, message):
    with pytest.raises(ValueError, match=message):
        load_conditions(write(tmp_path, text))


def test_missing_file_raises(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_conditions(tmp_path / "absent.csv")
