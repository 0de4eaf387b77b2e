"""Physics analyses (K+ -> pi+ nu nubar first) and the sections of ``kaonportal run``."""
