"""`exo-onto stats`: findings per section and per MSC source, with gaps visible."""

from rdflib.namespace import RDF

from exo_onto import load_graph
from exo_onto.query.stats import finding_stats
from exo_onto.terms.namespaces import MSCEXO

# The MSC sources the review discusses, by their labels in the ontology.
SOURCES = [
    "human embryonic stem cell-derived mesenchymal stem cell", "mesenchymal stem cell of the bone marrow",
    "mesenchymal stem cell of adipose tissue", "synovial mesenchymal stem cell",
    "infrapatellar fat pad mesenchymal stem cell", "mesenchymal stem cell of umbilical cord",
    "induced pluripotent stem cell",
]


def test_every_source_and_leaf_section_has_findings(graph):
    st = finding_stats(graph)
    sections = dict(st.per_section)
    assert list(sections) == ["abstract", "introduction", "1", "1.1", "1.2", "1.3", "1.4", "1.5", "2",
                              "2.1", "2.2", "2.3", "3"]
    assert st.heading_only == {"1", "2"}
    assert all(n > 0 for s, n in sections.items() if s not in st.heading_only)
    per_source = dict(st.per_source)
    assert all(per_source.get(s, 0) > 0 for s in SOURCES), per_source
    assert st.total == sum(sections.values())


def test_a_section_without_findings_shows_as_a_gap():
    g = load_graph()
    for f in list(g.subjects(MSCEXO.statedInSection, MSCEXO["section-1.5"])):
        g.remove((f, None, None))
    st = finding_stats(g)
    assert dict(st.per_section)["1.5"] == 0 and "1.5" not in st.heading_only
    assert dict(st.per_source).get("infrapatellar fat pad mesenchymal stem cell", 0) == 0
    assert st.total == len(set(g.subjects(RDF.type, MSCEXO.Finding)))


def test_stats_command(cli):
    r = cli("stats")
    assert r.code == 0, r.err
    assert "per section" in r.out and "per MSC source" in r.out and "per evidence type" in r.out
    assert "GAP" not in r.out
    for source in SOURCES:
        assert source in r.out
    assert "author inference" in r.out
