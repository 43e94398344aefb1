/**
 * Renders an OpenAPI 3.1 document as one self-contained HTML page (no
 * scripts, no CDN: the runner may have no internet): each operation with its
 * parameters, request body and responses, schemas shown as JSON.
 */

type Json = Record<string, any>;

const escape = (text: unknown) =>
  String(text ?? '').replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

function schemaBlock(schema: unknown, components: Json): string {
  if (!schema) return '';
  const ref = (schema as Json).$ref as string | undefined;
  const name = ref?.split('/').pop();
  const shown = name ? components[name] : schema;
  const title = name ? `<div class="ref">${escape(name)}</div>` : '';
  return `${title}<pre>${escape(JSON.stringify(shown, null, 2))}</pre>`;
}

function operation(path: string, method: string, op: Json, components: Json): string {
  const params = (op.parameters ?? []) as Json[];
  const paramRows = params
    .map((p) => `<tr><td><code>${escape(p.name)}</code></td><td>${escape(p.in)}</td><td>${p.required ? 'yes' : ''}</td><td>${escape(p.schema?.type ?? '')}</td><td>${escape(p.description ?? p.schema?.description ?? '')}</td></tr>`)
    .join('');
  const body = op.requestBody?.content as Json | undefined;
  const bodyHtml = body
    ? Object.entries(body)
        .map(([type, media]) => `<h4>Request body <code>${escape(type)}</code></h4>${schemaBlock((media as Json).schema, components)}`)
        .join('')
    : '';
  const responses = Object.entries((op.responses ?? {}) as Json)
    .map(([status, res]) => {
      const content = Object.entries(((res as Json).content ?? {}) as Json)
        .map(([type, media]) => `<div class="media"><code>${escape(type)}</code>${schemaBlock((media as Json).schema, components)}</div>`)
        .join('');
      return `<details><summary><span class="status s${escape(status[0])}">${escape(status)}</span> ${escape((res as Json).description)}</summary>${content}</details>`;
    })
    .join('');
  const anchor = `${method}-${path.replace(/[^a-z0-9]+/gi, '-')}`;
  return `<section class="op" id="${escape(anchor)}">
<h3><span class="method m-${method}">${method.toUpperCase()}</span> <code>${escape(path)}</code> <a href="#${escape(anchor)}">#</a></h3>
<p>${escape(op.summary)}</p>${op.description ? `<p class="desc">${escape(op.description)}</p>` : ''}
${paramRows ? `<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>required</th><th>type</th><th></th></tr>${paramRows}</table>` : ''}
${bodyHtml}<h4>Responses</h4>${responses}</section>`;
}

export function renderDocsPage(doc: Json): string {
  const components = (doc.components?.schemas ?? {}) as Json;
  const byTag = new Map<string, string[]>();
  for (const [path, item] of Object.entries((doc.paths ?? {}) as Json)) {
    for (const method of METHODS) {
      const op = (item as Json)[method] as Json | undefined;
      if (!op) continue;
      const tag = (op.tags?.[0] as string | undefined) ?? 'other';
      byTag.set(tag, [...(byTag.get(tag) ?? []), operation(path, method, op, components)]);
    }
  }
  const toc = [...byTag.keys()].map((tag) => `<a href="#tag-${escape(tag.replace(/\s+/g, '-'))}">${escape(tag)}</a>`).join(' · ');
  const sections = [...byTag.entries()].map(([tag, ops]) => `<h2 id="tag-${escape(tag.replace(/\s+/g, '-'))}">${escape(tag)}</h2>${ops.join('')}`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escape(doc.info?.title)} — API</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
code,pre{font-family:ui-monospace,monospace;font-size:13px}pre{background:#f6f6f6;padding:.6rem;overflow:auto;max-height:24rem}
.op{border:1px solid #ddd;border-radius:6px;padding:.2rem 1rem;margin:1rem 0}.op h3 a{color:#aaa;text-decoration:none}
.method{display:inline-block;min-width:4.2rem;text-align:center;border-radius:4px;color:#fff;font-size:12px;padding:.1rem .3rem}
.m-get{background:#2b7de9}.m-post{background:#2a9d56}.m-delete{background:#d1453b}.m-put,.m-patch{background:#c98a1b}
.status{font-weight:600}.s2{color:#2a9d56}.s4,.s5{color:#d1453b}.desc{color:#555}.ref{font-weight:600;margin-top:.4rem}
table{border-collapse:collapse}td,th{border-bottom:1px solid #eee;padding:.2rem .6rem;text-align:left}
</style></head><body>
<h1>${escape(doc.info?.title)} <small>${escape(doc.info?.version)}</small></h1>
<p>${escape(doc.info?.description)}</p>
<p>Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI ${escape(doc.openapi)}). Sections: ${toc}</p>
${sections}
</body></html>`;
}
