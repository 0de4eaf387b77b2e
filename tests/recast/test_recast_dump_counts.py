"""The recast's beam-dump searches count NA62's 2021 events as ``kaonportal beamdump`` does (beamdump.counts): the
observed mu mu event (0.411 GeV) only at the masses whose invariant-mass window holds it."""

from pathlib import Path

import numpy as np
import pytest

from kaonportal.beamdump.analysis import run_beamdump
from kaonportal.beamdump.contours import exclusion
from kaonportal.beamdump.counts import POT_2021
from kaonportal.models import get_model
from kaonportal.recast import RecastConfig, run_recast

# 0.2 x 6^(k/5): the third mass, 0.409 GeV, lies within the ~+-10 MeV mu mu window (3 sigma_m) of the 0.411 GeV
# event, the others far outside it; the top reaches 1.2 GeV so that every hadronic channel of the dark photon is
# open, as `kaonportal beamdump` requires of each channel asked
GRID = {"mass_range": (0.2, 1.2), "coupling_range": (1e-7, 1e-4)}
N_MASS, N_COUPLING, N_PER_MASS = 6, 24, 300


def test_dump_recast_reproduces_the_beamdump_exclusion_notch_included(tmp_path):
    cfg = RecastConfig(["dump"], n_mass=N_MASS, n_coupling=N_COUPLING, n_per_mass=N_PER_MASS, **GRID)
    res = run_recast(get_model("dark-photon"), cfg, Path(tmp_path))
    dump = next(o for o in res.outcomes if o.name == "dump")
    bd = run_beamdump("dark-photon", channels=tuple(dump.info["channels"]), grid=(N_MASS, N_COUPLING),
                      n_per_mass=N_PER_MASS, **GRID)
    ex = bd.observed
    assert np.allclose(res.masses, ex.masses) and np.allclose(res.couplings, ex.couplings)
    # the notch: the event counts at the 0.409 GeV mass only, in both
    notch = np.abs(res.masses - 0.411) < 0.005
    assert notch.sum() == 1
    assert dump.info["observed_per_mass"] == ex.observed_per_mass.tolist() == notch.astype(int).tolist()
    assert np.allclose(dump.r_map, ex.ratio, rtol=1e-12)
    assert np.array_equal(dump.excluded, ex.excluded)
    # the old count (the event at every mass) excludes less away from the notch, the same at it
    old = exclusion(bd.grid, POT_2021, 1, ex.background)
    assert np.array_equal(old.excluded[notch], dump.excluded[notch])
    assert np.all(dump.excluded[~notch] >= old.excluded[~notch])
    assert np.sum(dump.excluded[~notch] & ~old.excluded[~notch]) > 0, "the per-mass count changes the contour"


def test_each_dump_channel_uses_its_own_production_setup(tmp_path):
    """A per-channel dump search of the recast is `kaonportal beamdump` with that channel alone: its production
    setup is the one resolved for that channel (ee or mu mu alone: no form factor, no vector-meson mixing, as in
    the 2021 dilepton analyses), not the all-channel one; the leptonic ones equal the single-channel run bit for
    bit (same grid, seed and random streams), the hadronic ones share the all-channel simulation and its setup."""
    grid = {"mass_range": (0.3, 0.9), "coupling_range": (1e-7, 1e-5)}
    cfg = RecastConfig(["dump"], n_mass=3, n_coupling=8, n_per_mass=150, **grid)
    res = run_recast(get_model("dark-photon"), cfg, Path(tmp_path))
    by_name = {o.name: o for o in res.outcomes}
    for ch in ("ee", "mumu"):
        o = by_name[f"dump-{ch}"]
        # the eta spectrum is the default one of `kaonportal beamdump` (NA27-reweighted), and is said
        assert o.info["production_setup"] == {"channels_simulated": [ch], "brems_form_factor": "none",
                                              "vector_mixing": "off", "eta_ratio": "na27"}
        bd = run_beamdump("dark-photon", channels=[ch], grid=(3, 8), n_per_mass=150, **grid)
        assert bd.grid.setup.brems_form_factor == "none" and bd.grid.setup.vector_mixing == "off"
        assert np.allclose(o.r_map, bd.observed.ratio, rtol=1e-12, atol=0)
        assert np.array_equal(o.excluded, bd.observed.excluded)
    everything = by_name["dump"].info["production_setup"]
    assert everything["vector_mixing"] == "on" and everything["brems_form_factor"] == "timelike"
    hadronic = [o for o in res.outcomes if o.name.startswith("dump-") and o.name[5:] not in ("ee", "mumu")]
    assert hadronic and all(o.info["production_setup"] == everything for o in hadronic)


def test_dump_searches_carry_the_beamdump_stated_disagreements():
    # review: recast's dump exclusions were shown without the lower-edge disagreement that `kaonportal beamdump`
    # states for the same configuration (one definition: beamdump.disagreements.stated_disagreements)
    from kaonportal.beamdump.disagreements import stated_disagreements
    from kaonportal.beamdump.setup import BeamDumpSetup
    from kaonportal.models import get_model
    from kaonportal.recast.core import RecastConfig, _dump_outcomes

    model = get_model("dark-photon")
    outs, _, _ = _dump_outcomes(model, np.geomspace(0.25, 0.5, 3), np.geomspace(1e-7, 1e-5, 6),
                                RecastConfig(searches=["dump"], n_per_mass=200, seed=1))
    mumu = next(o for o in outs if o.name == "dump-mumu")
    expected = stated_disagreements("dark-photon", ["mumu"], BeamDumpSetup().resolved(["mumu"]), "pole")
    assert expected and mumu.info["stated_disagreements"] == expected


def test_exported_dark_photon_keeps_the_beamdump_stated_disagreements():
    # audit (issue #14): the notes matched exact model names, so an exported "dark-photon-tabulated" got none
    from kaonportal.beamdump.disagreements import stated_disagreements
    from kaonportal.beamdump.setup import BeamDumpSetup
    from kaonportal.models.export import export_model
    from kaonportal.models.tabulated import TabulatedModel
    from kaonportal.recast.core import RecastConfig, _dump_outcomes

    tab = TabulatedModel.from_mapping(export_model("dark-photon", n_masses=60))
    assert tab.name == "dark-photon-tabulated"
    outs, _, _ = _dump_outcomes(tab, np.geomspace(0.25, 0.5, 2), np.geomspace(1e-7, 1e-5, 4),
                                RecastConfig(searches=["dump"], n_per_mass=100, seed=1))
    mumu = next(o for o in outs if o.name == "dump-mumu")
    builtin = stated_disagreements("dark-photon", ["mumu"], BeamDumpSetup().resolved(["mumu"]), None)
    assert builtin and mumu.info["stated_disagreements"] == builtin


@pytest.mark.parametrize("tabulated, mixing, stated", [
    (True, "on", True), (True, "off", False), (False, "on", False)])
def test_tabulated_mixing_approximation_only_where_it_applies(tabulated, mixing, stated):
    # audit (issue #14): "no rho/omega/phi mixing" was listed for every recast, also for built-in models and for
    # dump searches whose production setup has no mixing anyway (ee/mumu only: vector_mixing "off")
    from types import SimpleNamespace

    from kaonportal.recast.output import _dump_approximations

    model = SimpleNamespace(name="dark-photon-tabulated" if tabulated else "dark-photon", particle="A'",
                            coupling_name="epsilon", **({"dump_special_production": {}} if tabulated else {}))
    dump = SimpleNamespace(name="dump", kind="dump", info={"production_setup": {"vector_mixing": mixing}})
    kaon = SimpleNamespace(name="kpix", kind="kaon", info={})
    notes = _dump_approximations(SimpleNamespace(model=model, outcomes=[kaon, dump]))
    assert bool(notes) == stated
    assert not stated or "mixing" in notes[0] and "dump" in notes[0]
