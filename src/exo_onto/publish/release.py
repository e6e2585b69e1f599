"""Release files: the merged ontology + data in every format, the TBox, the inferred hierarchy,
a VoID/DCAT description and the SSSOM mappings.

The same input gives byte-identical output (see ``serializers``); the release is written into a
temporary folder beside the target and swapped in at the end, so a crash leaves the previous build.
The output folder is claimed before any work (:mod:`exo_onto.io.write`): a folder the tool may not
replace, an unwritable place or a busy folder is refused at once, not after the reasoner has run.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, OWL, PROV, RDF, RDFS, SKOS, VOID, XSD

from exo_onto.curate.changelog import changes_markdown, load_version
from exo_onto.io.fmt import canonical_turtle
from exo_onto.io.load import LoadedStore, load_graph, load_ontology, load_store
from exo_onto.io.serialize import canonical, ntriples, rdfxml
from exo_onto.io.write import DEFAULT_WAIT, PathArg, claim_output
from exo_onto.paths import ontology_files, tbox_files, tbox_path
from exo_onto.publish.jsonld import compacted, findings_document
from exo_onto.publish.jsonld import context as jsonld_context
from exo_onto.publish.nanopubs import nanopublications
from exo_onto.publish.obographs import obographs_json
from exo_onto.query.qc import qc_summary, run_qc
from exo_onto.query.stats import count_entities
from exo_onto.reason.reasoner import ReasonerReport, reason
from exo_onto.terms.labels import label
from exo_onto.terms.namespaces import BASE, PREFIXES, bind_prefixes, curie, curie_prefix_iri

FULL = "exo-onto-full"
MAIN = "exo-onto"
BASE_VARIANT = "exo-onto-base"
SIMPLE_VARIANT = "exo-onto-simple"
OBO_GRAPHS_JSON = "exo-onto.json"
FINDINGS_JSON = "exo-onto-findings.json"
TBOX_ONTOLOGY = URIRef(BASE + "exo-onto.owl")
#: header annotations copied from the TBox onto the merged release ontology
_HEADER = (DCTERMS.title, DCTERMS.description, DCTERMS.license, DCTERMS.creator, DCTERMS.created,
           DCTERMS.source, DCTERMS.bibliographicCitation, RDFS.comment,
           URIRef("http://purl.org/vocab/vann/preferredNamespacePrefix"),
           URIRef("http://purl.org/vocab/vann/preferredNamespaceUri"))
NANOPUBS = "exo-onto-nanopubs.trig"
CHANGES = "CHANGES.md"
MEDIA = {
    ".ttl": "text/turtle", ".owl": "application/rdf+xml", ".jsonld": "application/ld+json",
    ".nt": "application/n-triples", ".tsv": "text/tab-separated-values", ".json": "application/json",
    FINDINGS_JSON: "application/ld+json", ".trig": "application/trig", ".md": "text/markdown",
}


class BuildError(Exception):
    """The release could not be built (the message says why); the previous release is untouched."""


@dataclass
class BuildReport:
    out_dir: Path
    version: str
    files: list[str] = field(default_factory=list)
    reasoner: ReasonerReport | None = None


def version_of(tbox: Graph) -> str:
    """The curated version (the TBox's owl:versionInfo): builds are reproducible, not date-stamped."""
    value = tbox.value(TBOX_ONTOLOGY, OWL.versionInfo)
    if value is None:
        raise BuildError(f"{tbox_path()}: the ontology header has no owl:versionInfo")
    return str(value)


def _restamp(graph: Graph, ontology: URIRef, name: str, version: str) -> None:
    graph.remove((ontology, OWL.versionIRI, None))
    graph.remove((ontology, OWL.versionInfo, None))
    graph.add((ontology, OWL.versionIRI, URIRef(f"{BASE}releases/{version}/{name}.owl")))
    graph.add((ontology, OWL.versionInfo, Literal(version)))


def _header(graph: Graph, tbox: Graph, name: str, version: str) -> URIRef:
    """Give ``graph`` the ontology header ``name``: the TBox's title, licence etc., a dated version IRI."""
    ontology = URIRef(f"{BASE}{name}.owl")
    graph.add((ontology, RDF.type, OWL.Ontology))
    for p in _HEADER:
        for o in tbox.objects(TBOX_ONTOLOGY, p):
            graph.add((ontology, p, o))
    _restamp(graph, ontology, name, version)
    return ontology


def inferred_axioms(report: ReasonerReport) -> list[tuple[URIRef, URIRef, URIRef]]:
    """The subclass axioms and class assertions the reasoner inferred and the input did not assert."""
    return ([(URIRef(c), RDFS.subClassOf, URIRef(p)) for c, p in report.inferred_superclasses]
            + [(URIRef(i), RDF.type, URIRef(c)) for i, c in report.inferred_types])


def merged_graph(graph: Graph, tbox: Graph, version: str, report: ReasonerReport | None = None) -> Graph:
    """One ontology holding TBox and knowledge graph: a single header, no imports; with ``report``,
    also the inferred subclass axioms and class assertions (the ODK "reasoned" release), so tools
    without a reasoner (plain SHACL engines, SPARQL stores) see what HermiT sees."""
    merged = bind_prefixes(Graph())
    headers = set(graph.subjects(RDF.type, OWL.Ontology))
    for s, p, o in graph:
        if s not in headers and p != OWL.imports:
            merged.add((s, p, o))
    if report is not None:
        for t in inferred_axioms(report):
            merged.add(t)
    _header(merged, tbox, FULL, version)
    return merged


def main_graph(tbox: Graph, tbox_report: ReasonerReport, version: str) -> Graph:
    """The main release (``exo-onto.owl``): the TBox with the subclass axioms and class assertions that
    HermiT infers from the TBox alone."""
    g = bind_prefixes(Graph())
    for t in tbox:
        g.add(t)
    for t in inferred_axioms(tbox_report):
        g.add(t)
    _restamp(g, TBOX_ONTOLOGY, MAIN, version)
    return g


#: rdf:type values that declare an OWL entity (kept for the external terms the base refers to)
_DECLARATIONS = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty,
                 OWL.NamedIndividual, RDFS.Datatype)


def _is_own(term) -> bool:
    return isinstance(term, URIRef) and str(term).startswith(BASE)


def _blank_closure(graph: Graph, roots) -> list[tuple]:
    """Every triple of the blank nodes reachable from ``roots`` (the parts of a class expression)."""
    out, todo, seen = [], [r for r in roots if isinstance(r, BNode)], set()
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for p, o in graph.predicate_objects(node):
            out.append((node, p, o))
            if isinstance(o, BNode):
                todo.append(o)
    return out


def base_graph(tbox: Graph, version: str) -> Graph:
    """The ``-base`` variant (ODK): only the project's own axioms, unreasoned.

    Kept: every statement about a ``mscexo:`` term (with the class expressions it uses), axioms
    written on blank nodes (disjointness, annotated axioms) that are about the project's terms, and a
    bare declaration of each external term those statements use, so the file is OWL 2 DL on its own.
    Left out: external terms' labels, definitions and axioms: they belong to their source ontologies.
    """
    g = bind_prefixes(Graph())
    kept: list[tuple] = []
    for s, p, o in tbox:
        if _is_own(s) and s != TBOX_ONTOLOGY:
            kept.append((s, p, o))
    kept += _blank_closure(tbox, [o for _, _, o in kept])
    referenced = {o for _, _, o in tbox if isinstance(o, BNode)}
    for node in {s for s in tbox.subjects() if isinstance(s, BNode)} - referenced:  # top-level axioms
        closure = [(node, p, o) for p, o in tbox.predicate_objects(node)] + _blank_closure(
            tbox, [o for o in tbox.objects(node) if isinstance(o, BNode)])
        source = tbox.value(node, OWL.annotatedSource)
        if (_is_own(source) if source is not None else any(_is_own(x) for t in closure for x in t[1:])):
            kept += closure
    for t in kept:
        g.add(t)
    used = {x for _, p, o in kept for x in (p, o) if isinstance(x, URIRef) and not _is_own(x)}
    for iri in used:
        for kind in tbox.objects(iri, RDF.type):
            if kind in _DECLARATIONS:
                g.add((iri, RDF.type, kind))
    _header(g, tbox, BASE_VARIANT, version)
    return g


#: annotation properties OWL has built in (no declaration needed)
_BUILTIN_ANNOTATIONS = (RDFS.label, RDFS.comment, RDFS.seeAlso, RDFS.isDefinedBy, OWL.deprecated)


def _transitive_reduction(parents: dict[URIRef, set[URIRef]]) -> dict[URIRef, set[URIRef]]:
    """Drop ``c ⊑ p`` when another parent of ``c`` is already below ``p`` (the direct hierarchy)."""
    memo: dict[URIRef, set[URIRef]] = {}

    def ancestors(c: URIRef, path: frozenset = frozenset()) -> set[URIRef]:
        if c in memo:
            return memo[c]
        out: set[URIRef] = set()
        for p in parents.get(c, ()):
            if p not in path:
                out |= {p} | ancestors(p, path | {c})
        if not path:
            memo[c] = out
        return out

    reduced = {}
    for c, ps in parents.items():
        reduced[c] = {p for p in ps if not any(p in ancestors(q) and q not in ancestors(p) for q in ps if q != p)}
    return reduced


def simple_graph(main: Graph, tbox: Graph, version: str) -> Graph:
    """The ``-simple`` variant (ODK): the named classes with their annotations and the direct
    (transitively reduced) asserted + inferred subclass hierarchy between them, nothing else."""
    g = bind_prefixes(Graph())
    classes = {c for c in main.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef)}
    parents = {c: {p for p in main.objects(c, RDFS.subClassOf) if p in classes and p != c} for c in classes}
    annotation = set(main.subjects(RDF.type, OWL.AnnotationProperty)) | set(_BUILTIN_ANNOTATIONS)
    used: set[URIRef] = set()
    for c in classes:
        g.add((c, RDF.type, OWL.Class))
        for p, o in main.predicate_objects(c):
            if p in annotation and not isinstance(o, BNode):
                g.add((c, p, o))
                used.add(p)
    for c, ps in _transitive_reduction(parents).items():
        for p in ps:
            g.add((c, RDFS.subClassOf, p))
    for p in used - set(_BUILTIN_ANNOTATIONS):
        g.add((p, RDF.type, OWL.AnnotationProperty))
        for lab in main.objects(p, RDFS.label):
            g.add((p, RDFS.label, lab))
    _header(g, tbox, SIMPLE_VARIANT, version)
    return g


def inferred_graph(report: ReasonerReport, version: str) -> Graph:
    """The HermiT-inferred class hierarchy and individual types, as their own ontology (which statements
    of the reasoned release files were inferred, not asserted)."""
    g = bind_prefixes(Graph())
    ont = URIRef(BASE + "exo-onto-inferred.owl")
    g.add((ont, RDF.type, OWL.Ontology))
    g.add((ont, DCTERMS.title, Literal("exo-onto: axioms inferred by HermiT", lang="en")))
    g.add((ont, DCTERMS.description, Literal(
        "Subclass axioms and class assertions that HermiT infers from the curated graph and that are not asserted "
        "there; exo-onto-full holds them too.", lang="en")))
    _restamp(g, ont, "exo-onto-inferred", version)
    for t in inferred_axioms(report):
        g.add(t)
    return g


_MAPPING_PREDICATES = (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch, SKOS.relatedMatch)


#: SSSOM mapping columns written, in the order of the SSSOM specification's slot list
SSSOM_COLUMNS = ("subject_id", "subject_label", "predicate_id", "object_id", "object_label",
                 "mapping_justification")


def _yaml_str(value: str) -> str:
    """A YAML double-quoted scalar: a prefix IRI ending in ':' unquoted is a YAML syntax error."""
    return json.dumps(value, ensure_ascii=False)


def _tsv_cell(value: str) -> str:
    return " ".join(value.split())  # a tab or newline in a label would break the row


def sssom(graph: Graph, version: str) -> str:
    """The SKOS mappings of the graph as an SSSOM TSV (SSSOM 1.0) with its YAML metadata block.

    Every metadata value is a quoted YAML string, so sssom-py's strict YAML reader accepts prefix IRIs
    such as ``https://identifiers.org/hgnc:``; the required mapping-set slots (``mapping_set_id``,
    ``license``, ``curie_map``) and mapping slots (subject, predicate, object, justification) are set.
    """
    rows = sorted(
        (curie(s), label(graph, s, default=""), "skos:" + str(p).rsplit("#", 1)[1], curie(o),
         label(graph, o, default=""))
        for p in _MAPPING_PREDICATES for s, o in graph.subject_objects(p)
    )
    used = {"skos": str(SKOS), "semapv": "https://w3id.org/semapv/vocab/"}
    for row in rows:
        for term in (row[0], row[3]):
            prefix = term.split(":", 1)[0]
            used[prefix] = curie_prefix_iri(prefix)
    titles = [t for t in graph.objects(URIRef(BASE + FULL + ".owl"), DCTERMS.title) if t.language == "en"]
    title = f"{min(titles) if titles else 'exo-onto'}: mappings to external terms"
    meta = [
        f"mapping_set_id: {_yaml_str(f'{BASE}releases/{version}/exo-onto.sssom.tsv')}",
        f"mapping_set_version: {_yaml_str(version)}",
        f"mapping_set_title: {_yaml_str(title)}",
        "mapping_set_description: "
        + _yaml_str("SKOS mappings of exo-onto terms to external ontology terms, curated by hand."),
        f"license: {_yaml_str('https://creativecommons.org/licenses/by/4.0/')}",
        "curie_map:",
        *[f"  {k}: {_yaml_str(v)}" for k, v in sorted(used.items())],
    ]
    body = ["\t".join(_tsv_cell(c) for c in (*row, "semapv:ManualMappingCuration")) for row in rows]
    return ("".join(f"# {m}\n" for m in meta) + "\t".join(SSSOM_COLUMNS) + "\n"
            + "".join(line + "\n" for line in body))


def _counts(graph: Graph) -> dict[URIRef, int]:
    """VoID counts with ``exo-onto check``'s definitions (:func:`exo_onto.query.stats.count_entities`): distinct
    triples and named classes (IRIs typed ``owl:Class``; class expressions are blank nodes, not classes)."""
    counts = count_entities(graph)
    return {VOID.triples: counts.triples, VOID.classes: counts.classes,
            VOID.entities: len({s for s in graph.subjects() if isinstance(s, URIRef)}),
            VOID.properties: len(set(graph.predicates()))}


def void_graph(asserted: Graph, full: Graph, version: str, sizes: dict[str, int]) -> Graph:
    """A VoID / DCAT description of the release: title, licence, version, counts, distributions.

    ``mscexo:dataset`` is the curated graph: its counts are the ones ``exo-onto check`` reports for the
    same files. ``mscexo:dataset-full`` is what the ``exo-onto-full`` files hold: the same statements
    under one release header (the source files' headers and imports dropped) plus the inferred axioms.
    """
    g = bind_prefixes(Graph())
    g.bind("void", VOID)
    g.bind("dcat", DCAT)
    ds = URIRef(BASE + "dataset")
    reasoned = URIRef(BASE + "dataset-full")
    full_ontology = URIRef(BASE + FULL + ".owl")
    release = f"{BASE}releases/{version}/"
    for node in (ds, reasoned):
        g.add((node, RDF.type, VOID.Dataset))
    g.add((ds, RDF.type, DCAT.Dataset))
    for p in (DCTERMS.title, DCTERMS.description, DCTERMS.license, DCTERMS.creator):
        for o in full.objects(full_ontology, p):
            g.add((ds, p, o))
    g.add((ds, OWL.versionInfo, Literal(version)))
    g.add((ds, URIRef(str(DCAT) + "version"), Literal(version)))  # DCAT 3, unknown to rdflib's DCAT
    g.add((ds, VOID.uriSpace, Literal(BASE)))
    for node, graph in ((ds, asserted), (reasoned, full)):
        for p, n in _counts(graph).items():
            g.add((node, p, Literal(n, datatype=XSD.integer)))
    findings = len(set(asserted.subjects(RDF.type, URIRef(BASE + "Finding"))))
    g.add((ds, RDFS.comment, Literal(
        f"{findings} findings of the review, each with its source span. The counts are of the curated statements "
        "(the ontology files), as `exo-onto check` reports them.", lang="en")))
    g.add((reasoned, DCTERMS.title, Literal("exo-onto-full: the curated graph with the inferred axioms", lang="en")))
    g.add((reasoned, DCTERMS.description, Literal(
        "The statements of the curated graph under one release header, with the subclass axioms and class "
        "assertions HermiT infers (listed in exo-onto-inferred.ttl).", lang="en")))
    g.add((reasoned, PROV.wasDerivedFrom, ds))
    for ns in sorted(PREFIXES.values()):
        g.add((ds, VOID.vocabulary, URIRef(ns)))
    for name, size in sorted(sizes.items()):
        dist = URIRef(release + name)
        g.add((ds, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCTERMS.title, Literal(name)))
        g.add((dist, DCAT.downloadURL, dist))
        g.add((dist, DCAT.byteSize, Literal(size, datatype=XSD.nonNegativeInteger)))
        media = MEDIA.get(name) or MEDIA.get(Path(name).suffix)
        if media:
            g.add((dist, DCAT.mediaType, Literal(media)))
        if name.startswith(FULL + "."):
            g.add((reasoned, DCAT.distribution, dist))
    if f"{FULL}.nt" in sizes:
        g.add((reasoned, VOID.dataDump, URIRef(f"{release}{FULL}.nt")))
    return g


def release_files(graph: Graph, tbox: Graph, report: ReasonerReport, version: str,
                  tbox_report: ReasonerReport | None = None, previous: Graph | None = None,
                  previous_name: str = "the previous release") -> dict[str, bytes]:
    """Every release file name with its bytes (pure: no disk access).

    ``report`` is the reasoner's verdict on the whole graph, ``tbox_report`` on the TBox alone (the main
    release carries only what the TBox entails; by default the whole-graph inferences about the TBox's
    own classes and individuals). With ``previous`` (the graph of an earlier version, as the curators
    wrote it) the release gets a ``CHANGES.md`` saying what changed, finding by finding.
    """
    if tbox_report is None:
        in_tbox = set(tbox.subjects())
        tbox_report = ReasonerReport(report.reasoner, report.consistent,
                                     inferred_superclasses=[x for x in report.inferred_superclasses
                                                            if URIRef(x[0]) in in_tbox],
                                     inferred_types=[x for x in report.inferred_types if URIRef(x[0]) in in_tbox])
    # Blank nodes labelled once per graph, for all the formats each is written in.
    full = canonical(merged_graph(graph, tbox, version, report))
    main = canonical(main_graph(tbox, tbox_report, version))
    ctx = jsonld_context(full)
    text: dict[str, str] = {
        f"{FULL}.ttl": canonical_turtle(full),
        f"{FULL}.owl": rdfxml(full),
        f"{FULL}.jsonld": compacted(full, ctx),
        f"{FULL}.nt": ntriples(full),
        "context.jsonld": json.dumps(ctx, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
        FINDINGS_JSON: findings_document(full, ctx),
        f"{MAIN}.owl": rdfxml(main),
        f"{MAIN}.ttl": canonical_turtle(main),
        OBO_GRAPHS_JSON: obographs_json(main, TBOX_ONTOLOGY),
        f"{BASE_VARIANT}.owl": rdfxml(base_graph(tbox, version)),
        f"{SIMPLE_VARIANT}.owl": rdfxml(simple_graph(main, tbox, version)),
        "exo-onto-inferred.ttl": canonical_turtle(inferred_graph(report, version)),
        "exo-onto.sssom.tsv": sssom(full, version),
        NANOPUBS: nanopublications(graph, version).decode("utf-8"),
    }
    if previous is not None:
        text[CHANGES] = changes_markdown(previous, merged_graph(graph, tbox, version), previous_name, version)
    payload = {name: body.encode("utf-8") for name, body in text.items()}
    void = canonical_turtle(void_graph(graph, full, version, {n: len(b) for n, b in payload.items()}))
    payload["void.ttl"] = void.encode("utf-8")
    return dict(sorted(payload.items()))


def _as_paths(files: PathArg | Iterable[PathArg] | None) -> list[Path]:
    """``files`` as a list of paths: one ``str`` or ``Path`` is one file, not a sequence of characters."""
    if files is None:
        return ontology_files()
    if isinstance(files, (str, os.PathLike)):
        return [Path(files)]
    return [Path(f) for f in files]


def shacl_gate(loaded: LoadedStore) -> None:
    """Raise :class:`BuildError` when the graph has SHACL violations: a release never ships what ``check`` rejects."""
    from exo_onto.io.load import TurtleError
    from exo_onto.shacl.validate import ValidationError, validate_store  # pyshacl is slow to import

    try:
        shacl = validate_store(loaded)
    except TurtleError:  # a shapes file that does not parse: FILE:LINE, exit 2 like any unreadable file
        raise
    except ValidationError as exc:
        raise BuildError(str(exc)) from exc
    except Exception as exc:  # broken shapes raise several error types; the build must refuse, not crash
        raise BuildError(f"SHACL validation could not run: {exc}") from exc
    if shacl.violations:
        first = shacl.violations[0]
        raise BuildError(f"SHACL found {len(shacl.violations)} violation(s) (run `exo-onto validate`); first: "
                         f"{first.focus} {first.path or '(node)'}: {first.message}")


def build(out_dir: PathArg, version: str | None = None, files: PathArg | Iterable[PathArg] | None = None,
          wait: float = DEFAULT_WAIT, on_wait: Callable[[str], None] | None = None,
          previous: PathArg | None = None) -> BuildReport:
    """Build the release into ``out_dir`` (``str`` or ``Path``).

    The folder is claimed first (:class:`~exo_onto.io.write.OutputError` if the tool may not replace it or
    cannot write there, :class:`~exo_onto.io.write.OutputBusy` after ``wait`` seconds of another writer);
    then :class:`BuildError` if the graph has SHACL violations, does not reason cleanly or has a QC error.
    ``files`` (the TBox first) default to the project's ontology files. ``previous`` (a release folder,
    a Turtle file, a checkout or ``git:REV``) adds ``CHANGES.md``; one it cannot read is a
    :class:`~exo_onto.curate.changelog.DiffError`, raised before any work.
    """
    paths = _as_paths(files)
    ontology_set = {f.resolve() for f in tbox_files()}
    old = load_version(previous if str(previous).startswith("git:") else Path(previous)) \
        if previous is not None else None
    with claim_output(out_dir, wait, on_wait) as folder:
        loaded = load_store(paths)  # the loader `check` uses: a file Oxigraph rejects is one FILE:LINE error
        shacl_gate(loaded)  # cheap (seconds), so before HermiT
        graph = load_graph(paths)
        tbox = load_ontology([p for p in paths if p.resolve() in ontology_set] or paths[:1])
        version = version or version_of(tbox)
        try:
            report = reason(graph)
            # The main release carries what the TBox alone entails (the findings may not hold for a user
            # who imports only the TBox), so it is classified on its own too.
            tbox_report = reason(tbox) if report.ok else report
        except OSError as exc:  # HermiT's input is a temporary file: a full /tmp is named, not a traceback
            raise OSError(exc.errno, exc.strerror, exc.filename or tempfile.gettempdir()) from exc
        for what, verdict in (("the ontology", report), ("the TBox", tbox_report)):
            if not verdict.ok:
                why = "; ".join(verdict.errors + [f"unsatisfiable: {c}" for c in verdict.unsatisfiable]) \
                    or "inconsistent"
                raise BuildError(f"{what} does not reason cleanly ({verdict.reasoner}): {why}")
        qc = run_qc(store=loaded.store)  # the default graph: validation's RDFS closure is in a named graph
        if not qc.ok:
            first = next(r for r in qc.rows if r.severity == "ERROR")
            raise BuildError(f"QC found {qc_summary(qc)}; first: {first.check} {first.entity} {first.property}")
        payload = release_files(graph, tbox, report, version, tbox_report, old,
                                f"the previous version ({previous})")
        folder.write(payload)
    return BuildReport(Path(out_dir), version, list(payload), report)
