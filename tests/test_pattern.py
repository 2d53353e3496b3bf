"""`spareopt.classify.pattern`: SBC demand pattern, XYZ and FSN on the published automotive data and by hand.

The golden data is the automotive set of Syntetos & Boylan (2005), "The accuracy of
intermittent demand estimates", International Journal of Forecasting 21(2):303-314, as
published by de Haan (2021), ``danieldehaan96/spdf`` ("EMPIRICAL DATA (IJF -
Automotive).xls"); see ``shared/data/auto_syntetos_boylan/README.md``.  It has no license,
so it is read from ``../shared/data`` and the tests skip when that folder is absent.
"""

from __future__ import annotations

import math
import statistics
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from spareopt.classify.pattern import (
    FSN_CLASSES,
    PATTERNS,
    XYZ_CLASSES,
    MovementResult,
    PatternResult,
    XYZResult,
    demand_pattern,
    fsn,
    hits,
    xyz,
)
from spareopt.errors import ConfigError, InputError

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
AUTO = DATA / "auto_syntetos_boylan"

FAST = settings(max_examples=60, deadline=None)


# -- the published automotive data (3,000 SKUs x 24 months) ---------------------------------------------


@pytest.fixture(scope="module")
def auto() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The demand as a 3000 x 24 frame (SKUs x months, oldest first) and the authors' ADI and CV2 in its order."""
    if not (AUTO / "auto_long.csv").is_file() or not (AUTO / "auto_reference_properties.csv").is_file():
        pytest.skip(f"the automotive reference data is absent ({AUTO})")
    long = pd.read_csv(AUTO / "auto_long.csv", dtype={"part_id": str, "period": str})
    wide = long.pivot(index="part_id", columns="period", values="quantity").sort_index(axis=1)
    reference = pd.read_csv(AUTO / "auto_reference_properties.csv", dtype={"part_id": str}).set_index("part_id")
    assert wide.shape == (3000, 24) and wide.columns[0] == "2010-01" and wide.columns[-1] == "2011-12"
    assert set(reference.index) == set(wide.index)
    return wide, reference.loc[wide.index]


def test_auto_adi_equals_the_authors_for_all_3000_skus(auto):
    """ADI counted from the first demand matches 3,000 of 3,000 (24 / hits would match only 2,373)."""
    wide, reference = auto
    result = demand_pattern(wide.to_numpy(dtype=np.float64))
    assert np.isfinite(result.adi).all()
    np.testing.assert_allclose(result.adi, reference["adi_authors"].to_numpy(), rtol=0, atol=1e-5)


def test_auto_cv2_equals_the_authors_except_the_two_workbook_discrepancies(auto):
    """CV2 of the non-zero sizes (n - 1) matches 2,998 of 3,000; the workbook's SKU_2379 and SKU_2692 do not."""
    wide, reference = auto
    cv2 = demand_pattern(wide.to_numpy(dtype=np.float64)).cv2
    authors = reference["cv2_authors"].to_numpy()
    # the workbook stores single precision rounded to 6 decimals: a match is within 1e-6
    same = np.abs(cv2 - authors) <= 1e-6
    assert same.sum() == 2998
    assert sorted(wide.index[~same]) == ["SKU_2379", "SKU_2692"]
    differ = pd.Series(cv2, index=wide.index)[["SKU_2379", "SKU_2692"]]
    np.testing.assert_allclose(differ, [0.5596, 0.3383], atol=5e-5)  # the data; the workbook has 7.762, 11.068
    np.testing.assert_allclose(reference.loc[["SKU_2379", "SKU_2692"], "cv2_authors"], [7.762162, 11.067664])


def test_auto_sbc_pattern_counts(auto):
    """With our ADI and CV2 and the cut-offs 1.32 / 0.49.  The authors' CV2 of SKU_2692 (11.068) would
    make it erratic, hence their 1,271 smooth and 441 erratic (README)."""
    wide, _ = auto
    result = demand_pattern(wide.to_numpy(dtype=np.float64))
    counts = pd.Series(result.pattern).value_counts().to_dict()
    assert counts == {"smooth": 1272, "intermittent": 974, "erratic": 440, "lumpy": 314}
    sku = list(wide.index).index("SKU_2692")
    assert result.pattern[sku] == "smooth" and result.adi[sku] <= 1.32


# -- demand_pattern by hand ---------------------------------------------------------------------------


def test_demand_pattern_one_series_of_each_class():
    result = demand_pattern([
        [4, 6, 4, 6, 4, 6],  # ADI 6/6 = 1; sizes mean 5, s2 = 6 x 1 / 5 = 1.2, CV2 = 1.2 / 25 = 0.048
        [0, 3, 0, 0, 5, 4],  # first demand in month 2: ADI 5/3; sizes 3, 5, 4: mean 4, s2 = 2/2 = 1, CV2 = 1/16
        [1, 9, 1, 9, 1, 9],  # ADI 1; mean 5, s2 = 6 x 16 / 5 = 19.2, CV2 = 19.2 / 25 = 0.768
        [0, 0, 1, 0, 0, 9],  # ADI 4/2 = 2; sizes 1, 9: mean 5, s2 = 32 / 1, CV2 = 32 / 25 = 1.28
    ])
    np.testing.assert_allclose(result.adi, [1, 5 / 3, 1, 2], rtol=1e-15)
    np.testing.assert_allclose(result.cv2, [0.048, 0.0625, 0.768, 1.28], rtol=1e-15)
    assert result.pattern.tolist() == ["smooth", "intermittent", "erratic", "lumpy"]
    assert result.adi.dtype == np.float64 and result.cv2.dtype == np.float64


def test_demand_pattern_counts_the_interval_from_the_first_demand_not_from_month_one():
    # 10 months, first demand in month 7 (index 6): 4 months to the end, 2 with demand -> ADI 2, not 10/2 = 5
    result = demand_pattern([0, 0, 0, 0, 0, 0, 3, 0, 0, 3])
    assert (float(result.adi), float(result.cv2), str(result.pattern)) == (2.0, 0.0, "intermittent")


def test_demand_pattern_one_month_with_demand_has_cv2_zero():
    # one sale of 7 in month 3 of 6: ADI = 4 / 1 = 4, CV2 = 0 (no spread among one size) -> intermittent;
    # a single sale in the last month: ADI = 1 / 1 = 1 -> smooth
    result = demand_pattern([[0, 0, 7, 0, 0, 0], [0, 0, 0, 0, 0, 7]])
    assert result.adi.tolist() == [4.0, 1.0]
    assert result.cv2.tolist() == [0.0, 0.0]
    assert result.pattern.tolist() == ["intermittent", "smooth"]


def test_demand_pattern_no_demand_is_nan_and_no_demand():
    result = demand_pattern([[0, 0, 0, 0], [0, 1, 0, 1]])
    assert np.isnan(result.adi[0]) and np.isnan(result.cv2[0])
    assert result.pattern.tolist() == ["no_demand", "intermittent"]  # second: ADI 3/2 = 1.5, CV2 0


def test_demand_pattern_values_at_the_cut_offs_go_to_the_lower_side():
    # 34 months each
    at_adi = [0, 5] + [5, 5, 5, 0] * 8  # 33 months from the first demand, 25 with demand: ADI 33/25 = 1.32
    above_adi = [5, 0] + [5, 5, 5, 0] * 8  # 34 months, 25 with demand: ADI 34/25 = 1.36
    at_cv2 = [0] * 31 + [2, 13, 15]  # ADI 3/3 = 1; mean 10, s2 = (64 + 9 + 25) / 2 = 49, CV2 = 49/100 = 0.49
    above_cv2 = [0] * 31 + [2, 13, 16]  # mean 31/3, s2 = (625 + 64 + 289) / 9 / 2 = 163/3, CV2 = 489/961
    one_sale = [0] * 31 + [2, 0, 0]  # ADI 3/1 = 3, CV2 0
    result = demand_pattern(np.array([at_adi, above_adi, at_cv2, above_cv2, one_sale], dtype=np.float64))
    assert result.adi[0] == 1.32 and result.cv2[2] == 0.49  # exactly the default cut-offs
    np.testing.assert_allclose(result.adi, [1.32, 34 / 25, 1, 1, 3], rtol=1e-15)
    np.testing.assert_allclose(result.cv2, [0, 0, 0.49, 489 / 961, 0], rtol=1e-15, atol=0)
    assert result.pattern.tolist() == ["smooth", "intermittent", "smooth", "erratic", "intermittent"]
    # both at once, and cut-offs passed explicitly: 1, 3 has mean 2, s2 = 2, CV2 = 0.5
    assert demand_pattern([0, 1, 0, 3], adi_cutoff=1.5, cv2_cutoff=0.5).pattern == "smooth"
    assert demand_pattern([0, 1, 0, 3], adi_cutoff=1.4, cv2_cutoff=0.5).pattern == "intermittent"
    assert demand_pattern([0, 1, 0, 3], adi_cutoff=1.5, cv2_cutoff=0.4).pattern == "erratic"


def test_demand_pattern_two_pass_survives_large_sizes():
    # sizes 1e9 + 1, + 2, + 3: mean 1e9 + 2, s2 = 1, CV2 = 1 / (1e9 + 2)^2.  The one-pass
    # sum of squares minus square of sum loses every digit here (1e18 is far beyond 2^53).
    result = demand_pattern([1e9 + 1, 0, 1e9 + 2, 1e9 + 3])
    assert float(result.cv2) == pytest.approx(1 / (1e9 + 2) ** 2, rel=1e-12, abs=0)
    assert float(result.adi) == 4 / 3


def test_demand_pattern_of_one_1d_series_is_0d_and_frames():
    result = demand_pattern([0, 3, 0, 0, 5, 4])
    assert isinstance(result, PatternResult)
    assert result.adi.shape == () and result.cv2.shape == () and result.pattern.shape == ()
    frame = demand_pattern([[0, 3, 0, 0, 5, 4], [0, 0, 0, 0, 0, 0]]).to_frame()
    assert list(frame.columns) == ["adi", "cv2", "pattern"]
    assert frame["pattern"].tolist() == ["intermittent", "no_demand"]
    assert demand_pattern(np.zeros((0, 6))).pattern.shape == (0,)


def test_demand_pattern_on_a_view_of_the_last_months_equals_a_copy():
    rng = np.random.default_rng(7)
    q = rng.poisson(1.0, size=(50, 36)).astype(np.float64)
    view, copy = demand_pattern(q[:, -24:]), demand_pattern(q[:, -24:].copy())
    for name in ("adi", "cv2", "pattern"):
        np.testing.assert_array_equal(getattr(view, name), getattr(copy, name))


# -- xyz by hand --------------------------------------------------------------------------------------


def test_xyz_classes_and_cut_offs_go_to_the_lower_side():
    result = xyz([
        [1, 2, 3],  # mean 2, s2 = (1 + 0 + 1) / 2 = 1: cv = 0.5, exactly xyz_x -> X
        [0, 1, 2],  # mean 1, s2 = 1: cv = 1, exactly xyz_y -> Y
        [0, 0, 3],  # mean 1, s2 = (1 + 1 + 4) / 2 = 3: cv = sqrt(3) -> Z
        [4, 4, 4],  # constant: cv = 0 -> X
        [0, 0, 0],  # no demand: cv NaN -> Z
    ])
    np.testing.assert_allclose(result.cv, [0.5, 1.0, math.sqrt(3), 0.0, np.nan], rtol=1e-15)
    assert result.cv[0] == 0.5 and result.cv[1] == 1.0
    assert result.xyz_class.tolist() == ["X", "Y", "Z", "X", "Z"]
    assert isinstance(result, XYZResult) and list(result.to_frame().columns) == ["cv", "xyz_class"]


def test_xyz_uses_the_sample_standard_deviation():
    # 0, 2: mean 1; with n - 1, s = sqrt(2) -> cv 1.414 (Z); with n it would be 1 (Y)
    result = xyz([0, 2])
    assert float(result.cv) == pytest.approx(math.sqrt(2), rel=1e-15)
    assert result.xyz_class == "Z"
    assert xyz([0, 2], xyz_x=1.0, xyz_y=1.5).xyz_class == "Y"


def test_xyz_zero_mean_is_nan_and_z():
    result = xyz(np.zeros((3, 12)))
    assert np.isnan(result.cv).all() and result.xyz_class.tolist() == ["Z", "Z", "Z"]


def test_xyz_two_pass_survives_large_demand():
    # 1e9 + 1, + 2, + 3: mean 1e9 + 2, s = 1, cv = 1 / (1e9 + 2); the one-pass formula gives 0 or garbage
    assert float(xyz([1e9 + 1, 1e9 + 2, 1e9 + 3]).cv) == pytest.approx(1 / (1e9 + 2), rel=1e-12, abs=0)


def test_xyz_needs_two_months():
    with pytest.raises(InputError) as info:
        xyz([[5], [3]])
    assert str(info.value) == "`demand` must have at least 2 months (columns) to measure variation; got shape (2, 1)"


# -- fsn by hand --------------------------------------------------------------------------------------


def test_fsn_months_since_demand_classes_and_flags():
    # 14 months, as_of = the last; defaults: F <= 3 < S <= 12 < N, phase_in 3 of the last 4, phase_out 12
    result = fsn([
        [0] * 10 + [2, 0, 1, 3],  # demand in as_of: 0 months; hits 3 in the last 12; 3 of the last 4 -> phase_in
        [0] * 10 + [1, 0, 0, 0],  # last demand 3 months before as_of: F (on the cut-off)
        [0] * 9 + [1, 0, 0, 0, 0],  # 4 months: S
        [0, 1] + [0] * 12,  # 12 months: S (on the cut-off); nothing in the last 12 -> phase_out
        [1, 0] + [0] * 12,  # 13 months: N; phase_out
        [0, 1, 1] + [0] * 11,  # 11 months: S; demand in the last 12 (month 3 of 14) -> no phase_out
        [0] * 14,  # never: NaN, N, phase_out
    ])
    assert isinstance(result, MovementResult)
    np.testing.assert_array_equal(result.months_since_demand, [0, 3, 4, 12, 13, 11, np.nan])
    assert result.months_since_demand.dtype == np.float64
    assert "".join(result.fsn_class) == "FFSSNSN"
    assert result.hits_12m.tolist() == [3, 1, 1, 0, 0, 1, 0] and result.hits_12m.dtype == np.int64
    assert result.phase_in.tolist() == [True, False, False, False, False, False, False]
    assert result.phase_out.tolist() == [False, False, False, True, True, False, True]
    assert list(result.to_frame().columns) == ["months_since_demand", "fsn_class", "hits_12m", "phase_in",
                                               "phase_out"]


def test_fsn_phase_out_is_false_when_the_history_is_shorter_than_the_window():
    # 6 months < phase_out_months = 12: a never-sold series cannot be told from a rarely sold one
    result = fsn([[0] * 6, [5, 0, 0, 0, 0, 0]])
    assert result.phase_out.tolist() == [False, False]
    assert result.fsn_class.tolist() == ["N", "S"]  # never -> N; 5 months -> S
    assert result.hits_12m.tolist() == [0, 1]  # counted over the 6 months there are
    # with a 6-month window the same history can tell
    assert fsn([[0] * 6, [5, 0, 0, 0, 0, 0]], phase_out_months=6).phase_out.tolist() == [True, False]
    assert fsn([[0] * 6, [5, 0, 0, 0, 0, 0]], phase_out_months=5).phase_out.tolist() == [True, True]


def test_fsn_phase_in_window_and_custom_thresholds():
    q = [[0, 0, 0, 1, 1, 0, 1], [1, 1, 1, 0, 0, 0, 1]]
    # last 4 months: 1, 1, 0, 1 -> 3 hits; 0, 0, 0, 1 -> 1 hit
    assert fsn(q).phase_in.tolist() == [True, False]
    assert fsn(q, phase_in_hits=1, phase_in_months=1).phase_in.tolist() == [True, True]
    assert fsn(q, phase_in_hits=2, phase_in_months=7).phase_in.tolist() == [True, True]
    assert fsn(q, phase_in_hits=4, phase_in_months=7).phase_in.tolist() == [False, True]
    # whole numbers given as floats or numpy integers are accepted
    assert fsn(q, fsn_fast_months=0.0, fsn_slow_months=np.int64(0)).fsn_class.tolist() == ["F", "F"]
    assert fsn([[1, 0], [0, 0]], fsn_fast_months=0, fsn_slow_months=0).fsn_class.tolist() == ["N", "N"]


def test_fsn_of_one_1d_series_is_0d():
    result = fsn([0, 0, 4, 0])
    assert result.months_since_demand.shape == () and float(result.months_since_demand) == 1.0
    assert result.fsn_class == "F" and result.hits_12m == 1 and not result.phase_in and not result.phase_out


def test_hits():
    assert hits([[0, 2, 0, 1.5], [0, 0, 0, 0]]).tolist() == [2, 0]
    assert hits(np.array([[True, False, True]])).tolist() == [2]
    assert hits([0, 3, 3]) == 2 and hits([0, 3, 3]).dtype == np.int64


# -- bad input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("function", "options", "message"), [
    (fsn, {"fsn_fast_months": -1}, "`fsn_fast_months` must be a whole number >= 0; got -1"),
    (fsn, {"fsn_slow_months": 2.5}, "`fsn_slow_months` must be a whole number >= `fsn_fast_months` (3); got 2.5"),
    (fsn, {"fsn_fast_months": 4, "fsn_slow_months": 3},
     "`fsn_slow_months` must be a whole number >= `fsn_fast_months` (4); got 3"),
    (fsn, {"phase_in_hits": True}, "`phase_in_hits` must be a whole number in [0, `phase_in_months` (4)]; got True"),
    (fsn, {"phase_in_hits": 5}, "`phase_in_hits` must be a whole number in [0, `phase_in_months` (4)]; got 5"),
    (fsn, {"phase_in_months": 0, "phase_in_hits": 0}, "`phase_in_months` must be a whole number >= 1; got 0"),
    (fsn, {"phase_out_months": 0}, "`phase_out_months` must be a whole number >= 1; got 0"),
    (fsn, {"phase_out_months": float("nan")}, "`phase_out_months` must be a whole number >= 1; got nan"),
    (fsn, {"fsn_slow_months": "12"}, "`fsn_slow_months` must be a whole number >= `fsn_fast_months` (3); got '12'"),
    (demand_pattern, {"adi_cutoff": 0.9},
     "`adi_cutoff` must be a finite number >= 1; got 0.9. An ADI (months per demand) is never below 1."),
    (demand_pattern, {"cv2_cutoff": -0.1}, "`cv2_cutoff` must be a finite number >= 0; got -0.1"),
    (demand_pattern, {"cv2_cutoff": float("inf")}, "`cv2_cutoff` must be a finite number >= 0; got inf"),
    (xyz, {"xyz_x": -1}, "`xyz_x` must be a finite number >= 0; got -1"),
    (xyz, {"xyz_y": 0.4}, "`xyz_y` must be a finite number >= `xyz_x` (0.5); got 0.4"),
])
def test_bad_thresholds(function, options, message):
    with pytest.raises(ConfigError) as info:
        function([[1.0, 0.0, 2.0, 0.0]], **options)
    assert str(info.value) == message


@pytest.mark.parametrize("function", [demand_pattern, xyz, fsn])
def test_negative_or_missing_demand_is_refused(function):
    with pytest.raises(InputError) as info:
        function([[1, -1, 0], [0, 0, 0], [np.nan, 1, 1], [0, np.inf, 0]])
    assert str(info.value) == (
        "`demand` must be finite and >= 0; 3 of 4 rows break it (first: row 0 month 1 = -1, "
        "row 2 month 0 = nan, row 3 month 1 = inf). Net returns into their month and count a "
        "negative or missing month as 0, as spareopt.demand_matrix does."
    )


@pytest.mark.parametrize("function", [demand_pattern, xyz, fsn])
def test_three_dimensional_demand_is_refused(function):
    with pytest.raises(InputError, match=r"^`demand` must be 2-D \(n_series, months\) or 1-D \(months,\); got shape "
                                         r"\(2, 3, 4\)$"):
        function(np.zeros((2, 3, 4)))


# -- properties --------------------------------------------------------------------------------------

sizes = st.one_of(st.just(0.0), st.just(0.0), st.integers(1, 60).map(float),
                  st.floats(0.01, 1e4, allow_nan=False, allow_infinity=False))


def matrices(min_months: int = 1):
    shapes = st.tuples(st.integers(1, 8), st.integers(min_months, 30))
    return shapes.flatmap(lambda shape: hnp.arrays(np.float64, shape, elements=sizes))


def _all(function, q: np.ndarray) -> list[np.ndarray]:
    result = function(q)
    return [getattr(result, name) for name in result.__dataclass_fields__]


FUNCTIONS = {"demand_pattern": (demand_pattern, 1), "xyz": (xyz, 2), "fsn": (fsn, 1)}


@pytest.mark.parametrize("name", FUNCTIONS)
@FAST
@given(data=st.data())
def test_vectorised_equals_a_loop_of_one_series_calls(name, data):
    function, least = FUNCTIONS[name]
    q = data.draw(matrices(least))
    together = _all(function, q)
    for i, row in enumerate(q):
        for whole, alone in zip(together, _all(function, row)):
            assert alone.shape == ()
            np.testing.assert_array_equal(whole[i], alone[()])


@pytest.mark.parametrize("name", FUNCTIONS)
@FAST
@given(data=st.data())
def test_permuting_the_series_permutes_the_result(name, data):
    function, least = FUNCTIONS[name]
    q = data.draw(matrices(least))
    order = np.array(data.draw(st.permutations(range(len(q)))), dtype=np.intp)
    for whole, permuted in zip(_all(function, q), _all(function, q[order])):
        np.testing.assert_array_equal(whole[order], permuted)


@FAST
@given(q=matrices(2), power=st.integers(-20, 20))
def test_scaling_by_a_power_of_two_changes_nothing(q, power):
    """A power of two scales every sum and square exactly, so even the bits stay."""
    for function in (demand_pattern, xyz, fsn):
        for before, after in zip(_all(function, q), _all(function, q * 2.0**power)):
            np.testing.assert_array_equal(before, after)


@FAST
@given(q=matrices(2), c=st.floats(1e-3, 1e3, allow_nan=False))
def test_scaling_by_any_positive_factor_keeps_adi_cv2_cv_and_the_classes(q, c):
    before, after = demand_pattern(q), demand_pattern(q * c)
    np.testing.assert_array_equal(before.adi, after.adi)
    np.testing.assert_allclose(after.cv2, before.cv2, rtol=1e-9, atol=1e-12)
    clear = np.isnan(before.cv2) | (np.abs(before.cv2 - 0.49) > 1e-9)  # a rounding may cross a cut-off it sits on
    np.testing.assert_array_equal(after.pattern[clear], before.pattern[clear])
    before_xyz, after_xyz = xyz(q), xyz(q * c)
    np.testing.assert_allclose(after_xyz.cv, before_xyz.cv, rtol=1e-9, atol=1e-12)
    clear = np.isnan(before_xyz.cv) | ((np.abs(before_xyz.cv - 0.5) > 1e-9) & (np.abs(before_xyz.cv - 1.0) > 1e-9))
    np.testing.assert_array_equal(after_xyz.xyz_class[clear], before_xyz.xyz_class[clear])
    np.testing.assert_array_equal(fsn(q * c).fsn_class, fsn(q).fsn_class)


@FAST
@given(q=matrices(), lead=st.integers(1, 12))
def test_leading_zero_months_do_not_change_adi(q, lead):
    longer = np.hstack([np.zeros((len(q), lead)), q])
    before, after = demand_pattern(q), demand_pattern(longer)
    np.testing.assert_array_equal(after.adi, before.adi)
    np.testing.assert_allclose(after.cv2, before.cv2, rtol=1e-12, atol=1e-15)


@FAST
@given(q=matrices())
def test_months_since_demand_is_zero_iff_the_last_month_has_demand(q):
    since = fsn(q).months_since_demand
    np.testing.assert_array_equal(since == 0, q[:, -1] > 0)
    np.testing.assert_array_equal(np.isnan(since), ~(q > 0).any(axis=1))


def _reference(row: np.ndarray) -> dict[str, object]:
    """One series the slow, obvious way: Python lists, statistics.stdev and the textbook rules."""
    row = [float(v) for v in row]
    demand = [t for t, v in enumerate(row) if v > 0]
    sizes_ = [row[t] for t in demand]
    out: dict[str, object] = {}
    if demand:
        out["adi"] = (len(row) - demand[0]) / len(demand)
        out["cv2"] = (statistics.stdev(sizes_) / statistics.mean(sizes_)) ** 2 if len(sizes_) > 1 else 0.0
        out["pattern"] = PATTERNS[2 * (out["adi"] > 1.32) + (out["cv2"] > 0.49)]
        since = len(row) - 1 - demand[-1]
    else:
        out.update(adi=math.nan, cv2=math.nan, pattern="no_demand")
        since = math.nan
    out["since"] = since
    out["fsn"] = "N" if not demand or since > 12 else "S" if since > 3 else "F"
    out["hits_12m"] = sum(v > 0 for v in row[-12:])
    out["phase_in"] = sum(v > 0 for v in row[-4:]) >= 3
    out["phase_out"] = len(row) >= 12 and not any(v > 0 for v in row[-12:])
    if len(row) >= 2:
        mean = statistics.mean(row)
        out["cv"] = statistics.stdev(row) / mean if mean > 0 else math.nan
    return out


def _near_cut(value: float, cuts: tuple[float, ...]) -> bool:
    return any(abs(value - cut) <= 1e-9 * max(1.0, cut) for cut in cuts)


@FAST
@given(q=matrices(2))
def test_agrees_with_a_plain_python_reference(q):
    pattern, variation, movement = demand_pattern(q), xyz(q), fsn(q)
    for i, row in enumerate(q):
        ref = _reference(row)
        np.testing.assert_allclose(pattern.adi[i], ref["adi"], rtol=1e-15)
        np.testing.assert_allclose(pattern.cv2[i], ref["cv2"], rtol=1e-9, atol=1e-12)
        if not _near_cut(ref["cv2"], (0.49,)) and not _near_cut(ref["adi"], (1.32,)):
            assert pattern.pattern[i] == ref["pattern"]
        np.testing.assert_allclose(variation.cv[i], ref["cv"], rtol=1e-9, atol=1e-12)
        if not math.isnan(ref["cv"]) and not _near_cut(ref["cv"], (0.5, 1.0)):
            assert variation.xyz_class[i] == XYZ_CLASSES[(ref["cv"] > 0.5) + (ref["cv"] > 1.0)]
        np.testing.assert_array_equal(movement.months_since_demand[i], ref["since"])
        assert movement.fsn_class[i] == ref["fsn"] and movement.fsn_class[i] in FSN_CLASSES
        assert movement.hits_12m[i] == ref["hits_12m"]
        assert movement.phase_in[i] == ref["phase_in"] and movement.phase_out[i] == ref["phase_out"]


def test_series_pattern_in_blocks_is_the_pattern_of_all(monkeypatch):
    import pandas as pd

    from spareopt import blocks
    from spareopt.classify.series import series_pattern
    from spareopt.inputs import load

    rng = np.random.default_rng(3)
    n, months = 300, 30
    sales = pd.DataFrame({"part": np.repeat([f"P{i:04d}" for i in range(n)], months),
                          "period": list(pd.period_range("2022-01", periods=months, freq="M")) * n,
                          "quantity": (rng.poisson(0.6, n * months) * rng.integers(0, 2, n * months)).astype(float)})
    run = load(sales)
    whole = series_pattern(run)
    monkeypatch.setattr(blocks, "BLOCK_ROWS", 7)
    blocked = series_pattern(run)
    assert len(set(whole.pattern)) >= 3
    for name in ("adi", "cv2", "code"):
        np.testing.assert_array_equal(getattr(blocked, name), getattr(whole, name))
    assert blocked.pattern.tolist() == whole.pattern.tolist() and blocked.pattern.dtype == object
