"""klickit_core: the domain library of a shop that keeps its privacy promises."""
