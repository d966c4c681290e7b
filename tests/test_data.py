import numpy as np
import pytest

from helpers import DATA_DIR, load_conditions, load_reference_targets


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
    with pytest.raises(ValueError, match="add an n_observed column"):
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


def test_counts_form_loads(tmp_path):
    table = load_conditions(write(tmp_path, "name,c,n_plus,n_total\nlow,-0.5,3,4\nhigh,2.0,0,7\n"))
    assert table.names == ("low", "high")
    np.testing.assert_array_equal(table.c, [-0.5, 2.0])
    np.testing.assert_array_equal(table.theta, [0.75, 0.0])
    np.testing.assert_array_equal(table.n_observed, [4, 7])
    np.testing.assert_array_equal(table.n_plus, [3, 0])


def test_counts_form_gives_exact_counts(tmp_path):
    table = load_conditions(write(tmp_path, "name,c,n_plus,n_total\nX,0.1,1,3\nY,0.2,20,59\n"))
    np.testing.assert_array_equal(table.n_plus, [1, 20])
    np.testing.assert_array_equal(table.theta, [1 / 3, 20 / 59])


def test_counts_form_ignores_extra_columns(tmp_path):
    table = load_conditions(write(tmp_path, "name,c,n_plus,n_total,note\nX,0.1,1,3,first\n"))
    np.testing.assert_array_equal(table.n_plus, [1])


def test_columns_may_come_in_any_order(tmp_path):
    table = load_conditions(write(tmp_path, "n_total,n_plus,c,name\n10,4,0.3,X\n"))
    assert table.names == ("X",)
    np.testing.assert_array_equal(table.theta, [0.4])


@pytest.mark.parametrize(
    "text, message",
    [
        ("name,c,n_plus,n_total\n", "no rows"),
        ("name,c,n_plus\nX,0.1,3\n", r"missing column\(s\) \['n_total'\]"),
        ("name,c,n_total\nX,0.1,3\n", r"missing column\(s\) \['n_plus'\]"),
        ("name,n_plus,n_total\nX,3,4\n", r"missing column\(s\) \['c'\]"),
        ("name,c,theta,n_plus,n_total\nX,0.1,0.5,2,4\n", "give theta twice"),
        ("name,c,n_observed,n_plus,n_total\nX,0.1,4,2,4\n", "give theta twice"),
        ("name,c,n_plus,n_total\nX,0.1,5,4\n", "row 2: n_plus=5 exceeds n_total=4"),
        ("name,c,n_plus,n_total\nX,0.1,1,4\nY,0.2,-1,4\n", "row 3: n_plus=-1 must be a whole number >= 0"),
        ("name,c,n_plus,n_total\nX,0.1,1.5,4\n", "row 2: n_plus=1.5 must be a whole number >= 0"),
        ("name,c,n_plus,n_total\nX,0.1,0,0\n", "row 2: n_total=0 must be a whole number >= 1"),
        ("name,c,n_plus,n_total\nX,0.1,1,4.5\n", "row 2: n_total=4.5 must be a whole number >= 1"),
        ("name,c,n_plus,n_total\nX,0.1,two,4\n", "row 2: column 'n_plus' must be a number, got 'two'"),
        ("name,c,n_plus,n_total\nX,0.1,1,inf\n", "row 2: column 'n_total' must be finite"),
        ("name,c,n_plus,n_total\nX,0.1,,4\n", "row 2: column 'n_plus' is missing a value"),
        ("name,c,n_plus,n_total\nX,0.1,1\n", "row 2: column 'n_total' is missing a value"),
        ("name,c,n_plus,n_total\nX,0.1,1,4\nX,0.2,1,4\n", "row 3: duplicate name 'X'"),
        ("name,c,n_plus,n_total\nX,high,1,4\n", "row 2: column 'c' must be a number, got 'high'"),
    ],
)
def test_bad_count_tables_raise(tmp_path, text, message):
    with pytest.raises(ValueError, match=message):
        load_conditions(write(tmp_path, text))


def test_beetle_file_needs_conversion():
    with pytest.raises(ValueError, match="missing column"):
        load_conditions(DATA_DIR / "bliss_1935_beetle_mortality.csv")


def test_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes("name,c,theta\nX,0.1,0.4\n".encode("utf-8-sig"))
    assert load_conditions(path).names == ("X",)


def test_non_utf8_file_raises(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("name,c,theta\nK\xf6ln,0.1,0.4\n".encode("latin-1"))
    with pytest.raises(ValueError, match="is not UTF-8 text"):
        load_conditions(path)


@pytest.mark.parametrize(
    "text, message",
    [
        ("name,c,theta,\nX,0.1,0.4,\n", "empty column name"),
        ("name,c,theta\nX,0.1,0.4,7\n", "row 2: 4 values but the header has 3 columns"),
    ],
)
def test_misshapen_rows_raise(tmp_path, text, message):
    with pytest.raises(ValueError, match=message):
        load_conditions(write(tmp_path, text))
