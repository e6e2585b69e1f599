"""exo-onto: a bilingual OWL ontology and knowledge graph of MSC exosome therapy for cartilage repair.

Library entry points (the CLI is a thin layer over these)::

    from exo_onto import load_graph, run_check
    g = load_graph()              # every ontology/*.ttl, every prefix bound
    report = run_check()          # parse -> reason -> SHACL -> QC -> stored queries
    report = run_check("my.ttl")  # any files: one path or a list, str or Path
    validate_files()              # SHACL report: .violations, .to_text(), .to_dict()
    run_query("mirna-targets")    # a stored competency question

The package is layered (README, "Layout"): ``terms`` and ``paths`` at the bottom, then ``io``, then
``shacl``, ``query`` and ``reason``, then ``curate``, ``publish``, ``pipeline`` and ``cli``; a lower
floor never imports a higher one (tests/test_layers.py).
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = [
    "MSCEXO", "PREFIXES", "CheckReport", "ReasonerReport", "TurtleError", "__version__",
    "bind_prefixes", "load_graph", "parse_turtle", "reason", "run_check", "run_query", "validate_files",
    "validate_graph",
]

# ``reason`` is imported now: it is also the name of the subpackage ``exo_onto.reason``, which would take
# its place here once anything imported it.
from exo_onto.reason.reasoner import ReasonerReport, reason  # noqa: E402

#: The other names are imported on first use: a command should not pay for pyshacl and curies when it
#: does not use them (every CLI run took 0.3 s of CPU before doing anything, most of it importing these).
_LAZY = {
    "TurtleError": "exo_onto.io.load", "load_graph": "exo_onto.io.load", "parse_turtle": "exo_onto.io.load",
    "CheckReport": "exo_onto.pipeline.check", "run_check": "exo_onto.pipeline.check",
    "MSCEXO": "exo_onto.terms.namespaces", "PREFIXES": "exo_onto.terms.namespaces",
    "bind_prefixes": "exo_onto.terms.namespaces",
    "validate_files": "exo_onto.shacl.validate", "validate_graph": "exo_onto.shacl.validate",
    "run_query": "exo_onto.query.stored",
}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'exo_onto' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
