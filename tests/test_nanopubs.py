"""exo-onto-nanopubs.trig: one trusty nanopublication per finding, checked on the real project graph.

Expected values come from the project graph itself (SPARQL over ``load_graph()``), never from the
module under test; the trusty URIs are checked by nanopub-sign (the Rust nanopub toolkit), offline.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import OWL, PROV, RDF

from exo_onto.publish.nanopubs import nanopublications
from exo_onto.terms.namespaces import BASE, BIOLINK, MSCEXO

NP = "http://www.nanopub.org/nschema#"
CLAIM = [BIOLINK.subject, BIOLINK.predicate, BIOLINK.object, MSCEXO.direction, MSCEXO.objectAspect,
         MSCEXO.anatomicalContext, MSCEXO.hasContext]


@pytest.fixture(scope="module")
def version(graph: Graph) -> str:
    return str(graph.value(URIRef(BASE + "exo-onto.owl"), OWL.versionInfo))


@pytest.fixture(scope="module")
def trig(graph: Graph, version: str) -> bytes:
    return nanopublications(graph, version)


@pytest.fixture(scope="module")
def dataset(trig: bytes) -> Dataset:
    ds = Dataset()
    ds.parse(data=trig.decode("utf-8"), format="trig")
    return ds


@pytest.fixture(scope="module")
def expected_findings(graph: Graph) -> set[URIRef]:
    rows = graph.query("SELECT DISTINCT ?f WHERE { ?f a <https://w3id.org/exo-onto/Finding> }")
    found = {r.f for r in rows}
    assert len(found) > 200  # the review's findings, not an empty graph
    return found


def heads(ds: Dataset) -> dict[URIRef, dict[str, URIRef]]:
    """nanopub IRI -> {assertion, provenance, pubinfo, head} graph names, read from the head graphs."""
    out: dict[URIRef, dict[str, URIRef]] = {}
    links = (("assertion", "hasAssertion"), ("provenance", "hasProvenance"), ("pubinfo", "hasPublicationInfo"))
    for key, pred in links:
        for s, _, o, g in ds.quads((None, URIRef(NP + pred), None, None)):
            entry = out.setdefault(s, {})
            assert key not in entry, f"{s} has two {key} graphs"
            entry[key] = o
            entry["head"] = g.identifier if hasattr(g, "identifier") else g
    return out


def finding_of(ds: Dataset, assertion: URIRef) -> list[URIRef]:
    return list(ds.graph(assertion).subjects(RDF.type, MSCEXO.Finding))


def test_parses_as_a_dataset_with_one_nanopub_per_finding(dataset, expected_findings):
    nps = heads(dataset)
    assert len(nps) == len(expected_findings)
    seen = []
    for np_iri, graphs in nps.items():
        assert set(graphs) == {"head", "assertion", "provenance", "pubinfo"}
        assert len(set(graphs.values())) == 4, np_iri
        for name in ("assertion", "provenance", "pubinfo"):
            assert len(dataset.graph(graphs[name])) > 0, f"{np_iri}: empty {name} graph"
        assert (np_iri, RDF.type, URIRef(NP + "Nanopublication")) in dataset.graph(graphs["head"])
        found = finding_of(dataset, graphs["assertion"])
        assert len(found) == 1, f"{np_iri} asserts {found}"
        seen.append(found[0])
    assert sorted(seen) == sorted(expected_findings)  # each finding exactly once


def test_assertion_graphs_merged_give_back_the_claims(graph, dataset, expected_findings):
    merged = Graph()
    for graphs in heads(dataset).values():
        merged += dataset.graph(graphs["assertion"])
    values = " ".join(f"<{p}>" for p in CLAIM)
    rows = graph.query(f"SELECT ?f ?p ?o WHERE {{ ?f a <{MSCEXO.Finding}> ; ?p ?o . VALUES ?p {{ {values} }} }}")
    expected = {(r.f, r.p, r.o) for r in rows}
    got = {(s, p, o) for s, p, o in merged if s in expected_findings and p in CLAIM}
    assert got == expected
    # the reified claim as one plain triple, for tools that read nanopublications as triples
    plain = graph.query(f"""SELECT ?s ?p ?o WHERE {{ ?f a <{MSCEXO.Finding}> ;
        <{BIOLINK.subject}> ?s ; <{BIOLINK.predicate}> ?p ; <{BIOLINK.object}> ?o }}""")
    for r in plain:
        assert (r.s, r.p, r.o) in merged
    # where the claim comes from is provenance, not assertion
    assert not set(merged.triples((None, BIOLINK.has_evidence, None)))
    assert not set(merged.triples((None, PROV.wasDerivedFrom, None)))


def test_provenance_names_the_review_the_span_the_evidence_and_the_cited_works(graph, dataset):
    for graphs in heads(dataset).values():
        finding = finding_of(dataset, graphs["assertion"])[0]
        prov = dataset.graph(graphs["provenance"])
        a = graphs["assertion"]
        assert (a, PROV.wasDerivedFrom, MSCEXO["review"]) in prov
        span = graph.value(finding, PROV.wasDerivedFrom)
        assert (a, PROV.wasDerivedFrom, span) in prov
        quote = URIRef(str(span) + "-quote")
        assert graph.value(quote, URIRef("http://www.w3.org/ns/oa#exact")) in set(prov.objects(quote, None))
        assert set(prov.objects(a, BIOLINK.has_evidence)) == set(graph.objects(finding, BIOLINK.has_evidence))
        cited = set(graph.objects(finding, URIRef("http://purl.org/spar/cito/citesAsEvidence")))
        assert set(prov.objects(a, URIRef("http://purl.org/spar/cito/citesAsEvidence"))) == cited
        info = dataset.graph(graphs["pubinfo"])
        np_iri = URIRef(str(a).rsplit("/", 1)[0])
        assert (np_iri, URIRef("http://purl.org/dc/terms/license"),
                URIRef("https://creativecommons.org/licenses/by/4.0/")) in info
        assert set(info.objects(np_iri, URIRef("http://purl.org/dc/terms/created")))


def test_same_graph_same_bytes_in_another_process(trig, version):
    code = ("import hashlib, sys; from exo_onto import load_graph; "
            "from exo_onto.publish.nanopubs import nanopublications; "
            f"sys.stdout.write(hashlib.sha256(nanopublications(load_graph(), {version!r})).hexdigest())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                         env={**os.environ, "PYTHONHASHSEED": "12345"})
    assert out.returncode == 0, out.stderr
    assert out.stdout == hashlib.sha256(trig).hexdigest()


def chunks(trig: bytes) -> list[str]:
    """The file cut into one TriG document per nanopublication (the prefixes repeated)."""
    text = trig.decode("utf-8")
    header, _, body = text.partition("\n\n")
    return [header + "\n\n" + block for block in body.split("\n\n") if block.strip()]


def nanopub_sign():
    if sys.version_info >= (3, 13):  # nanopub-sign 0.2 has no wheel there
        pytest.skip("nanopub-sign needs Python < 3.13")
    import nanopub_sign  # a test dependency: CI must have it, so a missing one fails

    return nanopub_sign


def test_trusty_uris_pass_the_nanopub_toolkit_check_offline(trig, expected_findings):
    Nanopub = nanopub_sign().Nanopub
    docs = chunks(trig)
    assert len(docs) == len(expected_findings)
    for doc in docs:
        info = Nanopub(doc).check().info()
        assert info["trusty_hash"].startswith("RA"), info
        assert info["uri"]["value"] == BASE + "np/" + info["trusty_hash"]


def test_a_changed_claim_fails_the_trusty_check(trig):
    Nanopub = nanopub_sign().Nanopub
    doc = chunks(trig)[0]
    assert "biolink:object " in doc
    tampered = doc.replace("biolink:object ", "biolink:object mscexo:Tampered , ", 1)
    assert tampered != doc
    with pytest.raises(Exception, match="hash"):
        Nanopub(tampered).check()
