"""The result of a SHACL validation as plain Python: what a curator reads and a script parses.

pyshacl answers with an RDF graph; :class:`ValidationReport` turns it into one record per problem
(node, field, offending value, message), so the text report, the JSON and the tests never walk RDF.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import NamedTuple

from rdflib import Graph, Literal, Node, URIRef
from rdflib.namespace import RDFS

from exo_onto.io.write import open_atomic
from exo_onto.shacl import paths
from exo_onto.terms.labels import best
from exo_onto.terms.namespaces import MSCEXO, SH, curie_or_iri

_IRI_IN_TEXT = re.compile(r"https?://[^\s,;()<>\"']+[^\s,;()<>\"'.]")
_VALUE_WIDTH = 60
#: Severities from the most to the least serious (the local names of sh:Violation, …).
SEVERITIES = ("Violation", "Warning", "Info")


class ResultTerms(NamedTuple):
    """A result as RDF terms, the way a SHACL report states it: what conformance tests compare."""

    focus: Node
    path: Node | None
    value: Node | None
    shape: Node | None
    component: Node
    severity: Node


@dataclass(frozen=True)
class ValidationResult:
    """One problem: which node (``focus``), which field (``path``), what value, and why (``message``).

    ``shape`` is the shape that rejected the node; ``constraint`` the rule within it: the SPARQL
    constraint for SHACL-SPARQL rules, else the constraint component (``sh:MinCountConstraintComponent``).
    """

    focus: str
    focus_iri: str
    label: str | None
    path: str | None
    value: str | None
    message: str
    severity: str
    shape: str
    constraint: str
    #: The same result as RDF terms (not rendered, not cut): compared by the conformance tests.
    terms: ResultTerms | None = field(default=None, compare=False, repr=False)

    def line(self) -> str:
        """``Violation  prov:wasDerivedFrom = VALUE: message`` (the node is printed above it)."""
        field_ = self.path or "(node)"
        value = f" = {self.value}" if self.value is not None else ""
        return f"{self.severity:<9}  {field_}{value}: {self.message}"


@dataclass
class ValidationReport:
    """The results of one validation run; the graph conforms when no result is a violation.

    A report built by :func:`collect` with a ``limit`` keeps only the first results of each shape and
    constraint; ``totals`` then holds every result's count, so the summary and the verdict stay whole.
    """

    results: list[ValidationResult] = field(default_factory=list)
    #: Results per severity, counted over every result (kept or not); None when all are kept.
    totals: dict[str, int] | None = None
    #: Results not kept in ``results`` (over the per-shape limit).
    dropped: int = 0
    #: Distinct focus nodes over every result; None when all are kept.
    nodes: int | None = None

    def count(self, severity: str) -> int:
        if self.totals is not None:
            return self.totals.get(severity, 0)
        return sum(1 for r in self.results if r.severity == severity)

    @property
    def violations(self) -> list[ValidationResult]:
        return [r for r in self.results if r.severity == "Violation"]

    @property
    def warnings(self) -> list[ValidationResult]:
        return [r for r in self.results if r.severity == "Warning"]

    @property
    def conforms(self) -> bool:
        """Warnings (the MISEV items) and infos never make the graph non-conforming."""
        return self.count("Violation") == 0

    def by_focus(self, min_severity: str = "Info") -> list[tuple[str, str | None, list[ValidationResult]]]:
        """Results grouped by node: nodes with violations first, then by name; severest result first."""
        keep = SEVERITIES[: SEVERITIES.index(min_severity) + 1]
        groups: dict[str, list[ValidationResult]] = {}
        for r in self.results:
            if r.severity in keep:
                groups.setdefault(r.focus, []).append(r)
        rank = SEVERITIES.index
        out = []
        for focus, rs in groups.items():
            rs.sort(key=lambda r: (rank(r.severity), r.path or "", r.value or "", r.shape))
            out.append((focus, rs[0].label, rs))
        out.sort(key=lambda g: (min(rank(r.severity) for r in g[2]), g[0]))
        return out

    def summary(self) -> str:
        nodes = self.nodes if self.nodes is not None else len({r.focus for r in self.results})
        kept = f"; {self.dropped} not listed (over the limit per shape)" if self.dropped else ""
        return (f"{self.count('Violation')} violation(s), {self.count('Warning')} warning(s), "
                f"{self.count('Info')} info(s) on {nodes} node(s){kept}")

    def to_text(self, min_severity: str = "Info") -> str:
        """The human report: one block per node (with its label), one line per problem."""
        lines = []
        for focus, label, rs in self.by_focus(min_severity):
            lines.append(f'{focus}  "{label}"' if label else focus)
            lines += [f"  {r.line()}" for r in rs]
            lines.append("")
        lines.append(self.summary())
        lines.append("verdict: conforms" + (" (warnings only)" if self.results else "") if self.conforms
                     else "verdict: does NOT conform")
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict:
        return {
            "conforms": self.conforms,
            "violations": self.count("Violation"),
            "warnings": self.count("Warning"),
            "infos": self.count("Info"),
            "not_listed": self.dropped,
            "results": [{f.name: getattr(r, f.name) for f in fields(r) if f.name != "terms"} for r in self.results],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n"


@contextmanager
def report_file(path: Path | None) -> Iterator[Callable[[ValidationResult], None] | None]:
    """A sink for :func:`collect` writing every result as one JSON object per line to ``path``, through
    :func:`exo_onto.io.write.open_atomic` (the file appears only when the report is complete); no path,
    no sink."""
    if path is None:
        yield None
        return
    with open_atomic(path, "w", encoding="utf-8") as fh:
        def write(r: ValidationResult) -> None:
            row = {f.name: getattr(r, f.name) for f in fields(r) if f.name != "terms"}
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")

        yield write


@dataclass(slots=True)
class PendingResult:
    """A result counted and told apart before it is rendered: :func:`collect` renders only those it keeps or
    hands to a sink (at ×1000 it keeps 17,000 of 166,000 results; rendering them all took 4 s more)."""

    key: int
    severity: str
    focus_iri: str
    #: (shape, constraint) as rendered: what the limit is counted per.
    bucket: tuple[str, str]
    render: Callable[[], ValidationResult]


def result_key(terms: object, constraint: str, message: str) -> int:
    """What tells two results apart: their terms, rule and message (a rendered and a pending result alike)."""
    return hash((terms, constraint, message))


def _key(r: ValidationResult) -> int:
    terms = r.terms if r.terms is not None else (r.focus_iri, r.path, r.value, r.shape)
    return result_key(terms, r.constraint, r.message)


def dedupe(results: Iterable[ValidationResult]) -> list[ValidationResult]:
    """Drop repeats: a shared property shape reached through two node shapes reports twice."""
    return collect(results).results


def collect(results: Iterable[ValidationResult | PendingResult], limit: int | None = None,
            sink: Callable[[ValidationResult], None] | None = None) -> ValidationReport:
    """A report from a stream of results, without repeats, holding at most ``limit`` per shape and constraint.

    Every result is counted and handed to ``sink`` (a report file, say); only the kept ones stay in
    memory, so a graph with a million warnings is validated in the memory of a few thousand. A
    :class:`PendingResult` is rendered only when it is kept or sunk.
    """
    seen: set[int] = set()
    nodes: set[int] = set()
    totals: dict[str, int] = {}
    per_shape: dict[tuple[str, str], int] = {}
    kept: list[ValidationResult] = []
    dropped = 0
    for r in results:
        if isinstance(r, PendingResult):
            key, severity, focus_iri, bucket = r.key, r.severity, r.focus_iri, r.bucket
        else:
            key, severity, focus_iri, bucket = _key(r), r.severity, r.focus_iri, (r.shape, r.constraint)
        if key in seen:
            continue
        seen.add(key)
        nodes.add(hash(focus_iri))
        totals[severity] = totals.get(severity, 0) + 1
        keep = limit is None or per_shape.get(bucket, 0) < limit
        if keep or sink is not None:
            result = r.render() if isinstance(r, PendingResult) else r
            if sink is not None:
                sink(result)
        if keep:
            per_shape[bucket] = per_shape.get(bucket, 0) + 1
            kept.append(result)
        else:
            dropped += 1
    if not dropped:
        return ValidationReport(kept)
    return ValidationReport(kept, totals, dropped, len(nodes))


def shorten(iri: str) -> str:
    """``mscexo:finding-1``, ``hgnc:2200``, ``RO:0001000``: the project's one CURIE converter, as query answers
    and QC print them; an IRI outside the project's prefixes stays ``<…>``."""
    return curie_or_iri(iri)


def _shorten_text(text: str) -> str:
    return _IRI_IN_TEXT.sub(lambda m: shorten(m.group(0)).strip("<>"), text)


def _render_value(node: Node | None) -> str | None:
    if node is None:
        return None
    if isinstance(node, URIRef):
        return shorten(str(node))
    if isinstance(node, Literal):
        text = str(node).replace("\n", "\\n")
        text = text if len(text) <= _VALUE_WIDTH else text[: _VALUE_WIDTH - 1] + "…"
        if node.language:
            return f'"{text}"@{node.language}'
        return f'"{text}"^^{shorten(str(node.datatype))}' if node.datatype else f'"{text}"'
    return "[]"


def _render_path(path: Node | None, graphs: tuple[Graph, ...]) -> str | None:
    """A SHACL property path as text (:mod:`exo_onto.shacl.paths`); ``[]`` when it is not one."""
    if path is None:
        return None
    try:
        return paths.to_text(paths.parse(path, graphs), shorten)
    except paths.NotAPath:
        return "[]"


def node_name(labels: Iterable[object], renderings: Iterable[object]) -> str | None:
    """How a curator knows a node in a report: its label by the one label rule (English), else, for a span,
    its English rendering; on one line."""
    found = best(labels, "en") or best(renderings, "en")
    return " ".join(str(found).split()) if found is not None else None


def _label(node: Node, graph: Graph) -> str | None:
    return node_name(graph.objects(node, RDFS.label), graph.objects(node, MSCEXO.englishRendering))


def first_message(messages: Iterable[Literal]) -> str:
    """The message a result shows: the English one first, IRIs in it written short."""
    ordered = sorted(messages, key=lambda m: (getattr(m, "language", None) not in ("en", None), str(m)))
    return _shorten_text(str(ordered[0])) if ordered else "(no message)"


def severity_name(severity: Node) -> str:
    """``Violation`` for ``sh:Violation``."""
    return str(severity).rsplit("#", 1)[-1]


def shape_name(shape: Node | None) -> str:
    """The shape as a report names it; ``[]`` for a blank-node shape."""
    return shorten(str(shape)) if isinstance(shape, URIRef) else "[]"


def make_result(focus: Node, path: Node | None, value: Node | None, messages: Iterable[Literal], severity: Node,
                shape: Node | None, constraint: Node, label: str | None, shapes: Graph,
                results_graph: Graph | None = None, component: Node | None = None) -> ValidationResult:
    """One result as the report holds it: terms rendered short, the English message first.

    ``constraint`` is the SPARQL constraint of a SHACL-SPARQL rule, else the component; ``component``
    is the constraint component when it differs from ``constraint``.
    """
    graphs = (results_graph, shapes) if results_graph is not None else (shapes,)
    return ValidationResult(
        focus=_render_value(focus) or "",
        focus_iri=str(focus),
        label=label,
        path=_render_path(path, graphs),
        value=_render_value(value),
        message=first_message(messages),
        severity=severity_name(severity),
        shape=shape_name(shape),
        constraint=shorten(str(constraint)),
        terms=ResultTerms(focus, path, value, shape, component if component is not None else constraint, severity),
    )


def _results(results_graph: Graph, shapes: Graph, labels: Graph) -> Iterator[ValidationResult]:
    for r in results_graph.objects(None, SH.result):
        focus = results_graph.value(r, SH.focusNode)
        component = results_graph.value(r, SH.sourceConstraintComponent)
        constraint = results_graph.value(r, SH.sourceConstraint)
        if not isinstance(constraint, URIRef):
            constraint = component
        yield make_result(focus, results_graph.value(r, SH.resultPath), results_graph.value(r, SH.value),
                          results_graph.objects(r, SH.resultMessage), results_graph.value(r, SH.resultSeverity),
                          results_graph.value(r, SH.sourceShape), constraint, _label(focus, labels), shapes,
                          results_graph, component)


def from_results_graph(results_graph: Graph, shapes: Graph, labels: Graph) -> ValidationReport:
    """The report of a pyshacl results graph; ``shapes`` renders blank-node paths, ``labels`` names nodes."""
    return ValidationReport(dedupe(_results(results_graph, shapes, labels)))
