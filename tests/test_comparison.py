import pytest

from assessments.comparison import ResultPoint, against_benchmark, progress


def test_progress_gives_each_result_its_change_since_the_previous():
    points = [
        ResultPoint("2025", 1, 40.0, {"LID": 30.0, "MED": 50.0}),
        ResultPoint("2026", 1, 55.0, {"LID": 60.0, "MED": 45.0}),
    ]
    first, second = progress(points)
    assert first.overall_change is None and first.area_changes == {"LID": None, "MED": None}
    assert second.overall_change == pytest.approx(15)
    assert second.area_changes == pytest.approx({"LID": 30, "MED": -5})
    assert not second.bank_changed


def test_areas_are_matched_by_code_across_bank_versions():
    points = [
        ResultPoint("v1", 1, 40.0, {"LID": 30.0, "OLD": 10.0}),
        ResultPoint("v2", 2, 50.0, {"LID": 40.0, "NEW": 70.0}),
    ]
    second = progress(points)[1]
    assert second.bank_changed
    assert second.area_changes["LID"] == pytest.approx(10)
    assert second.area_changes["NEW"] is None


def test_against_benchmark_is_the_difference_per_area():
    assert against_benchmark({"LID": 70.0, "MED": 20.0}, {"LID": 50.0, "MED": 40.0, "VAL": 1}) == {
        "LID": 20.0,
        "MED": -20.0,
        "VAL": None,
    }
