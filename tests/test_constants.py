"""kaonportal.constants: particle data looked up by PDG id (issue 17) agrees with the PDG names."""

import pytest
from particle import Particle

from kaonportal import constants
from kaonportal.errors import InputError


def _particle_name(alias: str) -> str:
    # the names of the ``particle`` package for the package's short aliases
    return {"eta'": "eta'(958)", "omega": "omega(782)", "phi": "phi(1020)", "rho0": "rho(770)0",
            "KL": "K(L)0", "KS": "K(S)0", "Ds+": "D(s)+"}.get(alias, alias)


@pytest.mark.parametrize("alias", constants.KNOWN_PARTICLES)
def test_pdgid_table_matches_particle_names(alias):
    # the hard-coded id must be the particle the name denotes (a wrong id would silently change masses)
    by_name = Particle.from_name(_particle_name(alias))
    assert constants.pdgid(alias) == int(by_name.pdgid)
    if by_name.mass is not None:
        assert constants.mass(alias) == by_name.mass * 1e-3 or alias in ("gamma",)


def test_lookup_does_not_scan_by_name(monkeypatch):
    # from_name scans the whole PDG table; the module must only use the id lookup
    def boom(*a, **k):
        raise AssertionError("Particle.from_name called")
    monkeypatch.setattr(Particle, "from_name", boom)
    constants._particle.cache_clear()
    constants.mass.cache_clear()
    try:
        assert abs(constants.mass("K+") - 0.493677) < 1e-6
        assert constants.pdgid("mu+") == -13
    finally:
        constants._particle.cache_clear()
        constants.mass.cache_clear()


def test_unknown_particle_is_input_error():
    with pytest.raises(InputError, match="particle"):
        constants.mass("K*")
