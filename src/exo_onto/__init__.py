"""exo-onto: a bilingual OWL ontology and knowledge graph of MSC exosome therapy for cartilage repair.

Library entry points (the CLI is a thin layer over these)::

    from exo_onto import load_graph, run_check
    g = load_graph()              # every ontology/*.ttl, every prefix bound
    report = run_check()          # parse -> reason -> SHACL -> QC -> stored queries
    report = run_check("my.ttl")  # any files: one path or a list, str or Path
"""

from __future__ import annotations

__version__ = "0.1.0"

from .check import CheckReport, run_check  # noqa: E402
from .loading import TurtleError, load_graph, parse_turtle  # noqa: E402
from .namespaces import MSCEXO, PREFIXES, bind_prefixes  # noqa: E402
from .reasoning import ReasonerReport, reason  # noqa: E402

__all__ = [
    "MSCEXO", "PREFIXES", "CheckReport", "ReasonerReport", "TurtleError", "__version__",
    "bind_prefixes", "load_graph", "parse_turtle", "reason", "run_check",
]
