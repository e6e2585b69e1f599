"""What changed in the knowledge between two versions: findings, terms and mappings.

A line-based diff of Turtle says which lines moved; a curator and a reader want to know which
*claims* changed. :func:`compare` answers that:

* **findings** (nodes typed ``mscexo:Finding``) added, removed (a withdrawn one is marked so) and
  changed, naming each changed field — subject, predicate, object, direction, aspect, anatomical
  context, evidence, span, cited works, context, section, conflicts, labels, notes;
* **terms** (declared classes, properties and named individuals) added, removed, deprecated,
  relabelled (``rdfs:label``) and redefined (``IAO:0000115``);
* **mappings** (SKOS exact/close/broad/narrow/related matches) added and removed.

Nodes are compared by IRI; the parts a finding points to — its span (quote, offsets, rendering) and
its experimental context — and any blank nodes are compared by content, so a span renamed with the
same text is no change and a context whose time point changed changes every finding that uses it.

:func:`load_version` reads a version from a release folder, a Turtle file or ``git:REV``;
:func:`changes_markdown` is what a release writes as ``CHANGES.md``.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, PROV, RDF, RDFS, SKOS

from exo_onto.io.load import TurtleError, load_graph, parse_turtle
from exo_onto.paths import ontology_files, project_root, tbox_path
from exo_onto.terms.labels import label
from exo_onto.terms.namespaces import BIOLINK, CITO, DEFINITION, MSCEXO, OA, bind_prefixes, curie

#: field name -> predicate of a finding, in the order a report lists them.
FINDING_FIELDS: dict[str, URIRef] = {
    "subject": BIOLINK.subject,
    "predicate": BIOLINK.predicate,
    "object": BIOLINK.object,
    "direction": MSCEXO.direction,
    "aspect": MSCEXO.objectAspect,
    "anatomical context": MSCEXO.anatomicalContext,
    "evidence": BIOLINK.has_evidence,
    "span": PROV.wasDerivedFrom,
    "cited works": CITO.citesAsEvidence,
    "context": MSCEXO.hasContext,
    "section": MSCEXO.statedInSection,
    "conflicts": MSCEXO.conflictsWith,
    "labels": RDFS.label,
    "notes": SKOS.editorialNote,
    "change notes": SKOS.changeNote,
    "comments": RDFS.comment,
}
#: fields whose values are compared by what they describe, not by IRI
BY_CONTENT = {"span", "context"}
TERM_TYPES = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, OWL.NamedIndividual)
MAPPING_PREDICATES = (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch, SKOS.relatedMatch)
RELEASE_FILES = ("exo-onto-full.ttl", "exo-onto-full.nt", "exo-onto-full.owl")
#: What a release's reasoner inferred: left out when a release is read as a version.
INFERRED_FILE = "exo-onto-inferred.ttl"


class DiffError(Exception):
    """A version that cannot be read; ``str()`` is one line saying which and why."""


# --------------------------------------------------------------------------- reading versions


def load_version(spec: str | Path, root: Path | None = None) -> Graph:
    """The graph of one version: a release folder, a Turtle file, a project checkout or ``git:REV``.

    Raises :class:`DiffError` (one line) when it cannot be read.
    """
    text = str(spec)
    if text.startswith("git:"):
        return _from_git(text[4:], root or project_root())
    path = Path(spec)
    if path.is_dir():
        for name in RELEASE_FILES:
            if (path / name).is_file():
                return _asserted(path, _parse(path / name))
        if tbox_path(path).is_file():  # a checkout of the project: its ontology files, imports and bridge too
            return _load(ontology_files(path))
        raise DiffError(f"{path}: not a release folder (no {' or '.join(RELEASE_FILES)}) nor a project checkout")
    if path.is_file():
        return _parse(path)
    raise DiffError(f"{spec}: no such file or folder (give a release folder, a Turtle file or git:REV)")


def _asserted(folder: Path, full: Graph) -> Graph:
    """A release's full graph without what the reasoner inferred (listed in ``exo-onto-inferred.ttl``), so
    a release compares with a checkout or a Turtle file by what the curators wrote."""
    inferred = folder / INFERRED_FILE
    if inferred.is_file():
        header = set(full.subjects(RDF.type, OWL.Ontology))
        for s, p, o in _parse(inferred):
            if s not in header:
                full.remove((s, p, o))
    return full


def _parse(path: Path) -> Graph:
    try:
        if path.suffix in (".ttl", ".nt"):
            return parse_turtle(path)  # N-Triples is Turtle
        graph = bind_prefixes(Graph())
        graph.parse(str(path), format="xml")
        return graph
    except TurtleError as exc:
        raise DiffError(str(exc)) from None
    except Exception as exc:  # rdflib's RDF/XML parser raises several types
        raise DiffError(f"{path}: does not parse: {' '.join(str(exc).split())[:300]}") from None


def _load(files: list[Path]) -> Graph:
    try:
        return load_graph(files)
    except TurtleError as exc:
        raise DiffError(str(exc)) from None


def _git(root: Path, *args: str) -> bytes:
    try:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DiffError(f"git {' '.join(args)}: {exc}") from None
    if done.returncode != 0:
        why = " ".join(done.stderr.decode("utf-8", "replace").split()) or f"exit status {done.returncode}"
        raise DiffError(f"git {' '.join(args)}: {why}")
    return done.stdout


def _from_git(rev: str, root: Path) -> Graph:
    """The project's ontology files as they were at revision ``rev`` of the checkout at ``root``."""
    if not rev or rev.startswith("-"):
        raise DiffError(f"git:{rev}: not a revision")
    commit = _git(root, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}").decode().strip()
    names = _git(root, "ls-tree", "-r", "--name-only", commit, "--", "ontology").decode("utf-8").splitlines()
    if "ontology/exo-onto.ttl" not in names:
        raise DiffError(f"git:{rev}: has no ontology/exo-onto.ttl")
    with tempfile.TemporaryDirectory(prefix="exo-onto-diff-") as tmp:
        for name in names:  # the revision's ontology folder as it was; its own layout says which files count
            if name.endswith(".ttl"):
                target = Path(tmp) / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(_git(root, "show", f"{commit}:{name}"))
        try:
            return load_graph(ontology_files(Path(tmp)))
        except TurtleError as exc:
            where = exc.path.relative_to(tmp) if exc.path.is_relative_to(tmp) else exc.path
            line = f":{exc.line}" if exc.line else ""
            raise DiffError(f"git:{rev}:{where}{line}: {exc.message}") from None


# --------------------------------------------------------------------------- comparing


def _content(graph: Graph, node, depth: int = 0):  # noqa: ANN001, ANN202
    """A hashable description of ``node`` by what it says (blank nodes and named parts alike)."""
    if isinstance(node, Literal):
        return ("lit", str(node), node.language or "", str(node.datatype or ""))
    if depth > 4:
        return ("iri", str(node))
    pairs = []
    for p, o in graph.predicate_objects(node):
        if isinstance(o, BNode) or p == OA.hasSelector:
            pairs.append((str(p), _content(graph, o, depth + 1)))
        elif isinstance(o, Literal):
            pairs.append((str(p), _content(graph, o)))
        else:
            pairs.append((str(p), ("iri", str(o))))
    return ("node", frozenset(pairs))


def _values(graph: Graph, node: URIRef, name: str) -> frozenset:
    pred = FINDING_FIELDS[name]
    out = set()
    for o in graph.objects(node, pred):
        if name in BY_CONTENT or isinstance(o, BNode):
            out.add(_content(graph, o))
        elif isinstance(o, Literal):
            out.add(_content(graph, o))
        else:
            out.add(("iri", str(o)))
    return frozenset(out)


def _other_values(graph: Graph, node: URIRef) -> frozenset:
    known = set(FINDING_FIELDS.values())
    return frozenset((str(p), _content(graph, o) if not isinstance(o, URIRef) else ("iri", str(o)))
                     for p, o in graph.predicate_objects(node) if p not in known)


def findings_of(graph: Graph) -> set[URIRef]:
    """The current findings (typed ``mscexo:Finding``) of a graph."""
    return {f for f in graph.subjects(RDF.type, MSCEXO.Finding) if isinstance(f, URIRef)}


def terms_of(graph: Graph) -> set[URIRef]:
    """Every declared class, property and named individual with an IRI."""
    out: set[URIRef] = set()
    for t in TERM_TYPES:
        out.update(s for s in graph.subjects(RDF.type, t) if isinstance(s, URIRef))
    return out


def _is_deprecated(graph: Graph, node: URIRef) -> bool:
    return any(str(v).lower() in ("true", "1") for v in graph.objects(node, OWL.deprecated))


def _labels(graph: Graph, node: URIRef) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for lab in graph.objects(node, RDFS.label):
        out.setdefault(getattr(lab, "language", None) or "", []).append(str(lab))
    return {k: sorted(v) for k, v in sorted(out.items())}


@dataclass
class FieldChange:
    """One field of a changed finding, with the values it had and has (CURIEs or text)."""

    field: str
    old: list[str]
    new: list[str]


@dataclass
class Changes:
    """What :func:`compare` found; every list is sorted, so the report is stable."""

    findings_added: list[str] = field(default_factory=list)
    findings_removed: list[str] = field(default_factory=list)
    findings_withdrawn: list[str] = field(default_factory=list)
    findings_changed: dict[str, list[FieldChange]] = field(default_factory=dict)
    terms_added: list[str] = field(default_factory=list)
    terms_removed: list[str] = field(default_factory=list)
    terms_deprecated: list[str] = field(default_factory=list)
    terms_relabelled: dict[str, tuple[dict, dict]] = field(default_factory=dict)
    terms_redefined: dict[str, tuple[list[str], list[str]]] = field(default_factory=dict)
    mappings_added: list[tuple[str, str, str]] = field(default_factory=list)
    mappings_removed: list[tuple[str, str, str]] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # IRI -> English label, for the report

    def is_empty(self) -> bool:
        return not any((self.findings_added, self.findings_removed, self.findings_changed, self.terms_added,
                        self.terms_removed, self.terms_deprecated, self.terms_relabelled, self.terms_redefined,
                        self.mappings_added, self.mappings_removed))

    def to_dict(self) -> dict:
        """Plain JSON-ready data: IRIs as CURIEs."""
        return {
            "findings": {
                "added": [curie(f) for f in self.findings_added],
                "removed": [{"finding": curie(f), "withdrawn": f in self.findings_withdrawn}
                            for f in self.findings_removed],
                "changed": [{"finding": curie(f), "fields": [c.field for c in cs],
                             "changes": [{"field": c.field, "old": c.old, "new": c.new} for c in cs]}
                            for f, cs in sorted(self.findings_changed.items())],
            },
            "terms": {
                "added": [curie(t) for t in self.terms_added],
                "removed": [curie(t) for t in self.terms_removed],
                "deprecated": [curie(t) for t in self.terms_deprecated],
                "relabelled": [{"term": curie(t), "old": old, "new": new}
                               for t, (old, new) in sorted(self.terms_relabelled.items())],
                "redefined": [{"term": curie(t), "old": old, "new": new}
                              for t, (old, new) in sorted(self.terms_redefined.items())],
            },
            "mappings": {
                "added": [{"subject": curie(s), "predicate": curie(p), "object": curie(o)}
                          for s, p, o in self.mappings_added],
                "removed": [{"subject": curie(s), "predicate": curie(p), "object": curie(o)}
                            for s, p, o in self.mappings_removed],
            },
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n"

    def to_markdown(self, old_name: str = "the previous version", new_name: str = "this version") -> str:
        """The changelog as Markdown: a section per kind of change, one bullet per item."""
        out = [f"# Changes from {old_name} to {new_name}", ""]
        if self.is_empty():
            return "\n".join([*out, "No finding, term or mapping changed.", ""])
        counts = (f"Findings: {len(self.findings_added)} added, {len(self.findings_removed)} removed, "
                  f"{len(self.findings_changed)} changed. Terms: {len(self.terms_added)} added, "
                  f"{len(self.terms_removed)} removed, {len(self.terms_deprecated)} deprecated, "
                  f"{len(self.terms_relabelled)} relabelled, {len(self.terms_redefined)} redefined. "
                  f"Mappings: {len(self.mappings_added)} added, {len(self.mappings_removed)} removed.")
        out += [counts, ""]

        def section(title: str, lines: list[str]) -> None:
            if lines:
                out.extend([f"## {title}", "", *lines, ""])

        section("Findings added", [self._item(f) for f in self.findings_added])
        section("Findings removed", [self._item(f) + (" (withdrawn: deprecated, IRI kept)"
                                                      if f in self.findings_withdrawn else "")
                                     for f in self.findings_removed])
        changed = []
        for f, cs in sorted(self.findings_changed.items()):
            changed.append(f"{self._item(f)}: {', '.join(c.field for c in cs)}")
            for c in cs:
                changed.append(f"  - {c.field}: {_show(c.old)} → {_show(c.new)}")
        section("Findings changed", changed)
        section("Terms added", [self._item(t) for t in self.terms_added])
        section("Terms removed", [self._item(t) for t in self.terms_removed])
        section("Terms deprecated", [self._item(t) for t in self.terms_deprecated])
        relabelled = []
        for t, (old, new) in sorted(self.terms_relabelled.items()):
            langs = sorted(set(old) | set(new))
            diffs = [f"{lang or 'no language'}: {_show(old.get(lang, []))} → {_show(new.get(lang, []))}"
                     for lang in langs if old.get(lang) != new.get(lang)]
            relabelled.append(f"- `{curie(t)}`: {'; '.join(diffs)}")
        section("Terms relabelled", relabelled)
        section("Terms redefined", [f"{self._item(t)}: {_show(old)} → {_show(new)}"
                                    for t, (old, new) in sorted(self.terms_redefined.items())])
        section("Mappings added", [f"- `{curie(s)}` {curie(p)} `{curie(o)}`" for s, p, o in self.mappings_added])
        section("Mappings removed", [f"- `{curie(s)}` {curie(p)} `{curie(o)}`" for s, p, o in self.mappings_removed])
        return "\n".join(out)

    def _item(self, iri: str) -> str:
        name = self.names.get(iri)
        return f"- `{curie(iri)}`" + (f" — {name}" if name and name != iri else "")


def _show(values: list[str]) -> str:
    if not values:
        return "(none)"
    return ", ".join(f"`{v}`" if len(v) < 60 and "\n" not in v else f"“{' '.join(v.split())[:200]}”"
                     for v in values)


def _display(value) -> str:  # noqa: ANN001
    """A field value for people: a CURIE, a literal's text, a span's offsets and quote, a node's label."""
    kind = value[0]
    if kind == "iri":
        return curie(value[1])
    if kind == "lit":
        return value[1] + (f"@{value[2]}" if value[2] else "")
    selectors: dict[str, tuple] = {}
    for p, v in value[1]:
        if p == str(OA.hasSelector) and v[0] == "node":
            selectors.update(dict(v[1]))
    if selectors:
        start, end, exact = (selectors.get(str(k), ("lit", "?"))[1] for k in (OA.start, OA.end, OA.exact))
        rendering = [v[1] for p, v in value[1] if p == str(MSCEXO.englishRendering)]
        text = f"span {start}-{end} “{''.join(exact.split())[:40]}”"
        return text + (f" ({' '.join(rendering[0].split())[:80]})" if rendering else "")
    labels = sorted(v[1] for p, v in value[1] if p == str(RDFS.label) and v[0] == "lit" and v[2] == "en")
    return labels[0] if labels else "(a node described by content)"


def compare(old: Graph, new: Graph) -> Changes:
    """The assertion-level differences between two graphs (see the module docstring)."""
    ch = Changes()
    old_f, new_f = findings_of(old), findings_of(new)
    ch.findings_added = sorted(str(f) for f in new_f - old_f)
    ch.findings_removed = sorted(str(f) for f in old_f - new_f)
    ch.findings_withdrawn = sorted(str(f) for f in old_f - new_f if _is_deprecated(new, f))
    for f in sorted(old_f & new_f):
        fields = []
        for name in FINDING_FIELDS:
            a, b = _values(old, f, name), _values(new, f, name)
            if a != b:
                fields.append(FieldChange(name, sorted(_display(v) for v in a - b),
                                          sorted(_display(v) for v in b - a)))
        if _other_values(old, f) != _other_values(new, f):
            fields.append(FieldChange("other", [], []))
        if fields:
            ch.findings_changed[str(f)] = fields
    old_t, new_t = terms_of(old) - old_f, terms_of(new) - new_f
    ch.terms_added = sorted(str(t) for t in new_t - old_t)
    ch.terms_removed = sorted(str(t) for t in old_t - new_t)
    for t in sorted(old_t & new_t):
        if _is_deprecated(new, t) and not _is_deprecated(old, t):
            ch.terms_deprecated.append(str(t))
        a, b = _labels(old, t), _labels(new, t)
        if a != b:
            ch.terms_relabelled[str(t)] = (a, b)
        da, db = sorted(str(x) for x in old.objects(t, DEFINITION)), sorted(str(x) for x in new.objects(t, DEFINITION))
        if da != db:
            ch.terms_redefined[str(t)] = (da, db)
    om = {(str(s), str(p), str(o)) for p in MAPPING_PREDICATES for s, o in old.subject_objects(p)}
    nm = {(str(s), str(p), str(o)) for p in MAPPING_PREDICATES for s, o in new.subject_objects(p)}
    ch.mappings_added = sorted(nm - om)
    ch.mappings_removed = sorted(om - nm)
    mentioned = {*ch.findings_added, *ch.findings_removed, *ch.findings_changed, *ch.terms_added,
                 *ch.terms_removed, *ch.terms_deprecated, *ch.terms_redefined}
    for iri in mentioned:
        node = URIRef(iri)
        ch.names[iri] = label(new, node, default="") or label(old, node, default="")
    return ch


def changes_markdown(old_graph: Graph, new_graph: Graph, old_name: str = "the previous release",
                     new_name: str = "this release") -> str:
    """``CHANGES.md`` for a release: :func:`compare` as Markdown (deterministic for the same graphs)."""
    return compare(old_graph, new_graph).to_markdown(old_name, new_name)
