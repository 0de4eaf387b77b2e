"""The shared event record (kaonportal.simulation.record): reproducibility, stream independence, detector response."""

from dataclasses import fields

import numpy as np
import pytest

from kaonportal.backend import BLOCK_SIZE
from kaonportal.detector import DETECTOR_CODES, load_card, photon_hits, straw_sigma_p_rel
from kaonportal.detector.charged_veto import STRAW_SEGMENT, charged_veto_hits
from kaonportal.detector.conversions import ConversionModel
from kaonportal.detector.photonuclear import PhotonuclearModel
from kaonportal.detector.timing import TimeResolutions
from kaonportal.errors import InputError
from kaonportal.simulation.record import KaonFrameEvents, Readout, build_record, decay_events, iter_record_blocks
from kaonportal.simulation.record_schema import CLUSTER_MECHANISMS, EventRecord, concatenate_records

CARD = load_card("na62-2022")
KPI2 = decay_events("K+ -> pi+ pi0")
DALITZ = decay_events("K+ -> pi+ pi0", pi0_decay="dalitz")
STATIC = {"track_names", "track_charge", "cluster_mechanism", "cluster_photon"}


def _equal(a: EventRecord, b: EventRecord, names=None):
    for f in fields(EventRecord):
        if names is None or f.name in names:
            x, y = getattr(a, f.name), getattr(b, f.name)
            assert np.array_equal(np.asarray(x), np.asarray(y), equal_nan=np.asarray(x).dtype.kind == "f"), f.name


def _head(rec: EventRecord, k: int) -> EventRecord:
    return EventRecord(**{f.name: getattr(rec, f.name) if f.name in STATIC else getattr(rec, f.name)[:k]
                          for f in fields(EventRecord)})


@pytest.fixture(scope="module")
def two_blocks():
    return build_record(KPI2, BLOCK_SIZE + 300, 4, CARD)


def test_bit_identical_whatever_the_chunking(two_blocks):
    # a block is a pure function of (seed, block): the first block of a 2-block record is the 1-block record, and
    # the record is the concatenation of its blocks in order
    _equal(_head(two_blocks, BLOCK_SIZE), build_record(KPI2, BLOCK_SIZE, 4, CARD))
    _equal(two_blocks, concatenate_records(list(iter_record_blocks(KPI2, BLOCK_SIZE + 300, 4, CARD))))
    other = build_record(KPI2, 300, 5, CARD)
    assert not np.array_equal(other.track_p4, two_blocks.track_p4[:300])


def test_mechanisms_have_their_own_streams():
    # switching the conversion and photonuclear models on adds cluster hypotheses but leaves every other number
    # unchanged (own streams), so a search's seeded output moves only through the mechanism itself
    off = build_record(DALITZ, 3000, 2, CARD)
    on = build_record(DALITZ, 3000, 2, CARD, Readout(conversion=ConversionModel(), photonuclear=PhotonuclearModel()))
    _equal(off, on, {f.name for f in fields(EventRecord) if not f.name.startswith(("cluster_", "photon_p",
                                                                                   "photon_conversion"))})
    assert off.cluster_mechanism.tolist() == [CLUSTER_MECHANISMS["photon"]]
    assert on.cluster_mechanism.tolist() == [0, 2, 1, 1]        # photon, photonuclear, conversion e+ and e-
    for name in ("cluster_e", "cluster_x", "cluster_inefficiency"):
        assert np.array_equal(getattr(off, name)[:, 0], getattr(on, name)[:, 0], equal_nan=True)
    # probabilities: P_conv of two chambers of 0.45 % X0 is at most 1 - (1 - 7/9 x 0.0045)^2 = 0.70 %;
    # photonuclear only on the LKr, with the model's probability
    assert 0 < on.photon_p_convert.max() <= 1 - (1 - 7 / 9 * 0.0045) ** 2 + 1e-12
    lkr = on.photon_detector[:, 0] == DETECTOR_CODES["lkr"]
    assert np.all(on.photon_p_photonuclear[lkr, 0] == PhotonuclearModel().probability)
    assert np.all(on.photon_p_photonuclear[~lkr, 0] == 0)


def test_timing_off_leaves_every_other_field(two_blocks):
    # Readout(timing=False) (the searches that read no time, issue 17): the time stream feeds nothing else, so every
    # other field is bit-identical and every time is NaN (not measured)
    models = dict(conversion=ConversionModel(), photonuclear=PhotonuclearModel())
    on = build_record(DALITZ, 3000, 2, CARD, Readout(**models))
    off = build_record(DALITZ, 3000, 2, CARD, Readout(**models, timing=False))
    times = {f.name for f in fields(EventRecord) if f.name.endswith("time_ns") or f.name.startswith("t_")}
    assert times == {"t_ktag_ns", "t_gtk_ns", "track_time_ns", "track_muv3_time_ns", "photon_veto_time_ns",
                     "cluster_time_ns"}
    _equal(on, off, {f.name for f in fields(EventRecord)} - times)
    for name in times:
        assert getattr(off, name).shape == getattr(on, name).shape, name
        assert np.all(np.isnan(getattr(off, name))), name
        assert np.any(np.isfinite(getattr(on, name))), name


def test_objects_and_resolutions(two_blocks):
    rec = two_blocks
    assert rec.track_names == ("pi+",) and rec.cluster_e.shape == (rec.n, 2) and rec.track_in.shape == (rec.n, 1, 8)
    # STRAW momentum pull: width 1 for the card's sigma_p/p (2 % tolerance: ~5e4 tracks, statistical 0.3 %, and the
    # non-Gaussian nothing: the smearing is Gaussian)
    ok = rec.track_accept("straw")[:, 0]
    p_meas = np.linalg.norm(rec.track_p4[ok, 0, 1:], axis=1)
    p_true = rec.track_p_true[ok, 0]
    pull = (p_meas / p_true - 1.0) / straw_sigma_p_rel(CARD, p_true)
    assert abs(np.std(pull) - 1.0) < 0.02 and abs(np.mean(pull)) < 0.02
    # the vertex of the measured lines is near the true one (median |dz| found 0.18 m with GTK and STRAW
    # resolutions of the card; 0.5 m is a factor ~3 looser, a wrong vertex would be metres off)
    assert np.median(np.abs(rec.vertex[ok, 2] - rec.vertex_true[ok, 2])) < 0.5
    # fiducial-window probability x generator weight (1): in (0, 1]
    assert np.all((rec.weight > 0) & (rec.weight <= 1))
    # PID response of a pi+: the card's efficiencies
    assert rec.track_pid[0, 0].tolist() == [CARD.pid.pion_efficiency, CARD.pid.pion_as_muon, CARD.pid.pion_as_electron]


def test_times_follow_the_card_resolutions(two_blocks):
    rec, tr = two_blocks, TimeResolutions.from_card(CARD)
    # measured time = event time 0 + Gaussian noise of the detector's resolution: pulls of width 1 (1e4-1e5
    # entries: statistical error < 1 %, tolerance 3 %); times only where the object is seen
    on = np.isfinite(rec.cluster_time_ns)
    assert np.array_equal(on, rec.cluster_detector == DETECTOR_CODES["lkr"])
    assert abs(np.std(rec.cluster_time_ns[on] / tr.lkr(rec.cluster_e[on])) - 1.0) < 0.03
    chod = rec.track_accept("chod")
    assert np.array_equal(np.isfinite(rec.track_time_ns), chod)
    assert abs(np.std(rec.track_time_ns[chod]) / tr.chod - 1.0) < 0.03
    assert abs(np.std(rec.t_ktag_ns) / tr.ktag - 1.0) < 0.03
    veto = np.isin(rec.photon_detector, [DETECTOR_CODES[k] for k in ("lav", "irc", "sac")])
    assert veto.any() and np.array_equal(np.isfinite(rec.photon_veto_time_ns), veto)


def test_decay_without_charged_track_is_refused():
    def photons(n, rng):
        return KaonFrameEvents(np.zeros((n, 2, 4)), ("gamma", "gamma"), np.ones(2, bool), np.ones(n))
    with pytest.raises(InputError, match="decay"):
        build_record(photons, 10, 1, CARD)


def test_cda_of_the_measured_lines(two_blocks):
    # the CDA of the GTK and STRAW lines of a kaon decay is pure resolution: ~1 mm with the card's GTK position /
    # angle and STRAW resolutions (found median 0.93 mm); far below the 30 mm beam-track cut of the HNL selections
    rec = two_blocks
    ok = rec.track_accept("straw")[:, 0]
    assert np.all(rec.cda >= 0) and 0.5e-3 < np.median(rec.cda[ok]) < 4e-3


def test_track_veto_is_the_engine_charged_veto_rule():
    # without STRAW smearing the measured track is the true one, so track_veto must be charged_veto_hits (MNP33
    # bending, MUV0, HASC, STRAW segments) of each track from the true vertex, the rule of the engine
    # (simulation.vetoes.particle_vetoes); the straight-line photon rule disagrees for the soft Dalitz e+-
    res = CARD.resolution.model_copy(update=dict(straw_p_const=0.0, straw_p_slope=0.0, straw_angle_const=0.0,
                                                 straw_angle_ms=0.0))
    card = CARD.model_copy(update={"resolution": res})
    rec = build_record(DALITZ, 3000, 3, card)
    for k, q in enumerate(rec.track_charge):
        p3 = rec.track_p4[:, k, 1:]
        assert np.array_equal(rec.track_veto[:, k], charged_veto_hits(rec.vertex_true, p3, q, card)), k
        straight = photon_hits(rec.vertex_true, p3, card).detector
        if k:
            assert np.count_nonzero(straight != rec.track_veto[:, k]) > 100
    assert np.any(rec.track_veto[:, 1:] == STRAW_SEGMENT)
