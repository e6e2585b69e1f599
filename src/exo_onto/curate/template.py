"""The curation template: findings as TSV rows, checked and written as canonical Turtle.

A curator who knows the review but not the schema, the shapes or the IRI rules adds a finding by
filling one row of a spreadsheet (ROBOT-template style: a header row of column names, an optional
second row saying what each column becomes). :func:`check_template` reads the rows against the
project and reports every problem as one line ``FILE:ROW:COLUMN: what is wrong``:

* the quote occurs in the pinned source once, or the row says which occurrence (or gives offsets);
* every CURIE is a verified row of ``ontology/reference/`` or a term of the ontology, not deprecated;
* the predicate is one of the closed set and allowed for the kinds of subject and object (:data:`RULES`);
* the shapes hold for the project graph with the rows added (only new violations are reported).

:func:`write_findings` then adds the new findings (and their spans and new experimental contexts) to
``ontology/kg/findings-SECTION.ttl`` as canonical Turtle: the file's graph gains exactly those triples
and nothing else in it changes. A new finding gets the next number of its section
(``finding-1.2-34``) above every number any IRI or note of the graph has ever used, so a withdrawn
(deprecated) finding's IRI is never reused. A row that names an existing finding by its ``id`` is a
correction: it must add a change note (docs/curation.md §4), and it replaces that finding's triples.

:func:`export_template` writes today's findings in the same form; reading it back gives the same
graph (the tests check it), so a curator can edit in a spreadsheet and re-import.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

from exo_onto.io.load import load_graph
from exo_onto.io.spans import CONTEXT, Span, _squeeze, source_text, span_triples
from exo_onto.paths import kg_dir, ontology_files, reference_dir
from exo_onto.terms.labels import label
from exo_onto.terms.namespaces import (
    BIOLINK,
    CITO,
    DEFINITION,
    EFO,
    HGNC,
    MIRBASE,
    MIRBASE_MATURE,
    MSCEXO,
    MSCEXOSH,
    NCBIGENE,
    OA,
    OBO,
    PREFIXES,
    SH,
    curie,
    curie_prefix_iri,
)

# --------------------------------------------------------------------------- the template's columns

#: column name -> what the column becomes (the ROBOT-style template string of the second row).
COLUMNS: dict[str, str] = {
    "id": "ID",
    "section": "AI mscexo:statedInSection",
    "quote": ">A oa:exact@zh",
    "occurrence": ">A oa:start (which occurrence of the quote, 1 = first)",
    "offsets": ">A oa:start-oa:end",
    "english": ">A mscexo:englishRendering@en",
    "label_en": "A rdfs:label@en",
    "label_zh": "A rdfs:label@zh",
    "subject": "AI biolink:subject",
    "predicate": "AI biolink:predicate",
    "object": "AI biolink:object",
    "direction": "AI mscexo:direction",
    "aspect": "AI mscexo:objectAspect",
    "anatomical_context": "AI mscexo:anatomicalContext",
    "evidence": "AI biolink:has_evidence",
    "cites": "AI cito:citesAsEvidence SPLIT=|",
    "context": "AI mscexo:hasContext",
    "design": ">AI mscexo:studyDesign",
    "species": ">AI mscexo:inSpecies",
    "model": ">AI mscexo:usesModel SPLIT=|",
    "time_weeks": ">A mscexo:timePointWeeks",
    "conflicts_with": "AI mscexo:conflictsWith SPLIT=|",
    "comment": "A rdfs:comment@en SPLIT=|",
    "editorial_note": "A skos:editorialNote@en SPLIT=|",
    "change_note": "A skos:changeNote@en SPLIT=|",
}
REQUIRED = ("section", "label_en", "label_zh", "subject", "predicate", "object", "evidence")
#: the finding predicate each column sets (for naming the column of a shape violation)
COLUMN_OF = {
    BIOLINK.subject: "subject", BIOLINK.predicate: "predicate", BIOLINK.object: "object",
    MSCEXO.direction: "direction", MSCEXO.objectAspect: "aspect", MSCEXO.anatomicalContext: "anatomical_context",
    BIOLINK.has_evidence: "evidence", CITO.citesAsEvidence: "cites", MSCEXO.hasContext: "context",
    MSCEXO.statedInSection: "section", MSCEXO.conflictsWith: "conflicts_with", RDFS.label: "label_en",
    PROV.wasDerivedFrom: "quote", SKOS.editorialNote: "editorial_note", SKOS.changeNote: "change_note",
    RDFS.comment: "comment", MSCEXO.englishRendering: "english", MSCEXO.studyDesign: "design",
    MSCEXO.inSpecies: "species", MSCEXO.usesModel: "model", MSCEXO.timePointWeeks: "time_weeks",
}
_SPLIT = re.compile(r"(?<!\\)\|")

# --------------------------------------------------------------------------- kinds and the predicate rules

_NAMESPACE_KINDS = (
    (str(HGNC), "gene"), (str(NCBIGENE), "gene"), (str(MIRBASE_MATURE), "miRNA"), (str(MIRBASE), "miRNA"),
    (str(OBO) + "CL_", "cell"), (str(EFO), "cell"), (str(OBO) + "UBERON_", "anatomy"),
    (str(OBO) + "MONDO_", "condition"), (str(OBO) + "DOID_", "condition"), (str(OBO) + "MAXO_", "treatment"),
    (str(OBO) + "GO_", "process"),
)
_ROOT_KINDS = {
    MSCEXO.GeneOrGeneProduct: "gene", OBO.SO_0000276: "miRNA", MSCEXO.VesicleCargo: "cargo",
    OBO.GO_1903561: "vesicle", OBO.CL_0000034: "cell", MSCEXO.EVDeliveryCarrier: "carrier",
    MSCEXO.Biomaterial: "carrier", MSCEXO.SustainedReleaseSystem: "carrier",
    MSCEXO.ConventionalCartilageTreatment: "treatment", MSCEXO.OpenResearchProblem: "open problem",
    MSCEXO.FutureResearchDirection: "research direction", MSCEXO.StorageCondition: "storage condition",
    MSCEXO.Comparator: "comparator", MSCEXO.OutcomeMeasure: "outcome measure",
}
ALL_KINDS = frozenset({"gene", "miRNA", "cargo", "vesicle", "cell", "carrier", "anatomy", "condition",
                       "treatment", "process", "open problem", "research direction", "storage condition",
                       "comparator", "outcome measure", "other"})
_ANY = None
#: predicate -> (kinds its subject may have, kinds its object may have); None: any. From docs/modelling.md.
RULES: dict[URIRef, tuple[frozenset | None, frozenset | None]] = {
    OBO.RO_0002436: (frozenset({"miRNA"}), frozenset({"gene"})),  # a miRNA targets an mRNA
    OBO.RO_0002213: (_ANY, frozenset({"process", "other"})),
    OBO.RO_0002212: (_ANY, frozenset({"process", "other"})),
    OBO.RO_0002211: (_ANY, frozenset({"process", "gene", "other"})),  # 调节: a miRNA regulates PTEN (2.2)
    OBO.RO_0002215: (_ANY, frozenset({"process", "other"})),
    OBO.RO_0002599: (_ANY, frozenset({"process", "condition", "other"})),
    OBO.RO_0003307: (_ANY, frozenset({"condition", "other"})),
    OBO.RO_0002606: (_ANY, frozenset({"condition", "other"})),
    OBO.RO_0003304: (frozenset({"condition", "other"}), frozenset({"condition", "other"})),
    OBO.BFO_0000051: (frozenset({"vesicle", "carrier", "anatomy", "cell", "other"}),
                      frozenset({"vesicle", "carrier", "cargo", "gene", "miRNA", "anatomy", "other"})),
    OBO.RO_0001000: (_ANY, frozenset({"cell", "anatomy", "other"})),
    OBO.RO_0000087: (_ANY, frozenset({"other"})),
    MSCEXO.affects: (_ANY, ALL_KINDS - {"open problem", "research direction", "storage condition"}),
    MSCEXO.outperforms: (_ANY, _ANY),
    MSCEXO.lacksPart: (frozenset({"anatomy"}), frozenset({"anatomy", "other"})),
    MSCEXO.correlatesNegativelyWith: (_ANY, _ANY),
    MSCEXO.retainsFeaturesOf: (frozenset({"vesicle"}), frozenset({"cell"})),
    MSCEXO.hasStorageRequirement: (frozenset({"vesicle"}), frozenset({"storage condition"})),
    MSCEXO.hasOpenProblem: (_ANY, frozenset({"open problem"})),
    MSCEXO.hasResearchDirection: (_ANY, frozenset({"research direction"})),
}


def _ancestors(graph: Graph, node: URIRef) -> set:
    """``node``, its types and every named superclass (told, or a conjunct of an equivalent class)."""
    seen: set = set()
    todo = [node, *(t for t in graph.objects(node, RDF.type) if t not in (OWL.NamedIndividual, OWL.Class))]
    while todo:
        c = todo.pop()
        if c in seen or not isinstance(c, URIRef):
            continue
        seen.add(c)
        todo.extend(graph.objects(c, RDFS.subClassOf))
        for eq in graph.objects(c, OWL.equivalentClass):
            todo.append(eq)
            for members in graph.objects(eq, OWL.intersectionOf):
                todo.extend(Collection(graph, members))
    return seen


def kinds_of(graph: Graph, node: URIRef) -> frozenset[str]:
    """What kind of thing ``node`` is, from its namespace and its place in the hierarchy ({'other'} if unknown)."""
    kinds = set()
    for a in _ancestors(graph, node):
        kinds.update(k for root, k in _ROOT_KINDS.items() if a == root)
        kinds.update(k for ns, k in _NAMESPACE_KINDS if str(a).startswith(ns))
    if "vesicle" in kinds:
        kinds.discard("process")  # GO's cellular components (exosome) are vesicles, not processes
    return frozenset(kinds or {"other"})


def predicate_problem(graph: Graph, predicate: URIRef, subject: URIRef, obj: URIRef) -> tuple[str, str] | None:
    """(column, why) when ``predicate`` is not allowed between the kinds of ``subject`` and ``obj``."""
    rule = RULES.get(predicate)
    if rule is None:
        return None
    for column, node, allowed in (("subject", subject, rule[0]), ("object", obj, rule[1])):
        if allowed is None:
            continue
        kinds = kinds_of(graph, node)
        if not kinds & allowed:
            return column, (f"{curie(predicate)} needs {'a' if column == 'object' else 'an'} {column} that is "
                            f"{' or '.join(sorted(allowed))}; {curie(node)} is {' and '.join(sorted(kinds))}")
    return None


# --------------------------------------------------------------------------- the project's vocabulary


@dataclass
class Reference:
    """The verified identifiers of ``ontology/reference/`` (IRI -> status, file)."""

    status: dict[str, tuple[str, str]] = field(default_factory=dict)

    @classmethod
    def load(cls, directory: Path | None = None) -> Reference:
        out = cls()
        for name in ("xrefs.tsv", "xrefs-supplement.tsv"):
            path = (directory or reference_dir()) / name
            if not path.is_file():
                continue
            with open(path, encoding="utf-8", newline="") as fh:
                for row in csv.DictReader(fh, delimiter="\t"):
                    iri = (row.get("iri") or "").strip()
                    if iri:
                        current = out.status.get(iri)
                        if current is None or current[0] != "verified":
                            out.status[iri] = ((row.get("status") or "").strip(), name)
        return out

    def verified(self, iri: str) -> bool:
        return self.status.get(iri, ("", ""))[0] == "verified"


def _closed_set(shapes: Graph, shape: URIRef) -> list[URIRef]:
    lst = shapes.value(shape, SH["in"])
    return list(Collection(shapes, lst)) if lst is not None else []


@dataclass
class Project:
    """What a template is checked against: the graph, the reference tables and the shapes' closed sets."""

    graph: Graph
    reference: Reference
    shapes: Graph
    predicates: list[URIRef]
    directions: list[URIRef]
    evidence: list[URIRef]

    @classmethod
    def load(cls) -> Project:
        from exo_onto.shacl.validate import load_shapes  # pyshacl is slow to import

        graph = load_graph()
        shapes = load_shapes()
        evidence = _closed_set(shapes, MSCEXOSH.EvidencePolicyCodeShape) or _closed_set(
            shapes, MSCEXOSH.FindingEvidenceShape)
        return cls(graph, Reference.load(), shapes, _closed_set(shapes, MSCEXOSH.FindingPredicateShape),
                   _closed_set(shapes, MSCEXOSH.FindingDirectionShape), evidence)

    def is_term(self, iri: URIRef) -> bool:
        return (iri, RDF.type, None) in self.graph or (iri, RDFS.label, None) in self.graph

    def deprecated(self, iri: URIRef) -> bool:
        return any(str(v).lower() in ("true", "1") for v in self.graph.objects(iri, OWL.deprecated))


# --------------------------------------------------------------------------- CURIEs


_TURTLE_PREFIXES = dict(PREFIXES)


def expand(text: str) -> URIRef | None:
    """A CURIE as the project writes it (``CL:0000134``, ``hgnc:2200``, ``mscexo:prep-24-bmsc-exo``), a
    Turtle prefixed name (``obo:CL_0000134``, ``hgnc:2200``) or a full IRI (``<…>`` or ``http…``)."""
    text = text.strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    if re.match(r"https?://", text):
        return URIRef(text)
    prefix, sep, local = text.partition(":")
    if not sep or not prefix or not local or any(c.isspace() for c in text):
        return None
    if prefix in _TURTLE_PREFIXES:  # the Turtle files' own prefix names (obo:, hgnc:, mscexo:, …)
        return URIRef(_TURTLE_PREFIXES[prefix] + local)
    if re.fullmatch(r"[A-Za-z][A-Za-z0-9_.]*", prefix):
        return URIRef(curie_prefix_iri(prefix) + local)
    return None


# --------------------------------------------------------------------------- reading a template


class TemplateError(Exception):
    """A template that cannot be read at all (missing, not UTF-8, not a table): exit status 2."""


@dataclass
class Problem:
    row: int
    column: str
    message: str

    def line(self, where: str) -> str:
        return f"{where}:{self.row}:{self.column}: {self.message}"


@dataclass
class Row:
    number: int
    cells: dict[str, str]

    def get(self, column: str) -> str:
        return self.cells.get(column, "").strip()

    def many(self, column: str) -> list[str]:
        raw = self.cells.get(column, "")
        return [v.strip().replace("\\|", "|").replace("\\\\", "\\") for v in _SPLIT.split(raw) if v.strip()]


def read_template(path: Path | str) -> tuple[list[Row], list[Problem]]:
    """The rows of a template (header on row 1, the optional ROBOT template row 2) and header problems."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise TemplateError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise TemplateError(f"{path}: not UTF-8 (byte {exc.start}); save the table as UTF-8 TSV") from None
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter="\t"))
    if not records or not any(c.strip() for c in records[0]):
        raise TemplateError(f"{path}: empty; the first row names the columns ({', '.join(COLUMNS)})")
    header = [c.strip() for c in records[0]]
    problems = [Problem(1, name or f"column {i + 1}", f"unknown column; the columns are {', '.join(COLUMNS)}")
                for i, name in enumerate(header) if name not in COLUMNS]
    seen: set[str] = set()
    for name in header:
        if name in seen and name in COLUMNS:
            problems.append(Problem(1, name, "column given twice"))
        seen.add(name)
    missing = [c for c in (*REQUIRED, "quote") if c not in header and not (c == "quote" and "offsets" in header)]
    problems += [Problem(1, c, "required column missing") for c in missing]
    rows = []
    for number, record in enumerate(records[1:], start=2):
        cells = {name: record[i] if i < len(record) else "" for i, name in enumerate(header) if name in COLUMNS}
        if len(record) > len(header) and any(c.strip() for c in record[len(header):]):
            problems.append(Problem(number, f"column {len(header) + 1}", "a cell beyond the named columns"))
        if not any(v.strip() for v in cells.values()) or record[0].lstrip().startswith("#"):
            continue  # blank or comment row
        if number == 2 and cells.get("id", "").strip() == "ID":  # the ROBOT template-string row
            for name, value in cells.items():
                if value.strip() and value.strip() != COLUMNS[name]:
                    problems.append(Problem(2, name, f"template string should be {COLUMNS[name]!r}"))
            continue
        rows.append(Row(number, cells))
    return rows, problems


# --------------------------------------------------------------------------- checking rows


@dataclass
class Built:
    """One row turned into RDF."""

    row: Row
    finding: URIRef
    file: Path
    triples: Graph  # the finding's own triples
    extra: Graph  # what the row adds besides the finding: a new span, a new context
    span: Graph  # the span the finding is derived from (new or already in the graph)
    status: str  # "new", "correction" or "unchanged"
    nodes: set = field(default_factory=set)  # every node the row adds (to map shape results back)


@dataclass
class Result:
    """What :func:`check_template` found: the rows as RDF and the problems, one per line."""

    where: str
    built: list[Built] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        return [p.line(self.where) for p in sorted(self.problems, key=lambda p: (p.row, p.column))]

    def graph(self) -> Graph:
        """Every row's triples (finding, span, context) as one graph."""
        g = Graph()
        for b in self.built:
            g += b.triples
            g += b.span
            g += b.extra
        return g


_SECTION_NUMBER = re.compile(r"finding-(?P<section>[A-Za-z0-9.]+?)-(?P<n>\d+)\b")


def _used_numbers(graph: Graph) -> dict[str, int]:
    """section -> highest finding number any IRI or text of the graph has used (withdrawn ones included)."""
    top: dict[str, int] = {}
    for term in {t for triple in graph for t in triple}:
        text = str(term) if isinstance(term, (URIRef, Literal)) else ""
        for m in _SECTION_NUMBER.finditer(text):
            top[m["section"]] = max(top.get(m["section"], 0), int(m["n"]))
    return top


def _occurrences(quote: str, text: str) -> list[tuple[int, int]]:
    squeezed, index = _squeeze(text)
    needle, _ = _squeeze(quote)
    if not needle:
        return []
    out, start = [], squeezed.find(needle)
    while start >= 0:
        out.append((index[start], index[start + len(needle) - 1] + 1))
        start = squeezed.find(needle, start + 1)
    return out


def _span_at(text: str, start: int, end: int) -> Span:
    return Span(start, end, text[start:end], text[max(0, start - CONTEXT):start], text[end:end + CONTEXT])


class _Checker:
    def __init__(self, project: Project, where: str) -> None:
        self.p = project
        self.g = project.graph
        self.result = Result(where)
        self.text = source_text()
        self.numbers = _used_numbers(self.g)
        self.minted: set[URIRef] = set()
        self.refs = {int(n): s for s, n in self.g.subject_objects(MSCEXO.referenceNumber)
                     if str(n).isdigit()}

    def problem(self, row: Row, column: str, message: str) -> None:
        self.result.problems.append(Problem(row.number, column, message))

    # a term named in a cell
    def term(self, row: Row, column: str, value: str, required: bool = False) -> URIRef | None:
        if not value:
            if required:
                self.problem(row, column, "required")
            return None
        iri = expand(value)
        if iri is None:
            self.problem(row, column, f"{value!r} is not a CURIE (e.g. CL:0000134, hgnc:2200, mscexo:prep-24-bmsc-exo)")
            return None
        if self.p.deprecated(iri):
            better = [curie(o) for o in self.g.objects(iri, OBO.IAO_0100001)]
            self.problem(row, column, f"{value} is deprecated" + (f"; use {', '.join(better)}" if better else ""))
            return None
        if self.p.reference.verified(str(iri)) or self.p.is_term(iri):
            return iri
        status = self.p.reference.status.get(str(iri))
        if status:
            self.problem(row, column, f"{value} is {status[0] or 'not verified'} in ontology/reference/{status[1]}, "
                                      "not a verified identifier")
        else:
            self.problem(row, column, f"{value} is neither a verified identifier of ontology/reference/ nor a term "
                                      "of the ontology")
        return None

    def one_of(self, row: Row, column: str, value: str, allowed: list[URIRef], required: bool = False) -> URIRef | None:
        if column == "direction" and value and ":" not in value:
            value = "mscexo:" + value
        iri = self.term(row, column, value, required)
        if iri is not None and allowed and iri not in allowed:
            self.problem(row, column, f"{value} is not one of {', '.join(curie(a) for a in allowed)}")
            return None
        return iri

    def typed(self, row: Row, column: str, value: str, cls: URIRef, what: str) -> URIRef | None:
        iri = self.term(row, column, value)
        if iri is not None and not ({cls} & _ancestors(self.g, iri)):
            self.problem(row, column, f"{value} is not {what}")
            return None
        return iri

    def span(self, row: Row) -> Span | None:
        quote, which, offsets = row.get("quote"), row.get("occurrence"), row.get("offsets")
        found: tuple[int, int] | None = None
        if offsets:
            m = re.fullmatch(r"(\d+)\s*[-–]\s*(\d+)", offsets)
            if not m or not int(m[1]) < int(m[2]) <= len(self.text):
                self.problem(row, "offsets", f"{offsets!r} is not START-END within the source "
                                             f"(0-{len(self.text)}, code points, end exclusive)")
                return None
            found = (int(m[1]), int(m[2]))
        if quote:
            hits = _occurrences(quote, self.text)
            if not hits:
                self.problem(row, "quote", "not found in the pinned source text (line breaks and spaces are "
                                           "ignored; check the characters, e.g. full-width punctuation)")
                return None
            if which:
                if not which.isdigit() or not 1 <= int(which) <= len(hits):
                    self.problem(row, "occurrence",
                                 f"{which!r}: the quote occurs {len(hits)} time(s); give 1-{len(hits)}")
                    return None
                hit = hits[int(which) - 1]
            elif len(hits) > 1 and found is None:
                self.problem(row, "quote", f"occurs {len(hits)} times in the source; say which in occurrence "
                                           f"(1-{len(hits)}) or lengthen the quote")
                return None
            else:
                hit = found if found in hits else hits[0]
            if found is not None and found != hit:
                self.problem(row, "offsets", f"{offsets} is not where the quote is ({hit[0]}-{hit[1]})")
                return None
            found = hit
        if found is None:
            self.problem(row, "quote", "required (the Chinese sentence the finding rests on), or give offsets")
            return None
        return _span_at(self.text, *found)

    def section(self, row: Row) -> tuple[URIRef, str, Path] | None:
        value = row.get("section")
        if not value:
            self.problem(row, "section", "required (e.g. 1.2, abstract, introduction, 3)")
            return None
        name = value.removeprefix("mscexo:").removeprefix("section-")
        iri = MSCEXO[f"section-{name}"]
        if (iri, RDF.type, MSCEXO.ReviewSection) not in self.g:
            self.problem(row, "section", f"{value!r} is not a section of the review (mscexo:section-…)")
            return None
        path = kg_dir() / f"findings-{name}.ttl"
        if not path.is_file():
            self.problem(row, "section", f"section {name} has no findings file ({path.name}); use a subsection")
            return None
        return iri, name, path

    def notes(self, row: Row, column: str) -> list[Literal]:
        return [Literal(v, lang="en") for v in row.many(column)]

    def mint(self, section: str) -> URIRef:
        n = self.numbers.get(section, 0) + 1
        self.numbers[section] = n
        return MSCEXO[f"finding-{section}-{n:02d}"]

    def context(self, row: Row, subject: URIRef | None, cites: list[URIRef], span: Span | None,
                extra: Graph) -> URIRef | None:
        value = row.get("context")
        design = self.one_of(row, "design", row.get("design"), [OBO.OBI_0001199, OBO.OBI_0001285])
        species = self.term(row, "species", row.get("species"))
        if species is not None and not str(species).startswith(str(OBO) + "NCBITaxon_"):
            self.problem(row, "species", f"{row.get('species')} is not an NCBITaxon species")
        models = [m for m in (self.typed(row, "model", v, MSCEXO.DiseaseModel, "a disease model (mscexo:DiseaseModel)")
                              for v in row.many("model")) if m is not None]
        weeks = None
        if row.get("time_weeks"):
            try:
                w = Decimal(row.get("time_weeks"))
                if w <= 0:
                    raise InvalidOperation
                weeks = Literal(str(w) if "." in str(w) else f"{w}.0", datatype=XSD.decimal)
            except InvalidOperation:
                self.problem(row, "time_weeks", f"{row.get('time_weeks')!r} is not a positive number of weeks")
        given = {"design": design, "species": species, "model": models or None, "time_weeks": weeks}
        if value:
            iri = self.typed(row, "context", value, MSCEXO.ExperimentalContext, "an experimental context")
            if iri is None:
                return None
            have = {"design": self.g.value(iri, MSCEXO.studyDesign), "species": self.g.value(iri, MSCEXO.inSpecies),
                    "model": sorted(self.g.objects(iri, MSCEXO.usesModel)) or None,
                    "time_weeks": self.g.value(iri, MSCEXO.timePointWeeks)}
            for column, got in given.items():
                want = have[column]
                if got is None or (isinstance(got, list) and sorted(got) == want):
                    continue
                same = (got == want) or (isinstance(got, Literal) and isinstance(want, Literal)
                                         and Decimal(str(got)) == Decimal(str(want)))
                if not same:
                    shown = ", ".join(curie(x) for x in want) if isinstance(want, list) else (
                        curie(want) if isinstance(want, URIRef) else str(want) if want is not None else "nothing")
                    self.problem(row, column, f"{value} records {shown}; leave context empty to describe a new one")
            return iri
        if not any(v is not None for v in given.values()):
            return None
        # a new experimental context, described by the row
        if design is None:
            self.problem(row, "design", "a new experimental context needs its design (OBI:0001199 in vivo, "
                                        "OBI:0001285 in vitro); or name an existing context")
            return None
        if len(cites) != 1:
            self.problem(row, "cites", "a new experimental context needs exactly one cited work (the study it "
                                       "describes)")
            return None
        if subject is None or not ({OBO.GO_1903561, OBO.CL_0000034, MSCEXO.EVDeliveryCarrier}
                                   & _ancestors(self.g, subject)) or (subject, RDF.type, OWL.Class) in self.g:
            self.problem(row, "subject", "a new experimental context needs the subject to be what was given (an "
                                         "EV preparation, cells or carrier of the study, e.g. mscexo:prep-24-bmsc-exo)")
            return None
        number = self.g.value(cites[0], MSCEXO.referenceNumber)
        kind = "invivo" if design == OBO.OBI_0001199 else "invitro"
        base = f"context-{int(str(number)):02d}-{kind}"
        iri, n = MSCEXO[base], 1
        while (iri, None, None) in self.g or (None, None, iri) in self.g or iri in self.minted:
            n += 1
            iri = MSCEXO[f"{base}-{n}"]
        self.minted.add(iri)
        parts_en = [label(self.g, x, "en", curie(x)) for x in (design, species, *models) if x is not None]
        parts_zh = [label(self.g, x, "zh", curie(x)) for x in (design, species, *models) if x is not None]
        if weeks is not None:
            parts_en.append(f"{weeks} weeks")
            parts_zh.append(f"{weeks} 周")
        ref = int(str(number))
        extra.add((iri, RDF.type, MSCEXO.ExperimentalContext))
        extra.add((iri, RDF.type, OWL.NamedIndividual))
        extra.add((iri, RDFS.label, Literal(f"[{ref}] {iri[len(MSCEXO):]}: {', '.join(parts_en)}", lang="en")))
        extra.add((iri, RDFS.label, Literal(f"［{ref}］{iri[len(MSCEXO):]}：{'，'.join(parts_zh)}", lang="zh")))
        extra.add((iri, DEFINITION, Literal(f"Experimental context of [{ref}] as the review states it: "
                                            f"{', '.join(parts_en)}.", lang="en")))
        extra.add((iri, DCTERMS.source, cites[0]))
        extra.add((iri, MSCEXO.studyDesign, design))
        extra.add((iri, MSCEXO.intervention, subject))
        if species is not None:
            extra.add((iri, MSCEXO.inSpecies, species))
        for m in models:
            extra.add((iri, MSCEXO.usesModel, m))
        if weeks is not None:
            extra.add((iri, MSCEXO.timePointWeeks, weeks))
        if span is not None:
            extra.add((iri, PROV.wasDerivedFrom, span.iri))
        return iri

    def row(self, row: Row) -> Built | None:
        before = len(self.result.problems)
        finding_id = row.get("id")
        existing = None
        if finding_id:
            existing = expand(finding_id)
            if existing is None or not str(existing).startswith(str(MSCEXO) + "finding-"):
                self.problem(row, "id", f"{finding_id!r} is not a finding IRI; leave id empty for a new finding "
                                        "(its IRI is minted)")
                existing = None
            elif self.p.deprecated(existing):
                self.problem(row, "id", f"{finding_id} was withdrawn; its IRI is never reused (leave id empty)")
                existing = None
            elif (existing, RDF.type, MSCEXO.Finding) not in self.g:
                self.problem(row, "id", f"{finding_id} is not a finding of the graph; leave id empty for a new one")
                existing = None
        section = self.section(row)
        span = self.span(row)
        english = row.get("english")
        extra, span_graph = Graph(), Graph()
        if span is not None:
            rendering = self.g.value(span.iri, MSCEXO.englishRendering)
            if rendering is not None:
                if english and english != str(rendering).strip():
                    self.problem(row, "english", f"{curie(span.iri)} already reads {str(rendering)!r}; leave english "
                                                 "empty or copy it")
                span_graph = span_triples(span, str(rendering))
            elif not english:
                self.problem(row, "english", "required for a new span: the English rendering of the quote")
            else:
                span_graph = span_triples(span, english)
                extra += span_graph
        for column in ("label_en", "label_zh"):
            if not row.get(column):
                self.problem(row, column, "required (the finding's label in " +
                             ("English)" if column == "label_en" else "Chinese)"))
        subject = self.term(row, "subject", row.get("subject"), required=True)
        predicate = self.one_of(row, "predicate", row.get("predicate"), self.p.predicates, required=True)
        obj = self.term(row, "object", row.get("object"), required=True)
        direction = self.one_of(row, "direction", row.get("direction"), self.p.directions)
        aspect = self.typed(row, "aspect", row.get("aspect"), MSCEXO.ObjectAspect, "an object aspect") \
            if row.get("aspect") else None
        anatomy = self.term(row, "anatomical_context", row.get("anatomical_context"))
        evidence = self.one_of(row, "evidence", row.get("evidence"), self.p.evidence, required=True)
        cites = []
        for value in row.many("cites"):
            iri = self.refs.get(int(value.strip("[]［］"))) if value.strip("[]［］").isdigit() else expand(value)
            if iri is None or (iri, MSCEXO.referenceNumber, None) not in self.g:
                self.problem(row, "cites", f"{value!r} is not a reference number of the review's bibliography")
            else:
                cites.append(iri)
        conflicts = [c for c in (self.typed(row, "conflicts_with", v, MSCEXO.Finding, "a finding")
                                 for v in row.many("conflicts_with")) if c is not None]
        if predicate is not None and subject is not None and obj is not None:
            wrong = predicate_problem(self.g, predicate, subject, obj)
            if wrong:
                self.problem(row, *wrong)
        context = self.context(row, subject, cites, span, extra)
        if len(self.result.problems) > before or section is None or span is None:
            return None
        section_iri, section_name, path = section
        if existing is not None:
            finding = existing
            path = self._file_of(existing) or path
        else:
            finding = self.mint(section_name)
        t = Graph()
        t.add((finding, RDF.type, MSCEXO.Finding))
        t.add((finding, RDFS.label, Literal(row.get("label_en"), lang="en")))
        t.add((finding, RDFS.label, Literal(row.get("label_zh"), lang="zh")))
        for p, o in ((BIOLINK.subject, subject), (BIOLINK.predicate, predicate), (BIOLINK.object, obj),
                     (MSCEXO.direction, direction), (MSCEXO.objectAspect, aspect),
                     (MSCEXO.anatomicalContext, anatomy), (BIOLINK.has_evidence, evidence),
                     (MSCEXO.hasContext, context), (MSCEXO.statedInSection, section_iri),
                     (PROV.wasDerivedFrom, span.iri)):
            if o is not None:
                t.add((finding, p, o))
        for o in cites:
            t.add((finding, CITO.citesAsEvidence, o))
        for o in conflicts:
            t.add((finding, MSCEXO.conflictsWith, o))
        for column, p in (("comment", RDFS.comment), ("editorial_note", SKOS.editorialNote),
                          ("change_note", SKOS.changeNote)):
            for lit in self.notes(row, column):
                t.add((finding, p, lit))
        status = "new"
        if existing is not None:
            current = Graph()
            for p, o in self.g.predicate_objects(existing):
                current.add((existing, p, o))
            if isomorphic(current, t):
                status = "unchanged"
            else:
                status = "correction"
                old_notes = set(self.g.objects(existing, SKOS.changeNote))
                if not set(t.objects(existing, SKOS.changeNote)) - old_notes:
                    changed = sorted({f"label_{o.language}" if p == RDFS.label else COLUMN_OF.get(p, curie(p))
                                      for _, p, o in (set(t) ^ set(current))})
                    self.problem(row, "change_note",
                                 f"{curie(existing)} differs from the graph in {', '.join(changed)}; a correction "
                                 "adds a change note saying what changed and why (docs/curation.md §4)")
                    return None
        else:
            twin = self._same_claim(subject, predicate, obj, span.iri)
            if twin is not None:
                self.problem(row, "id", f"the same claim (subject, predicate, object, span) is already {curie(twin)}; "
                                        "put its id to correct it")
                return None
        nodes = {finding, *(s for s in extra.subjects())}
        return Built(row, finding, path, t, extra, span_graph, status, nodes)

    def _file_of(self, finding: URIRef) -> Path | None:
        needle = f"\n{curie(finding)}\n"
        for path in sorted(kg_dir().glob("findings-*.ttl")):
            if needle in path.read_text(encoding="utf-8"):
                return path
        return None

    def _same_claim(self, s, p, o, span) -> URIRef | None:  # noqa: ANN001
        for f in self.g.subjects(BIOLINK.subject, s):
            if ((f, BIOLINK.predicate, p) in self.g and (f, BIOLINK.object, o) in self.g
                    and (f, PROV.wasDerivedFrom, span) in self.g and (f, RDF.type, MSCEXO.Finding) in self.g):
                return f
        return None


def check_template(path: Path | str, project: Project | None = None, shapes: bool = True) -> Result:
    """Read and check a template against the project; ``shapes`` also validates the graph with the rows added.

    Raises :class:`TemplateError` when the file cannot be read as a table at all.
    """
    rows, problems = read_template(path)
    project = project or Project.load()
    checker = _Checker(project, str(path))
    checker.result.problems += problems
    for row in rows:
        built = checker.row(row)
        if built is not None:
            checker.result.built.append(built)
    if shapes and checker.result.built and not checker.result.problems:
        _check_shapes(checker.result, project)
    return checker.result


def merged(project: Project, built: Iterable[Built]) -> Graph:
    """The project graph with each row applied: a correction's old triples out, every row's triples in."""
    out = Graph()
    out += project.graph
    for b in built:
        if b.status == "correction":
            out.remove((b.finding, None, None))
        out += b.triples
        out += b.extra
    return out


def _check_shapes(result: Result, project: Project) -> None:
    """Validate the project with the rows applied; report the violations it did not already have."""
    from exo_onto.shacl.validate import validate_graph

    def key(r) -> tuple:  # noqa: ANN001
        return (str(r.focus), str(r.path), str(r.value), r.message)

    before = {key(r) for r in validate_graph(project.graph, shapes=project.shapes).violations}
    after = validate_graph(merged(project, result.built), shapes=project.shapes).violations
    owner = {str(node): b for b in result.built for node in b.nodes}
    for r in after:
        if key(r) in before:
            continue
        b = owner.get(r.focus_iri) or next((owner[n] for n in owner if r.value and n in r.value), None)
        column = "shapes"
        for p, c in COLUMN_OF.items():
            if r.path in (str(p), _prefixed(p)):
                column = c
        result.problems.append(Problem(b.row.number if b else 0, column,
                                       f"SHACL: {r.focus} {r.path or ''}: {r.message}".replace("  ", " ")))


def _prefixed(iri: URIRef) -> str:
    """``iri`` with the Turtle prefix the project binds (``biolink:subject``)."""
    for prefix, ns in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
        if str(iri).startswith(ns):
            return f"{prefix}:{str(iri)[len(ns):]}"
    return str(iri)


# --------------------------------------------------------------------------- writing


class WriteError(Exception):
    """A findings file that cannot be changed without loss; nothing was written."""


def _block(text: str, subject: str) -> tuple[int, int] | None:
    """Where the canonical block of ``subject`` starts and ends in a canonical Turtle file."""
    start = text.find(f"\n{subject}\n")
    if start < 0:
        return None
    end = text.find("\n.\n", start)
    return (start + 1, end + 3) if end >= 0 else None


def _ntriples(graph: Graph) -> str:
    from rdflib.plugins.serializers.nt import _nt_row

    return "".join(sorted(_nt_row(t) for t in graph if not any(isinstance(x, BNode) for x in t)))


def planned_files(result: Result) -> dict[Path, bytes]:
    """The new bytes of every findings file the rows change (verified, not yet written).

    Raises :class:`WriteError` when a file is not canonical or its new text would not be its old graph
    with exactly the rows' triples added (and a corrected finding's old triples removed).
    """
    from exo_onto.io.fmt import FormatError, _document_iri, format_bytes

    by_file: dict[Path, list[Built]] = {}
    for b in result.built:
        if b.status != "unchanged":
            by_file.setdefault(b.file, []).append(b)
    out: dict[Path, bytes] = {}
    for path, rows in sorted(by_file.items()):
        data = path.read_bytes()
        document = _document_iri(path)
        try:
            if format_bytes(data, document, str(path)) != data:
                raise WriteError(f"{path}: not canonical Turtle; run `exo-onto fmt {path}` first, then curate again")
            text = data.decode("utf-8-sig")
            bom = data.startswith(b"\xef\xbb\xbf")
            removed = Graph()
            for b in rows:
                if b.status == "correction":
                    span = _block(text, curie(b.finding))
                    if span is None:
                        raise WriteError(f"{path}: {curie(b.finding)} is not written as one block; cannot correct it")
                    block = text[span[0]:span[1]]
                    header = "".join(line for line in text.splitlines(keepends=True)
                                     if re.match(r"(PREFIX|BASE|@prefix|@base)\s", line, re.IGNORECASE))
                    removed += parse_turtle_text(header + "\n" + block, path)
                    text = text[:span[0]] + text[span[1]:]
            added = Graph()
            for b in rows:
                added += b.triples
                added += b.extra
            candidate = ((b"\xef\xbb\xbf" if bom else b"") + (text + "\n" + _ntriples(added)).encode("utf-8"))
            new = format_bytes(candidate, document, str(path))
        except FormatError as exc:
            raise WriteError(str(exc)) from None
        old_graph = parse_turtle_text(data.decode("utf-8-sig"), path)
        expected = Graph()
        expected += old_graph
        expected -= removed
        expected += added
        if not isomorphic(parse_turtle_text(new.decode("utf-8-sig"), path), expected):
            raise WriteError(f"{path}: the new text would not be the old graph plus the rows; nothing written")
        out[path] = new
    return out


def parse_turtle_text(text: str, path: Path) -> Graph:
    g = Graph()
    g.parse(data=text, format="turtle", publicID=path.resolve().as_uri())
    return g


def write_findings(result: Result) -> dict[Path, list[Built]]:
    """Write the checked rows into their findings files (all files verified before any is written)."""
    from exo_onto.io.write import write_bytes_atomic

    if not result.ok:
        raise WriteError("the template has problems; nothing written")
    planned = planned_files(result)
    for path, data in planned.items():
        write_bytes_atomic(path, data)
    written: dict[Path, list[Built]] = {}
    for b in result.built:
        if b.file in planned:
            written.setdefault(b.file, []).append(b)
    return written


# --------------------------------------------------------------------------- export


def _squash(text: str) -> str:
    """A quote on one line: line breaks dropped, other runs of spaces kept as one (matching ignores both)."""
    return " ".join(part for part in re.sub(r"\s*\n\s*", "", text).split(" ") if part)


def _escape_cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|")


def _section_order(path_name: str) -> tuple:
    name = path_name.removeprefix("section-")
    order = {"abstract": (0,), "introduction": (1,)}
    return order.get(name, (2, *[int(x) if x.isdigit() else 0 for x in name.split(".")]))


def export_rows(graph: Graph | None = None) -> list[dict[str, str]]:
    """Today's findings as template rows (the cells of :data:`COLUMNS`), in the order of the review."""
    g = graph if graph is not None else load_graph(ontology_files())
    text = source_text()
    numbers = {s: str(n) for s, n in g.subject_objects(MSCEXO.referenceNumber)}

    def one(node, p) -> str:  # noqa: ANN001
        v = g.value(node, p)
        return curie(v) if isinstance(v, URIRef) else (str(v) if v is not None else "")

    def many(node, p, show=curie) -> str:  # noqa: ANN001
        return "|".join(sorted(_escape_cell(show(v)) for v in g.objects(node, p)))

    rows = []
    for f in set(g.subjects(RDF.type, MSCEXO.Finding)):
        section = g.value(f, MSCEXO.statedInSection)
        span = g.value(f, PROV.wasDerivedFrom)
        start = int(g.value(URIRef(f"{span}-position"), OA.start))
        end = int(g.value(URIRef(f"{span}-position"), OA.end))
        quote = _squash(text[start:end])
        hits = _occurrences(quote, text)
        context = g.value(f, MSCEXO.hasContext)
        row = {
            "id": curie(f),
            "section": str(section)[len(MSCEXO) + len("section-"):] if section else "",
            "quote": quote,
            "occurrence": str(hits.index((start, end)) + 1) if len(hits) > 1 and (start, end) in hits else "",
            "offsets": "" if len(hits) == 1 else f"{start}-{end}",
            "english": str(g.value(span, MSCEXO.englishRendering) or ""),
            "label_en": label(g, f, "en", "", english_fallback=False),
            "label_zh": label(g, f, "zh", "", english_fallback=False),
            "subject": one(f, BIOLINK.subject), "predicate": one(f, BIOLINK.predicate),
            "object": one(f, BIOLINK.object), "direction": one(f, MSCEXO.direction),
            "aspect": one(f, MSCEXO.objectAspect), "anatomical_context": one(f, MSCEXO.anatomicalContext),
            "evidence": one(f, BIOLINK.has_evidence),
            "cites": "|".join(sorted((numbers.get(c, curie(c)) for c in g.objects(f, CITO.citesAsEvidence)),
                                     key=lambda n: (not n.isdigit(), int(n) if n.isdigit() else 0, n))),
            "context": curie(context) if context else "",
            "design": one(context, MSCEXO.studyDesign) if context else "",
            "species": one(context, MSCEXO.inSpecies) if context else "",
            "model": many(context, MSCEXO.usesModel) if context else "",
            "time_weeks": one(context, MSCEXO.timePointWeeks) if context else "",
            "conflicts_with": many(f, MSCEXO.conflictsWith),
            "comment": many(f, RDFS.comment, str), "editorial_note": many(f, SKOS.editorialNote, str),
            "change_note": many(f, SKOS.changeNote, str),
        }
        rows.append(row)

    def order(r: dict) -> tuple:
        m = re.fullmatch(r"mscexo:finding-(.+)-(\d+)", r["id"])
        return (_section_order(r["section"]), int(m[2]) if m else 0, r["id"])

    return sorted(rows, key=order)


def template_text(rows: list[dict[str, str]]) -> str:
    """Rows as template TSV: the header, the ROBOT template-string row, one row per finding."""
    stream = io.StringIO(newline="")
    writer = csv.writer(stream, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(list(COLUMNS))
    writer.writerow(list(COLUMNS.values()))
    for row in rows:
        writer.writerow([row.get(c, "") for c in COLUMNS])
    return stream.getvalue()


def export_template(path: Path | str, graph: Graph | None = None) -> int:
    """Write today's findings to ``path`` as a template; returns the number of rows."""
    from exo_onto.io.write import write_bytes_atomic

    rows = export_rows(graph)
    write_bytes_atomic(Path(path), template_text(rows).encode("utf-8"))
    return len(rows)


def findings_subgraph(graph: Graph, findings: Iterable[URIRef]) -> Graph:
    """Each finding's own triples and its span's (with both selectors): what a template row stands for."""
    out = Graph()
    for f in findings:
        for p, o in graph.predicate_objects(f):
            out.add((f, p, o))
        for span in graph.objects(f, PROV.wasDerivedFrom):
            for node in (span, URIRef(f"{span}-quote"), URIRef(f"{span}-position")):
                for p, o in graph.predicate_objects(node):
                    out.add((node, p, o))
    return out


__all__ = ["COLUMNS", "Problem", "Project", "Result", "TemplateError", "WriteError", "check_template",
           "export_rows", "export_template", "findings_subgraph", "kinds_of", "predicate_problem",
           "read_template", "template_text", "write_findings"]
