"""The query page ``exo-onto serve`` shows at its root: the project's prefixes and stored queries.

Oxigraph's own page loads its editor from a CDN and asks prefix.cc for prefixes, so offline it is
an empty box. This page is one self-contained HTML document (no script, style, font or picture
from anywhere else; its Content-Security-Policy lets it talk to its own server only): a text box
with the project's ``PREFIX`` lines, every stored query as an example (its question in English
and Chinese, its parameters bound to their defaults, labels in the language chosen), and a
results table that shows IRIs as the project's CURIEs. Queries go to ``/query`` on the same server.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from dataclasses import dataclass

from exo_onto.io.sparql import with_values
from exo_onto.query.stored import QueryError, StoredQuery, list_queries, resolve_bindings
from exo_onto.terms.namespaces import PREFIXES, curie_prefixes

LANGUAGES = ("en", "zh")


@dataclass(frozen=True)
class Page:
    """The page's bytes and the Content-Security-Policy that lets it run (and nothing else)."""

    body: bytes
    csp: str


def _bound_text(query: StoredQuery, lang: str) -> str:
    """The stored query with its parameters bound to their defaults (labels in ``lang``), as sent to a server."""
    try:
        return with_values(query.text, resolve_bindings(query, lang=lang))
    except QueryError:  # a required parameter has no default: the text as written, to fill in
        return query.text


def blank_query() -> str:
    """Every project prefix, then a query that lists a few triples."""
    lines = [f"PREFIX {prefix}: <{iri}>" for prefix, iri in PREFIXES.items()]
    return "\n".join(lines) + "\n\nSELECT ?s ?p ?o WHERE {\n  ?s ?p ?o\n}\nLIMIT 25\n"


def display_prefixes() -> list[tuple[str, str]]:
    """(namespace, what the project writes for it) pairs, longest namespace first: how IRIs are shown, by
    the one CURIE converter (``CL:0002540``, ``hgnc:12784``)."""
    pairs = {iri: f"{prefix}:" for prefix, iri in curie_prefixes().items()}
    return sorted(pairs.items(), key=lambda kv: (-len(kv[0]), kv[0]))


def examples(queries: list[StoredQuery] | None = None) -> list[dict]:
    """Every stored query as the page offers it."""
    out = []
    for q in queries if queries is not None else list_queries():
        out.append({"name": q.name, "question": {"en": q.question_en or q.name, "zh": q.question_zh or q.name},
                    "text": {lang: _bound_text(q, lang) for lang in LANGUAGES}})
    return out


_STYLE = """
body{font-family:system-ui,sans-serif;margin:0 auto;max-width:90em;padding:1em;color:#222}
h1{font-size:1.4em;margin:.2em 0}.bar{display:flex;gap:1em;align-items:center;flex-wrap:wrap;margin:.5em 0}
select{max-width:60em}textarea{width:100%;box-sizing:border-box;font:13px/1.4 monospace;padding:.5em}
#question{color:#444;margin:.3em 0}#status{color:#555}.error{color:#b42318;white-space:pre-wrap}
table{border-collapse:collapse;font-size:.9em}td,th{border:1px solid #ccc;padding:.2em .5em;vertical-align:top;
text-align:left}th{background:#f3f3f3}pre.graph{background:#f7f7f7;padding:.5em;overflow:auto}
.lit{color:#1a4f8b}.lang,.dt{color:#888;font-size:.85em}small{color:#666}
"""

_SCRIPT = r"""
const data = JSON.parse(document.getElementById('data').textContent);
const box = document.getElementById('query'), pick = document.getElementById('example');
const langPick = document.getElementById('lang'), status = document.getElementById('status');
const results = document.getElementById('results'), question = document.getElementById('question');
const runButton = document.getElementById('run'), stopButton = document.getElementById('stop');
const curies = document.getElementById('curies');
let running = null;

data.examples.forEach((ex, i) => {
  const o = document.createElement('option');
  o.value = String(i);
  o.textContent = ex.name + ': ' + ex.question.en + ' · ' + ex.question.zh;
  pick.appendChild(o);
});

function fill() {
  const ex = pick.value === '' ? null : data.examples[Number(pick.value)];
  box.value = ex ? ex.text[langPick.value] : data.blank;
  question.textContent = ex ? ex.question[langPick.value] : '';
}
pick.addEventListener('change', fill);
langPick.addEventListener('change', fill);

function compact(iri) {
  if (!curies.checked) return iri;
  const obo = /^http:\/\/purl\.obolibrary\.org\/obo\/([A-Za-z]+)_([A-Za-z0-9_]+)$/.exec(iri);
  if (obo) return obo[1] + ':' + obo[2];
  for (const [ns, shown] of data.prefixes) {
    if (iri.startsWith(ns) && iri.length > ns.length) return shown + iri.slice(ns.length);
  }
  return iri;
}

function cell(term) {
  const td = document.createElement('td');
  if (!term) return td;
  if (term.type === 'uri') {
    const a = document.createElement('a');
    a.href = term.value; a.textContent = compact(term.value); a.title = term.value; a.rel = 'noreferrer';
    td.appendChild(a);
  } else if (term.type === 'literal' || term.type === 'typed-literal') {
    const s = document.createElement('span');
    s.className = 'lit'; s.textContent = term.value; td.appendChild(s);
    const extra = document.createElement('span');
    if (term['xml:lang']) { extra.className = 'lang'; extra.textContent = ' @' + term['xml:lang']; }
    else if (term.datatype && !term.datatype.endsWith('#string')) {
      extra.className = 'dt'; extra.textContent = ' ^^' + compact(term.datatype);
    }
    td.appendChild(extra);
  } else {
    td.textContent = '_:' + term.value;
  }
  return td;
}

function showTable(json) {
  results.replaceChildren();
  if ('boolean' in json) {
    const p = document.createElement('p'); p.id = 'answer'; p.textContent = String(json.boolean);
    results.appendChild(p);
    return 1;
  }
  const vars = json.head.vars, table = document.createElement('table'), head = table.insertRow();
  vars.forEach(v => { const th = document.createElement('th'); th.textContent = '?' + v; head.appendChild(th); });
  json.results.bindings.forEach(b => {
    const tr = table.insertRow();
    vars.forEach(v => tr.appendChild(cell(b[v])));
  });
  results.appendChild(table);
  return json.results.bindings.length;
}

function showError(title, detail) {
  results.replaceChildren();
  const p = document.createElement('pre'); p.className = 'error';
  p.textContent = title + (detail ? '\n' + detail : '');
  results.appendChild(p);
  status.textContent = title;
}

async function run() {
  if (running) running.abort();
  const controller = new AbortController();
  running = controller;
  runButton.disabled = true; stopButton.disabled = false;
  status.textContent = 'running… · 运行中…';
  const started = performance.now();
  try {
    const r = await fetch('/query', {method: 'POST', signal: controller.signal, headers: {
      'Content-Type': 'application/sparql-query',
      'Accept': 'application/sparql-results+json, text/turtle;q=0.9, */*;q=0.1'}, body: box.value});
    const type = (r.headers.get('Content-Type') || '').split(';')[0].trim();
    const text = await r.text();
    const ms = Math.round(performance.now() - started);
    if (!r.ok) { showError('HTTP ' + r.status + ' ' + r.statusText, text); return; }
    if (type === 'application/sparql-results+json' || type === 'application/json') {
      const n = showTable(JSON.parse(text));
      status.textContent = n + ' row(s) · ' + n + ' 行 · ' + ms + ' ms';
    } else {
      results.replaceChildren();
      const pre = document.createElement('pre'); pre.className = 'graph'; pre.textContent = text;
      results.appendChild(pre);
      status.textContent = type + ' · ' + ms + ' ms';
    }
  } catch (e) {
    showError(e.name === 'AbortError' ? 'stopped · 已停止' : String(e), '');
  } finally {
    if (running === controller) { running = null; runButton.disabled = false; stopButton.disabled = true; }
  }
}
runButton.addEventListener('click', run);
stopButton.addEventListener('click', () => { if (running) running.abort(); });
box.addEventListener('keydown', e => {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); run(); }
});
fill();
"""


def _hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode("ascii") + "'"


def build_page(queries: list[StoredQuery] | None = None, triples: int | None = None) -> Page:
    """The page, with every stored query (or ``queries``) as an example."""
    data = {"examples": examples(queries), "blank": blank_query(), "prefixes": display_prefixes()}
    payload = json.dumps(data, ensure_ascii=False, sort_keys=True).replace("</", "<\\/")
    count = f" · {triples:,} triples" if triples is not None else ""
    body = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<title>exo-onto SPARQL · 查询</title><link rel="icon" href="data:,">'
        f"<style>{_STYLE}</style></head><body>"
        f'<h1>exo-onto SPARQL <span lang="zh">查询</span><small>{html.escape(count)}</small></h1>'
        "<p><small>Read-only SPARQL 1.1 endpoint <code>/query</code> (GET or POST), Graph Store <code>/store</code> "
        "(reads only), served by Oxigraph. The examples are the project's stored queries with their "
        "parameters bound to the defaults (edit the <code>VALUES</code> row). · 只读 SPARQL 查询端点；示例为项目的"
        "存储查询，参数取默认值。</small></p>"
        '<div class="bar"><label>Example · 示例 <select id="example">'
        '<option value="">(blank query with the project\'s prefixes · 空白查询)</option></select></label>'
        '<label>Labels · 标签 <select id="lang"><option value="en">English</option>'
        '<option value="zh">中文</option></select></label></div>'
        '<p id="question"></p>'
        '<textarea id="query" rows="20" spellcheck="false" aria-label="SPARQL query"></textarea>'
        '<div class="bar"><button id="run">Run · 运行</button><button id="stop" disabled>Stop · 停止</button>'
        '<label><input type="checkbox" id="curies" checked> CURIEs</label><small>Ctrl+Enter</small>'
        '<span id="status" role="status"></span></div>'
        '<div id="results"></div>'
        f'<script type="application/json" id="data">{payload}</script>'
        f"<script>{_SCRIPT}</script></body></html>\n"
    )
    csp = ("default-src 'none'; " f"script-src {_hash(_SCRIPT)}; style-src {_hash(_STYLE)}; "
           "connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
    return Page(body.encode("utf-8"), csp)
