"""Observed events counted per mass hypothesis (issue 14): NA62's one mu mu event (m_mumu ~ 411 MeV,
[Peruzzo:2022discrete]) weakens the limit only inside the signal's invariant-mass window around it, the notch of
the published contour (JHEP 09 (2023) 035) at 0.405-0.42 GeV."""

import numpy as np
import pytest
from typer.testing import CliRunner

from kaonportal.beamdump.analysis import run_beamdump
from kaonportal.beamdump.contours import exclusion, observed_per_mass
from kaonportal.beamdump.counts import PUBLISHED_2021, PUBLISHED_2021_EVENT_MASSES, observed_background
from kaonportal.beamdump.setup import BeamDumpSetup
from kaonportal.beamdump.yields import YieldGrid
from kaonportal.cli.main import app
from kaonportal.stats import poisson_upper_limit

# 0.35-0.47 GeV in 5 log steps: 0.350, 0.378, 0.407, 0.439, 0.470 GeV; only 0.407 lies within the ~+-8 MeV
# (3 sigma_m) mu mu window of 0.411 GeV (the neighbours are 33 and 28 MeV away)
KW = dict(grid=(5, 6), mass_range=(0.35, 0.47), coupling_range=(1e-7, 1e-5), n_per_mass=1500, seed=4)
UL0, UL1 = (float(poisson_upper_limit(n, 0.016, cl=0.9)) for n in (0, 1))


@pytest.fixture(scope="module")
def mumu():
    return run_beamdump("dark-photon", ["mumu"], **KW)


def test_published_event_masses_one_per_observed_event():
    for ch, masses in PUBLISHED_2021_EVENT_MASSES.items():
        assert len(masses) == PUBLISHED_2021[ch][0]
    # every published observed event carries its mass (else it would silently count at every mass)
    assert {c for c, (n, _) in PUBLISHED_2021.items() if n > 0} == set(PUBLISHED_2021_EVENT_MASSES)


def test_event_weakens_the_limit_only_near_its_mass(mumu):
    ex = mumu.observed
    assert ex.observed_per_mass.tolist() == [0, 0, 1, 0, 0]
    assert ex.limit_per_mass == pytest.approx([UL0, UL0, UL1, UL0, UL0], rel=1e-6)
    # against the old counting (the event at every mass): the same limit in the notch, 3.87/2.30 looser elsewhere
    old = exclusion(mumu.grid, ex.pot, 1, 0.016, bands=False)
    gain = ex.ratio / old.ratio
    assert gain[2] == pytest.approx(1.0) and np.allclose(np.delete(gain, 2, axis=0), UL1 / UL0)
    # the notch: at the event's mass the band's lower edge sits above both neighbours' (N ~ eps^4 there)
    from kaonportal.beamdump.edges import band_edges
    lower = [band_edges(mumu.grid.masses, mumu.grid.couplings, ex.ratio, m)["lower"] for m in mumu.grid.masses[1:4]]
    assert lower[1] > 1.1 * max(lower[0], lower[2])
    s = mumu.summary()
    assert s["observed"]["observed_per_mass"] == [0, 0, 1, 0, 0]
    assert s["inputs"]["observed_event_masses_gev"] == {"mumu": [0.411]}
    assert s["band_edges"]["mumu"]["observed_masses_gev"] == [0.411]
    # the single-channel comparison uses the same per-mass counting as the run's own exclusion
    from kaonportal.beamdump.published_contours import channel_ratio
    r = channel_ratio(mumu.grid, "mumu", ex.pot, 1, 0.016, observed_masses=[0.411])
    assert np.allclose(r, ex.ratio)


def test_window_off_restores_counting_at_every_mass():
    res = run_beamdump("dark-photon", ["mumu"], setup=BeamDumpSetup(mass_window_sigma=0.0), **KW)
    assert np.all(np.isinf(res.grid.mass_window_halfwidth["mumu"]))
    assert res.observed.observed_per_mass.tolist() == [1] * 5
    assert res.observed.ratio == pytest.approx(res.observed.n_expected / UL1, rel=1e-6)


def test_user_counts_without_masses_count_everywhere_with_masses_like_published(mumu):
    plain = run_beamdump("dark-photon", ["mumu"], observed=1, background=0.016, **KW)
    assert plain.observed.observed_per_mass is None and plain.observed.signal_limit == pytest.approx(UL1)
    given = run_beamdump("dark-photon", ["mumu"], observed=1, background=0.016, observed_masses=[0.411], **KW)
    assert given.observed.observed_per_mass.tolist() == mumu.observed.observed_per_mass.tolist()
    # audit (issue #14): a one-channel run's events are that channel's, not logged under "any"
    assert given.inputs["observed_event_masses_gev"] == {"mumu": [0.411]}


def test_user_events_on_several_channels_say_the_channel_is_not_given():
    from kaonportal.beamdump.counts import CHANNEL_NOT_GIVEN, observed_background

    one = observed_background(["ee"], observed=1, background=0.1, observed_masses=(0.3,))
    assert one.event_masses() == {"ee": [0.3]}
    two = observed_background(["ee", "mumu"], observed=1, background=0.1, observed_masses=(0.3,))
    assert two.event_masses() == {CHANNEL_NOT_GIVEN: [0.3]} and "channel not given" in CHANNEL_NOT_GIVEN
    assert "any" not in two.event_masses()


def _grid(widths):
    m = np.array([0.39, 0.405, 0.411, 0.418, 0.43])
    return YieldGrid("dark-photon", "epsilon", m, np.ones(2), np.zeros((5, 2)), np.zeros((5, 2)),
                     channels=tuple(widths), mass_window_halfwidth=widths)


def test_event_counted_exactly_once_per_hypothesis():
    # ee and mu mu windows both hold the event: an event of unknown channel is still one event
    g = _grid({"ee": np.full(5, 0.5), "mumu": np.full(5, 0.01)})
    assert observed_per_mass(g, {None: [0.411]}).tolist() == [1] * 5
    assert observed_per_mass(g, {"mumu": [0.411]}).tolist() == [0, 1, 1, 1, 0]
    # two events, one per channel, plus one without a mass: counts add, each at most once
    assert observed_per_mass(g, {"mumu": [0.411], "ee": [0.2]}, n_everywhere=1).tolist() == [2, 3, 3, 3, 2]
    # a mass hypothesis whose channel selected no signal (half-width 0) cannot hold the event
    assert observed_per_mass(_grid({"mumu": np.zeros(5)}), {"mumu": [0.411]}).tolist() == [0] * 5
    # the published counts of an ee + mu mu run: the mu mu event only, with its channel
    c = observed_background(["ee", "mumu"])
    assert c.observed == 1 and c.events == {"mumu": (0.411,)} and c.n_without_mass == 0


def test_per_mass_counts_must_match_the_grid():
    from kaonportal.errors import InputError
    g = _grid({"mumu": np.full(5, 0.01)})
    with pytest.raises(InputError, match="one count per mass"):
        exclusion(g, 1e17, [0, 1], 0.016)
    with pytest.raises(InputError, match="observed: must be a non-negative integer"):
        exclusion(g, 1e17, [0, 1, -1, 0, 0], 0.016)


@pytest.mark.parametrize("args,needle", [
    (["--observed", "1", "--background", "0.016", "--observed-masses", "nan"], "--observed-masses: must be a finite"),
    (["--observed", "1", "--background", "0.016", "--observed-masses", "5"], "--observed-masses: must be in [0.001022, 3] GeV"),
    (["--observed", "1", "--background", "0.016", "--observed-masses", "0.3,0.4"], "one mass per observed event"),
    (["--observed", "1", "--background", "0.016", "--observed-masses", "x"], "--observed-masses: expected comma"),
    (["--observed-masses", "0.411"], "--observed-masses: give the count with --observed"),
])
def test_bad_observed_masses_one_line_exit_2(tmp_path, args, needle):
    res = CliRunner().invoke(app, ["beamdump", "--channels", "mumu", *args, "--grid", "4x4",
                                   "--out", str(tmp_path / "bd")])
    assert res.exit_code == 2 and needle in res.stderr, res.output
    assert len(res.stderr.strip().splitlines()) == 1 and "Traceback" not in res.output
    assert not (tmp_path / "bd").exists()


def test_event_between_grid_masses_is_stated():
    from kaonportal.beamdump.counts import observed_event_block
    coarse = observed_event_block(_grid({"mumu": np.full(5, 0.003)}), {"mumu": [0.4]})
    assert coarse["events"][0]["counted_at_masses_gev"] == []
    assert len(coarse["notes"]) == 1 and "notch there is not resolved" in coarse["notes"][0]
    fine = observed_event_block(_grid({"mumu": np.full(5, 0.003)}), {"mumu": [0.411]})
    assert fine["events"][0]["counted_at_masses_gev"] == [0.411] and fine["notes"] == []


def test_only_untouched_published_counts_are_flagged_published():
    # review: a run whose observed count (or background) the user replaced must not be compared with NA62's contour
    # or the registry as if it were the published search; one flag decides, not the wording of the source
    from kaonportal.beamdump.counts import observed_background

    assert observed_background(["mumu"]).published
    for kw in ({"observed": 0}, {"background": 0.5}, {"observed": 1, "observed_masses": (0.411,)}):
        c = observed_background(["mumu"], **kw)
        assert not c.published and "user-modified" in c.source, kw
    assert observed_background(["mumu"], observed=1, observed_masses=(0.3,)).events == {"mumu": (0.3,)}
    assert not observed_background(["mumu"], observed=1, background=0.016).published
