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

from exo_onto.io.load import TurtleError, load_graph, parse_turtle  # noqa: E402
from exo_onto.pipeline.check import CheckReport, run_check  # noqa: E402
from exo_onto.reason.reasoner import ReasonerReport, reason  # noqa: E402
from exo_onto.terms.namespaces import MSCEXO, PREFIXES, bind_prefixes  # noqa: E402

__all__ = [
    "MSCEXO", "PREFIXES", "CheckReport", "ReasonerReport", "TurtleError", "__version__",
    "bind_prefixes", "load_graph", "parse_turtle", "reason", "run_check", "run_query", "validate_files",
    "validate_graph",
]

#: Names imported on first use: validation pulls in pyshacl, slow to import for every CLI command.
_LAZY = {"validate_files": "exo_onto.shacl.validate", "validate_graph": "exo_onto.shacl.validate",
         "run_query": "exo_onto.query.stored"}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'exo_onto' has no attribute {name!r}")
