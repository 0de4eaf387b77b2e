"""Optional simulation columns (``simulate(..., extra_columns=...)``): off by default, default columns
unchanged when on, chunk-size independent, and the LKr photon columns against an independent
recomputation of the photons' geometry (K+ -> pi+ pi0)."""

import json

import numpy as np
import pytest

from kaonportal import constants
from kaonportal.backend import BLOCK_SIZE
from kaonportal.beam.profile import BeamSample
from kaonportal.decays import generate
from kaonportal.detector import load_card
from kaonportal.detector.propagation import photon_hits
from kaonportal.detector.response import lkr_sigma_e
from kaonportal.errors import InputError
from kaonportal.kinematics import boost
from kaonportal.simulation import COLUMNS, simulate
from kaonportal.simulation.engine import LKR_CLUSTER_E_MIN, LKR_POSITION_M
from kaonportal.simulation.output import read_metadata
from kaonportal.simulation.schema import OPTIONAL_COLUMNS

EXTRA = ("n_photons_lkr", "m_gg_lkr")
N = BLOCK_SIZE + 4000          # two blocks
CARD = "na62-2022"


class Recorder:
    """decays.generate, keeping the products of every call (in call order) for the truth checks."""

    def __init__(self):
        self.calls = []

    def __call__(self, decay, n, rng, **kw):
        prod = generate(decay, n, rng, **kw)
        self.calls.append(prod)
        return prod


@pytest.fixture(scope="module")
def runs():
    rec = Recorder()
    with_extra = simulate("K+ -> pi+ pi0", n=N, seed=21, card=CARD, chunk_blocks=1, extra_columns=EXTRA[::-1],
                          generator=rec).events
    default = simulate("K+ -> pi+ pi0", n=N, seed=21, card=CARD, chunk_blocks=2, workers=2).events
    return with_extra, default, rec.calls[1:]     # call 0: simulate's one-event check of the decay


def test_absent_by_default_and_default_columns_unchanged(runs):
    with_extra, default, _ = runs
    assert default.column_names == list(COLUMNS)
    assert with_extra.column_names == [*COLUMNS, *EXTRA]          # schema order, whatever the request order
    # every default column bit-identical (own random stream for the optional ones), same field metadata
    for name in COLUMNS:
        assert with_extra.schema.field(name).equals(default.schema.field(name), check_metadata=True)
        np.testing.assert_array_equal(with_extra.column(name).to_numpy(zero_copy_only=False),
                                      default.column(name).to_numpy(zero_copy_only=False), err_msg=name)
    assert b"extra_columns" not in default.schema.metadata
    assert json.loads(with_extra.schema.metadata[b"extra_columns"]) == list(EXTRA)
    assert with_extra.schema.field("m_gg_lkr").metadata[b"unit"] == b"GeV/c^2"


def test_chunk_size_and_workers_independence():
    n = BLOCK_SIZE + 300
    a = simulate("K+ -> pi+ pi0", n=n, seed=4, card=CARD, chunk_blocks=1, extra_columns=EXTRA).events
    b = simulate("K+ -> pi+ pi0", n=n, seed=4, card=CARD, chunk_blocks=2, workers=2, extra_columns=EXTRA).events
    assert a.schema.equals(b.schema, check_metadata=True)
    for name in a.column_names:      # NaN-aware (pyarrow's Table.equals treats NaN as unequal to itself)
        np.testing.assert_array_equal(a.column(name).to_numpy(zero_copy_only=False),
                                      b.column(name).to_numpy(zero_copy_only=False), err_msg=name)
    assert np.isnan(a.column("m_gg_lkr").to_numpy()).any()


def _photon_truth(events, calls):
    """Lab energies (n, 2), LKr impact points (n, 2, 2) and detector codes (n, 2) of the two photons,
    recomputed from the recorded generator products and the true beam of each event."""
    card = load_card(CARD)
    prod = calls[0]
    idx = [i for i, nm in enumerate(prod.names) if nm == "gamma"]
    p4 = np.concatenate([c.p4 for c in calls])[:, idx]
    col = {c: events.column(c).to_numpy() for c in ("true_p_beam", "true_beam_dxdz", "true_beam_dydz",
                                                     "true_vertex_x", "true_vertex_y", "true_vertex_z")}
    zeros = np.zeros(len(p4))
    beam = BeamSample(p=col["true_p_beam"], x=zeros, y=zeros, dxdz=col["true_beam_dxdz"], dydz=col["true_beam_dydz"])
    pb = beam.p3()
    eb = np.sqrt(col["true_p_beam"] ** 2 + constants.mass("K+") ** 2)
    vtx = np.stack([col["true_vertex_x"], col["true_vertex_y"], col["true_vertex_z"]], axis=-1)
    e, xy, det = [], [], []
    for j in range(2):
        g = boost(p4[:, j], pb / eb[:, None])
        h = photon_hits(vtx, g[:, 1:], card)     # the pi0 flies ~ microns: photons start at the K+ vertex
        e.append(g[:, 0])
        xy.append(np.stack([h.x, h.y], axis=-1))
        det.append(h.detector)
    return np.stack(e, 1), np.stack(xy, 1), np.stack(det, 1)


def test_two_lkr_photons_for_kpi2_with_both_photons_in_the_lkr(runs):
    events, _, calls = runs
    e, _, det = _photon_truth(events, calls)
    n_lkr = events.column("n_photons_lkr").to_numpy()
    both = np.all(det == 3, axis=1) & np.all(e > LKR_CLUSTER_E_MIN, axis=1)
    assert both.sum() > 5000
    # the only loss left is a photon within 100 mm of the pi+ impact (merged cluster): < 1% (0.4% with this seed)
    frac = np.mean(n_lkr[both] == 2)
    assert 0.9 < frac < 1.0
    # never more photons than the event has, and no photon counted outside the LKr or below threshold
    assert n_lkr.max() <= 2
    ok = (det == 3) & (e > LKR_CLUSTER_E_MIN)
    assert np.all(n_lkr <= ok.sum(axis=1))


def test_m_gg_peaks_at_pi0_mass_with_expected_resolution(runs):
    events, _, calls = runs
    e, xy, _ = _photon_truth(events, calls)
    n_lkr = events.column("n_photons_lkr").to_numpy()
    m = events.column("m_gg_lkr").to_numpy()
    assert np.all(np.isnan(m[n_lkr < 2])) and np.all(np.isfinite(m[n_lkr == 2]))
    sel = n_lkr == 2
    mpi0 = constants.mass("pi0")
    # expected resolution per event, first order: m^2 = 2 E1 E2 (1 - cos theta) with theta ~ d12 / L:
    # sigma_m / m = sqrt(((sigma_E1/E1)^2 + (sigma_E2/E2)^2) / 4 + 2 sigma_xy^2 / d12^2)
    card = load_card(CARD)
    rel_e = lkr_sigma_e(card, e[sel]) / e[sel]
    d12 = np.linalg.norm(xy[sel, 0] - xy[sel, 1], axis=-1)
    sigma = mpi0 * np.sqrt(0.25 * np.sum(rel_e ** 2, axis=1) + 2.0 * LKR_POSITION_M ** 2 / d12 ** 2)
    pull = (m[sel] - mpi0) / sigma
    q16, q50, q84 = np.percentile(pull, [15.87, 50.0, 84.13])
    # ~30000 events: the statistical error of the median and of the 68% half-width of the pulls is ~0.01 (measured
    # 0.002 and 1.000 with this seed); the linearised sigma is exact to O(sigma/m) ~1%: unit normal within 0.1
    assert abs(q50) < 0.1
    assert 0.9 < 0.5 * (q84 - q16) < 1.1
    assert abs(np.median(m[sel]) - mpi0) < 2e-4       # GeV: the peak sits on m_pi0 (PDG) to 0.2 MeV
    assert 0.001 < np.median(sigma) < 0.003           # ~1-2% of m_pi0: LKr sigma_E/E ~1-1.5% at 10-30 GeV


def test_parquet_output_and_metadata(tmp_path):
    out = tmp_path / "kpi2.parquet"
    simulate("K+ -> pi+ pi0", n=3000, seed=2, card=CARD, output=out, extra_columns=["n_photons_lkr"],
             lkr_cluster_e_min=2.0, columns="all")
    import pyarrow.parquet as pq
    t = pq.read_table(out)
    assert t.column_names == [*COLUMNS, "n_photons_lkr"]
    assert str(t.schema.field("n_photons_lkr").type) == OPTIONAL_COLUMNS["n_photons_lkr"][0]
    md = read_metadata(out)
    assert json.loads(md["extra_columns"]) == ["n_photons_lkr"] and float(md["lkr_cluster_e_min"]) == 2.0


@pytest.mark.parametrize("kwargs,field", [
    ({"extra_columns": ["n_photons"]}, "extra_columns"),
    ({"extra_columns": "m_gg"}, "extra_columns"),
    ({"extra_columns": EXTRA, "lkr_position_m": -1.0}, "lkr_position_m"),
    ({"extra_columns": EXTRA, "lkr_cluster_e_min": float("nan")}, "lkr_cluster_e_min"),
])
def test_bad_optional_columns(kwargs, field):
    with pytest.raises(InputError) as exc:
        simulate("K+ -> pi+ pi0", n=10, seed=1, card=CARD, **kwargs)
    assert exc.value.field == field
    if field == "extra_columns":
        assert "n_photons_lkr" in str(exc.value) and "m_gg_lkr" in str(exc.value)


def test_lean_file_schema_keeps_optional_flags_bool():
    # the schema documents random_veto_pass and kpi_accidental_match as bool: the lean file writes them so
    # (they were int8); floats narrow to float32, counts to int8
    from kaonportal.simulation.schema import arrow_schema, file_schema
    names = ["random_veto_pass", "kpi_accidental_match", "kpi_mismatch", "t_gtk_ns", "n_pileup_gtk"]
    s = file_schema(arrow_schema(extra_columns=names), "lean", extra_columns=names)
    assert [str(s.field(n).type) for n in names] == ["bool", "bool", "bool", "float", "int8"]
