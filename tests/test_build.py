"""`exo-onto build`: every format round-trips, output is byte-identical, writes are atomic."""

import csv
import io
import subprocess
import sys
from pathlib import Path

import owlready2
import pytest
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF, RDFS

from exo_onto import load_graph
from exo_onto.namespaces import BASE
from exo_onto.release import FULL, build
from exo_onto.writing import write_folder_atomic

FORMATS = {f"{FULL}.ttl": "turtle", f"{FULL}.owl": "xml", f"{FULL}.jsonld": "json-ld", f"{FULL}.nt": "nt"}


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    out = tmp_path_factory.mktemp("rel") / "release"
    report = build(out)
    return out, report


def expected_merged():
    """The project's graph as a release should hold it: one header, no imports (read from the files)."""
    g = load_graph()
    for s in list(g.subjects(RDF.type, OWL.Ontology)):
        g.remove((s, None, None))
    g.remove((None, OWL.imports, None))
    return g


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_every_format_round_trips(release, name):
    out, _ = release
    parsed = Graph().parse(out / name, format=FORMATS[name])
    full = URIRef(BASE + FULL + ".owl")
    assert (full, RDF.type, OWL.Ontology) in parsed
    assert not list(parsed.objects(None, OWL.imports))
    header = set(parsed.triples((full, None, None)))
    for t in header:
        parsed.remove(t)
    assert isomorphic(parsed, expected_merged())


def test_release_header_is_stamped(release):
    out, report = release
    g = Graph().parse(out / f"{FULL}.ttl")
    full = URIRef(BASE + FULL + ".owl")
    assert str(g.value(full, OWL.versionIRI)) == f"{BASE}releases/{report.version}/{FULL}.owl"
    assert g.value(full, URIRef("http://purl.org/dc/terms/license")) is not None
    assert len(set(g.subjects(RDF.type, OWL.Ontology))) == 1


def test_same_input_gives_byte_identical_output(release, tmp_path):
    out, _ = release
    code = "import sys; from exo_onto.release import build; build(sys.argv[1])"
    again = tmp_path / "again"
    subprocess.run([sys.executable, "-c", code, str(again)], check=True, env={"PYTHONHASHSEED": "123"})
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(p.name for p in again.iterdir())
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


def test_tbox_only_owl_has_no_findings(release):
    out, _ = release
    g = Graph().parse(out / "exo-onto.owl", format="xml")
    assert not list(g.subjects(RDF.type, URIRef(BASE + "Finding")))
    assert (URIRef(BASE + "MSCExosome"), RDF.type, OWL.Class) in g


def test_void_counts_and_distributions(release):
    out, _ = release
    void = Graph().parse(out / "void.ttl")
    ds = URIRef(BASE + "dataset")
    merged = Graph().parse(out / f"{FULL}.nt", format="nt")
    assert int(void.value(ds, URIRef("http://rdfs.org/ns/void#triples"))) == len(merged)
    dists = {str(d).rsplit("/", 1)[1] for d in void.objects(ds, URIRef("http://www.w3.org/ns/dcat#distribution"))}
    assert {f"{FULL}.owl", f"{FULL}.ttl", f"{FULL}.jsonld", f"{FULL}.nt", "exo-onto.sssom.tsv"} <= dists


def test_sssom_lists_the_curated_mappings(release):
    out, _ = release
    text = (out / "exo-onto.sssom.tsv").read_text(encoding="utf-8")
    assert "# curie_map:" in text
    rows = list(csv.DictReader(io.StringIO("".join(x for x in text.splitlines(True) if not x.startswith("#"))),
                               delimiter="\t"))
    pairs = {(r["subject_id"], r["predicate_id"], r["object_id"]) for r in rows}
    # Mappings curated in the TBox (read from ontology/exo-onto.ttl): OA in Mondo and DOID; a gene's two IDs.
    assert ("MONDO:0005178", "skos:exactMatch", "DOID:8398") in pairs
    assert ("HGNC:2200", "skos:exactMatch", "NCBIGene:1280") in pairs
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


def test_build_command(cli, tmp_path):
    r = cli("build", "--out", str(tmp_path / "r"))
    assert r.code == 0, r.err
    assert f"{FULL}.owl" in r.out
    assert (tmp_path / "r" / "context.jsonld").is_file()
    assert Path(tmp_path / "r").stat().st_mode & 0o055
