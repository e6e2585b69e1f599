"""`exo-onto build`: every format round-trips, output is byte-identical, writes are atomic; the reasoned
main release and its -base / -simple variants hold what ODK's do; void.ttl counts what `check` counts."""

import csv
import io
from pathlib import Path

import owlready2
import pytest
from rdflib import BNode, Dataset, Graph, URIRef
from rdflib.collection import Collection
from rdflib.compare import to_isomorphic
from rdflib.namespace import OWL, RDF, RDFS

from conftest import FLIPPED_FINDING
from exo_onto import load_graph
from exo_onto.io.load import load_ontology
from exo_onto.io.write import write_folder_atomic
from exo_onto.paths import ontology_files
from exo_onto.pipeline.check import parse_step
from exo_onto.publish.release import FULL
from exo_onto.query.stats import count_entities_in_store
from exo_onto.terms.namespaces import BASE

VOID = "http://rdfs.org/ns/void#"

M = BASE
FORMATS = {f"{FULL}.ttl": "turtle", f"{FULL}.owl": "xml", f"{FULL}.jsonld": "json-ld", f"{FULL}.nt": "nt"}


@pytest.fixture(scope="module")
def release(release_build):
    return release_build


def without_header(g: Graph) -> Graph:
    for s in list(g.subjects(RDF.type, OWL.Ontology)):
        g.remove((s, None, None))
    return g


def expected_merged(out: Path) -> Graph:
    """The project's graph as the full release should hold it (read from the source files): one header, no
    imports, plus the inferred axioms that the release lists in exo-onto-inferred.ttl."""
    g = without_header(load_graph())
    g.remove((None, OWL.imports, None))
    g += without_header(Graph().parse(out / "exo-onto-inferred.ttl"))
    return g


def named_ancestors(g: Graph, cls: URIRef) -> set[URIRef]:
    """Named superclasses of ``cls`` through rdfs:subClassOf between named classes."""
    seen, todo = set(), [cls]
    while todo:
        for parent in g.objects(todo.pop(), RDFS.subClassOf):
            if isinstance(parent, URIRef) and parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return seen


def defined_class_genera(tbox: Graph) -> dict[URIRef, set[URIRef]]:
    """C ≡ A ⊓ ∃R.B … in the TBox source: each named conjunct A is a superclass of C by OWL semantics."""
    out: dict[URIRef, set[URIRef]] = {}
    for c, expr in tbox.subject_objects(OWL.equivalentClass):
        members = tbox.value(expr, OWL.intersectionOf) if isinstance(expr, BNode) else None
        if isinstance(c, URIRef) and members is not None:
            out.setdefault(c, set()).update(m for m in Collection(tbox, members) if isinstance(m, URIRef))
    return out


@pytest.fixture(scope="module")
def expected_full(release):
    """:func:`expected_merged` in rdflib's canonical form, made once for the four formats compared with it."""
    return to_isomorphic(expected_merged(release[0]))


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_every_format_round_trips(release, expected_full, name):
    out, _ = release
    parsed = Graph().parse(out / name, format=FORMATS[name])
    full = URIRef(BASE + FULL + ".owl")
    assert (full, RDF.type, OWL.Ontology) in parsed
    assert not list(parsed.objects(None, OWL.imports))
    header = set(parsed.triples((full, None, None)))
    for t in header:
        parsed.remove(t)
    assert to_isomorphic(parsed) == expected_full  # rdflib's isomorphic(), one side made once


def test_release_header_is_stamped(release):
    out, report = release
    g = Graph().parse(out / f"{FULL}.ttl")
    full = URIRef(BASE + FULL + ".owl")
    assert str(g.value(full, OWL.versionIRI)) == f"{BASE}releases/{report.version}/{FULL}.owl"
    assert g.value(full, URIRef("http://purl.org/dc/terms/license")) is not None
    assert len(set(g.subjects(RDF.type, OWL.Ontology))) == 1


def test_same_input_gives_byte_identical_output(release, released):
    """The library here and the command in a copy of the checkout, each in a process with its own hash seed,
    write the same bytes (the command's release also keeps the docs built before it, in docs/)."""
    out, _ = release
    again = released[0] / "release"
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(p.name for p in again.iterdir() if p.name != "docs")
    assert "CHANGES.md" in names and "void.ttl" in names
    for name in names:
        assert (out / name).read_bytes() == (again / name).read_bytes(), name


def test_owl_loads_in_owlready2_and_hermit_agrees(release):
    out, report = release
    world = owlready2.World()
    onto = world.get_ontology((out / f"{FULL}.owl").as_uri()).load()
    classes = list(world.classes())
    assert classes and all(c.label for c in classes)
    with onto:
        owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
    assert [c for c in world.inconsistent_classes() if c is not owlready2.Nothing] == []
    bmsc = world[BASE + "BMSCExosome"]
    assert world[BASE + "MSCExosome"] in bmsc.ancestors()
    assert report.reasoner.consistent


def test_inferred_hierarchy_file(release):
    out, _ = release
    g = Graph().parse(out / "exo-onto-inferred.ttl")
    assert (URIRef(BASE + "BMSCExosome"), RDFS.subClassOf, URIRef(BASE + "MSCExosome")) in g
    # The bone-marrow preparation of [24] is filed under its source's exosome class.
    assert (URIRef(BASE + "prep-24-bmsc-exo"), RDF.type, URIRef(BASE + "BMSCExosome")) in g
    # Inferred means not asserted in the sources.
    sources = load_graph()
    assert not [t for t in without_header(g) if t in sources]


def test_full_release_asserts_the_inferred_axioms(release):
    """ODK's reasoned release: a tool without a reasoner sees the hierarchy HermiT sees."""
    out, _ = release
    full = Graph().parse(out / f"{FULL}.nt", format="nt")
    inferred = without_header(Graph().parse(out / "exo-onto-inferred.ttl"))
    assert len(inferred) > 0 and all(t in full for t in inferred)
    # The hESC-MSC source cells of [18]/[19] are MSCs only through their class's definition.
    hesc = URIRef(BASE + "HumanEmbryonicStemCellDerivedMSC")
    assert URIRef("http://purl.obolibrary.org/obo/CL_0000034") in named_ancestors(full, hesc)


@pytest.mark.parametrize("name", ["exo-onto.ttl", "exo-onto-simple.owl"])
def test_main_and_simple_hold_every_entailed_genus(release, name):
    """Each named conjunct A of a defined class C ≡ A ⊓ … (read from the TBox source) is a named ancestor of C."""
    out, _ = release
    g = Graph().parse(out / name, format="xml" if name.endswith(".owl") else "turtle")
    genera = defined_class_genera(load_ontology())
    assert len(genera) >= 10
    missing = {(c, a) for c, parents in genera.items() for a in parents if a not in named_ancestors(g, c)}
    assert not missing


def test_main_release_is_the_tbox_reasoned(release):
    out, _ = release
    main = without_header(Graph().parse(out / "exo-onto.owl", format="xml"))
    tbox = without_header(load_ontology())
    named = lambda t: not isinstance(t[0], BNode) and not isinstance(t[2], BNode)  # noqa: E731
    assert all(t in main for t in tbox if named(t))
    assert len(main) - len([t for t in main if named(t)]) == len(tbox) - len([t for t in tbox if named(t)])
    extra = [t for t in main if named(t) and t not in tbox]
    # Everything added is an inferred subclass axiom or class assertion on a TBox term.
    assert extra and {p for _, p, _ in extra} <= {RDFS.subClassOf, RDF.type}
    assert all(s in set(tbox.subjects()) for s, _, _ in extra)
    assert not list(main.subjects(RDF.type, URIRef(BASE + "Finding")))


def test_base_holds_only_the_projects_own_axioms(release):
    out, _ = release
    base = Graph().parse(out / "exo-onto-base.owl", format="xml")
    tbox = load_ontology()
    header = URIRef(BASE + "exo-onto-base.owl")
    assert (header, RDF.type, OWL.Ontology) in base and not list(base.objects(None, OWL.imports))
    declarations = {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty,
                    OWL.NamedIndividual, RDFS.Datatype}
    own = lambda x: isinstance(x, URIRef) and str(x).startswith(BASE)  # noqa: E731
    for s, p, o in base:
        if isinstance(s, URIRef) and not own(s):  # an external term: a bare declaration, nothing else
            assert p == RDF.type and o in declarations, (s, p, o)
    # Every statement the TBox source makes about a project term (not the header) is there.
    tbox_own = {(s, p, o) for s, p, o in tbox if own(s) and s != URIRef(BASE + "exo-onto.owl")
                and not isinstance(o, BNode)}
    assert tbox_own and tbox_own <= set(base)
    # External labels are their source ontology's business (CL:0000134 has a label in the TBox).
    msc = URIRef("http://purl.obolibrary.org/obo/CL_0000134")
    assert list(tbox.objects(msc, RDFS.label)) and not list(base.objects(msc, RDFS.label))
    assert (msc, RDF.type, OWL.Class) in base  # still declared: the base's axioms use it
    # Unreasoned: none of the inferred axioms.
    inferred = without_header(Graph().parse(out / "exo-onto-inferred.ttl"))
    assert not [t for t in inferred if t in base and t not in tbox]


def test_simple_is_the_named_class_hierarchy_only(release):
    out, _ = release
    simple = Graph().parse(out / "exo-onto-simple.owl", format="xml")
    main = Graph().parse(out / "exo-onto.ttl")
    classes = {c for c in main.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef)}
    assert {c for c in simple.subjects(RDF.type, OWL.Class)} == classes
    assert not [t for t in simple if any(isinstance(x, BNode) for x in t)]  # no class expressions
    assert not list(simple.triples((None, OWL.equivalentClass, None)))
    assert not list(simple.subjects(RDF.type, OWL.ObjectProperty))
    edges = list(simple.subject_objects(RDFS.subClassOf))
    assert edges and all(c in classes and p in classes for c, p in edges)
    # Transitively reduced: no edge is implied by another path.
    for c, p in edges:
        others = [q for q in simple.objects(c, RDFS.subClassOf) if q != p]
        assert not any(p in named_ancestors(simple, q) for q in others), (c, p)
    # Every class keeps both labels.
    assert all({lab.language for lab in simple.objects(c, RDFS.label)} >= {"en", "zh"}
               for c in classes if str(c).startswith(BASE))


def test_tbox_release_has_no_findings(release):
    out, _ = release
    g = Graph().parse(out / "exo-onto.owl", format="xml")
    assert not list(g.subjects(RDF.type, URIRef(BASE + "Finding")))
    assert (URIRef(BASE + "MSCExosome"), RDF.type, OWL.Class) in g


def test_void_counts_are_checks_counts(release):
    """void.ttl's dataset counts what `exo-onto check` reports for the same files (its parse step and its
    entity count), and what rdflib counts independently in the source files."""
    out, _ = release
    void = Graph().parse(out / "void.ttl")
    ds = URIRef(BASE + "dataset")
    step, loaded = parse_step(ontology_files())
    assert step.ok
    check = count_entities_in_store(loaded.store, loaded.triples)
    assert int(void.value(ds, URIRef(VOID + "triples"))) == check.triples
    assert int(void.value(ds, URIRef(VOID + "classes"))) == check.classes
    sources = Graph()
    for path in ontology_files():
        sources.parse(path)
    named_classes = {c for c in sources.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef)}
    assert (check.triples, check.classes) == (len(sources), len(named_classes))


def test_void_describes_the_full_files_and_every_distribution(release):
    out, _ = release
    void = Graph().parse(out / "void.ttl")
    full = URIRef(BASE + "dataset-full")
    merged = Graph().parse(out / f"{FULL}.nt", format="nt")
    assert int(void.value(full, URIRef(VOID + "triples"))) == len(merged)
    assert int(void.value(full, URIRef(VOID + "classes"))) == len(
        {c for c in merged.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef)})
    assert str(void.value(full, URIRef(VOID + "dataDump"))).endswith(f"/{FULL}.nt")
    dcat = "http://www.w3.org/ns/dcat#"
    dists = {str(d).rsplit("/", 1)[1]: d for d in void.objects(URIRef(BASE + "dataset"), URIRef(dcat + "distribution"))}
    written = {p.name for p in out.iterdir() if not p.name.startswith(".")} - {"void.ttl"}
    assert set(dists) == written
    for name, dist in dists.items():
        assert int(void.value(dist, URIRef(dcat + "byteSize"))) == (out / name).stat().st_size, name


def test_sssom_lists_the_curated_mappings(release):
    out, _ = release
    text = (out / "exo-onto.sssom.tsv").read_text(encoding="utf-8")
    assert "# curie_map:" in text
    rows = list(csv.DictReader(io.StringIO("".join(x for x in text.splitlines(True) if not x.startswith("#"))),
                               delimiter="\t"))
    pairs = {(r["subject_id"], r["predicate_id"], r["object_id"]) for r in rows}
    # Mappings curated in the TBox (read from ontology/exo-onto.ttl): OA in Mondo and DOID; a gene's two IDs.
    assert ("MONDO:0005178", "skos:exactMatch", "DOID:8398") in pairs
    assert ("hgnc:2200", "skos:exactMatch", "ncbigene:1280") in pairs
    assert ("mscexo:SubchondralBone", "skos:closeMatch", "UBERON:0035878") in pairs


def test_a_failed_build_leaves_the_previous_release(release, tmp_path):
    out = tmp_path / "rel"
    write_folder_atomic({"a.txt": b"old"}, out)

    class Boom(dict):
        def items(self):
            yield "a.txt", b"new"
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_folder_atomic(Boom(), out)
    assert (out / "a.txt").read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["rel"]


def test_build_command(released):
    """The command as a user runs it, with --previous: an earlier version whose one finding said the opposite
    direction; CHANGES.md names that finding and the field, and the nanopublications are in the release."""
    project, _, r = released
    out = project / "release"
    changes = (out / "CHANGES.md").read_text(encoding="utf-8")
    assert FLIPPED_FINDING.rsplit("/", 1)[1] in changes and "direction" in changes
    assert changes.count("finding-") == 1, changes
    trig = Dataset().parse(out / "exo-onto-nanopubs.trig", format="trig")
    heads = {s for s, _, _, _ in trig.quads((None, RDF.type, URIRef("http://www.nanopub.org/nschema#Nanopublication"),
                                               None))}
    assert len(heads) == len(set(load_graph().subjects(RDF.type, URIRef(M + "Finding"))))
    assert f"{FULL}.owl" in r.out
    assert (out / "context.jsonld").is_file()
    assert out.stat().st_mode & 0o055


def test_a_release_compares_with_the_checkout_it_was_built_from_as_unchanged(release):
    """A release's full graph holds the inferred axioms; read as a version, those are left out (they are
    listed in exo-onto-inferred.ttl), so the release and its checkout give an empty changelog."""
    from exo_onto.curate.changelog import compare, load_version
    from exo_onto.paths import project_root

    out, _ = release
    changes = compare(load_version(out), load_version(project_root()))
    assert changes.is_empty(), changes.to_markdown()
    with_inferred = Graph().parse(out / f"{FULL}.ttl")
    assert len(with_inferred) > len(load_version(out))
