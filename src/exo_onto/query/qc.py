"""Quality control like a ROBOT report: SPARQL checks under ``queries/qc/``, each with a severity.

Every check file starts with ``# name:``, ``# severity: ERROR|WARN|INFO`` and ``# description:``
header lines and selects ``?entity ?property ?value``. An ERROR fails ``check`` and ``build``.
A row keeps each term's full text (IRIs in full, as the graph has them) and prints it with IRIs as
the project's CURIEs (``mscexo:X``, ``CL:0000134``), as query answers do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph
from rdflib import Graph

from exo_onto.io.sparql import leading_comments
from exo_onto.paths import queries_dir
from exo_onto.query.embedded import oxigraph_store, term_shown, term_text

SEVERITIES = ("ERROR", "WARN", "INFO")
#: Checks of the project's own ontology header: they say nothing about a file that is not the project.
PROJECT_ONLY_CHECKS = frozenset({"missing_ontology_metadata"})


@dataclass(frozen=True)
class QCCheck:
    name: str
    severity: str
    description: str
    query: str
    path: Path


@dataclass(frozen=True)
class QCRow:
    check: str
    severity: str
    entity: str  # full IRIs, literal values: the data, to compare
    property: str
    value: str
    shown: tuple[str, str, str] = ("", "", "")  # entity, property and value as printed (IRIs as CURIEs)

    def text(self) -> str:
        """``entity property value`` as a report prints them (CURIEs), for one line of output."""
        return " ".join(self.shown if any(self.shown) else (self.entity, self.property, self.value)).rstrip()


@dataclass
class QCReport:
    rows: list[QCRow] = field(default_factory=list)
    checks: list[QCCheck] = field(default_factory=list)

    def count(self, severity: str) -> int:
        return sum(1 for r in self.rows if r.severity == severity)

    @property
    def ok(self) -> bool:
        return self.count("ERROR") == 0

    def tsv(self) -> str:
        """The ROBOT report table, IRIs as CURIEs as ROBOT writes them."""
        lines = ["Level\tRule Name\tSubject\tProperty\tValue"]
        lines += [f"{r.severity}\t{r.check}\t" + "\t".join(r.shown) for r in self.rows]
        return "\n".join(lines) + "\n"


def qc_dir(root: Path | None = None) -> Path:
    return queries_dir(root) / "qc"


def load_checks(directory: Path | None = None) -> list[QCCheck]:
    """Read every ``*.rq`` check; a missing or unknown header value is an error naming the file."""
    checks = []
    for path in sorted((directory or qc_dir()).glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        header = {}
        for line in leading_comments(text):
            key, _, value = line[1:].partition(":")
            header[key.strip()] = value.strip()
        severity = header.get("severity", "")
        if not header.get("name") or severity not in SEVERITIES:
            raise ValueError(f"{path}: the header needs '# name:' and '# severity:' one of {', '.join(SEVERITIES)}")
        checks.append(QCCheck(header["name"], severity, header.get("description", ""), text, path))
    return checks


def run_qc(graph: Graph | None = None, checks: list[QCCheck] | None = None,
           store: pyoxigraph.Store | None = None) -> QCReport:
    """Run every QC check on ``graph`` or on ``store`` (its default graph); rows sorted."""
    checks = checks if checks is not None else load_checks()
    if store is None:
        if graph is None:
            raise ValueError("run_qc needs a graph or a store")
        store = oxigraph_store(graph)
    rows = []
    for check in checks:
        for r in store.query(check.query):
            terms = (r["entity"], r["property"], r["value"])
            rows.append(QCRow(check.name, check.severity, *(term_text(t) for t in terms),
                              shown=tuple(term_shown(t) for t in terms)))
    order = {s: i for i, s in enumerate(SEVERITIES)}
    rows.sort(key=lambda r: (order[r.severity], r.check, r.entity, r.property, r.value))
    return QCReport(rows, checks)


def qc_summary(report: QCReport) -> str:
    return f"{report.count('ERROR')} error(s), {report.count('WARN')} warning(s), {report.count('INFO')} info"
