/**
 * The IR view (application/vnd.cellax.ir+json, built by cellax_notebook.views.IRView):
 * tabs for the jaxpr, StableHLO, optimized HLO, both side by side, and XLA's cost.
 *
 * The payload (version 1):
 *   {title, jaxpr: {text, root: JaxprNode}, stablehlo: {text, ops: [{line, op, link}]},
 *    optimized_hlo: {text, instructions: [{line, name, opcode, link}]}, cost, memory,
 *    links: {k: {primitive, file, line, function, source, eqns, stablehlo, hlo}},
 *    sources: {s: {file, short, line, function, text}}}
 *   JaxprNode = {constvars, invars, eqns: [EqnNode], outvars}
 *   EqnNode = {id, primitive, text, link, src, subjaxprs: [{label, shared, jaxpr}]}
 *
 * Sub-jaxprs fold; hovering an equation, op or instruction highlights everything with
 * the same link key (same primitive from the same source line) and that source line; a
 * click pins the highlight, and switching tabs scrolls the pinned lines into view.
 */
import { guessLanguage, highlightLine, Language } from './highlight';
import { collapsible, fallback, formatSeconds, formatSI, h, isObject, tabs } from './util';

interface ILink {
  primitive: string;
  source: string | null;
  eqns: string[];
  stablehlo: number[];
  hlo: number[];
}

interface ISource {
  file: string;
  short: string;
  line: number;
  function: string;
  text: string;
}

/** Nested jaxprs with more equations than this start folded (as in the HTML view). */
const COLLAPSE_NESTED_OVER = 80;
const MAX_LINES = 4000;

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function countEqns(node: any): number {
  let n = 0;
  for (const e of node?.eqns || []) {
    n += 1;
    for (const sub of e.subjaxprs || []) {
      n += countEqns(sub.jaxpr);
    }
  }
  return n;
}

/** Owns the cross-highlighting: which elements carry which key, hover and pin state. */
class Linker {
  private index = new Map<string, HTMLElement[]>();
  private pinned: HTMLElement | null = null;
  /** What is lit now, so lines built later (a tab opened afterwards) light up too. */
  private active: { keys: string[]; cls: string } = { keys: [], cls: '' };
  private defaultStatus: string;

  constructor(private links: { [k: string]: ILink }, private sources: { [s: string]: ISource },
    private status: HTMLElement) {
    const n = Object.keys(links).length;
    this.defaultStatus = n
      ? `Hover an equation, op or source line to highlight what it became; click to pin. ` +
        `${plural(n, 'linked group')}.`
      : 'No source locations in this program.';
    this.setStatus(null);
  }

  /** An equation, StableHLO op or HLO instruction line with link key `k`. */
  linkLine(el: HTMLElement, k: string | null | undefined): void {
    if (!k || !this.links[k]) {
      return;
    }
    this.add(el, k);
    const src = this.links[k].source;
    this.listen(el, [k, ...(src ? [`src:${src}`] : [])], k, src);
  }

  /** A source line: highlights every link that came from it. */
  sourceLine(el: HTMLElement, sid: string): void {
    const key = `src:${sid}`;
    this.add(el, key);
    const ks = Object.keys(this.links).filter(k => this.links[k].source === sid);
    this.listen(el, [key, ...ks], ks.length === 1 ? ks[0] : null, sid);
  }

  private add(el: HTMLElement, key: string): void {
    el.classList.add('cellax-linked');
    if (this.active.keys.includes(key)) {
      el.classList.add(this.active.cls);
    }
    if (!this.index.has(key)) {
      this.index.set(key, []);
    }
    this.index.get(key)!.push(el);
  }

  private listen(el: HTMLElement, keys: string[], k: string | null, sid: string | null): void {
    el.addEventListener('mouseenter', () => {
      if (!this.pinned) {
        this.show(keys, k, sid, el);
      }
    });
    el.addEventListener('mouseleave', () => {
      if (!this.pinned) {
        this.clear();
        this.setStatus(null);
      }
    });
    el.addEventListener('click', event => {
      // The fold triangle of a sub-jaxpr toggles it; a click elsewhere pins.
      if ((event.target as HTMLElement).classList.contains('cellax-twisty')) {
        return;
      }
      if (el.closest('summary')) {
        event.preventDefault();
      }
      if (this.pinned === el) {
        this.pinned = null;
        this.clear();
        this.setStatus(null);
        return;
      }
      this.pinned = el;
      this.show(keys, k, sid, el);
      this.status.appendChild(h('i', 'cellax-hint', null, '  (pinned; click again to release)'));
      this.reveal();
    });
  }

  private clear(): void {
    this.active = { keys: [], cls: '' };
    for (const els of this.index.values()) {
      for (const el of els) {
        el.classList.remove('cellax-hl', 'cellax-pinned');
      }
    }
  }

  private show(keys: string[], k: string | null, sid: string | null, self: HTMLElement): void {
    this.clear();
    const cls = this.pinned ? 'cellax-pinned' : 'cellax-hl';
    this.active = { keys, cls };
    for (const key of keys) {
      for (const el of this.index.get(key) || []) {
        el.classList.add(cls);
      }
    }
    self.classList.add(cls);
    this.setStatus(k, sid);
  }

  private setStatus(k: string | null, sid: string | null = null): void {
    this.status.textContent = '';
    const info = k ? this.links[k] : null;
    const source = sid ? this.sources[sid] : info?.source ? this.sources[info.source] : null;
    if (!info && !source) {
      this.status.appendChild(h('span', 'cellax-hint', null, this.defaultStatus));
      return;
    }
    if (info) {
      this.status.appendChild(h('b', 'cellax-tok-op', null, info.primitive));
      this.status.appendChild(document.createTextNode('  '));
    }
    if (source) {
      this.status.appendChild(h('span', 'cellax-source-loc', null,
        `${source.short || source.file}:${source.line}` +
        (source.function ? ` in ${source.function}` : '')));
      if (source.text) {
        this.status.appendChild(h('code', 'cellax-source-text', null, source.text.trim()));
      }
    }
    if (info) {
      this.status.appendChild(h('span', 'cellax-hint', null,
        `  ${plural(info.eqns.length, 'equation')}, ` +
        `${plural(info.stablehlo.length, 'StableHLO op')}, ` +
        `${plural(info.hlo.length, 'HLO instruction')}`));
    }
  }

  /** Scroll each visible pane so that its first highlighted line shows. */
  reveal(): void {
    const first = new Set<HTMLElement>();
    for (const els of this.index.values()) {
      for (const el of els) {
        if (el.classList.contains('cellax-pinned') || el.classList.contains('cellax-hl')) {
          const pane = el.closest('.cellax-code') as HTMLElement | null;
          if (pane && pane.offsetParent && !first.has(pane)) {
            first.add(pane);
            const top = el.getBoundingClientRect().top - pane.getBoundingClientRect().top +
              pane.scrollTop;
            if (top < pane.scrollTop || top > pane.scrollTop + pane.clientHeight - 20) {
              pane.scrollTop = Math.max(0, top - 40);
            }
          }
        }
      }
    }
  }
}

function jaxprLine(text: string, indent: number, cls = ''): HTMLElement {
  return h('div', `cellax-line ${cls}`.trim(), null, ' '.repeat(indent),
    highlightLine(text, 'jaxpr'));
}

/** The jaxpr as nested blocks: each equation with sub-jaxprs is a fold. */
function renderJaxprNode(node: any, indent: number, label: string, linker: Linker,
  openNested: boolean): HTMLElement[] {
  const out: HTMLElement[] = [];
  const consts = (node.constvars || []).join(' ');
  const ins = (node.invars || []).join(' ');
  out.push(jaxprLine(`${label}{ lambda ${consts ? consts + '; ' : '; '}${ins}. let`, indent));
  const pad = indent + 4;
  for (const e of node.eqns || []) {
    // Wrapped equations continue on further lines, indented like the first.
    const text = String(e.text ?? '').split('\n').join('\n' + ' '.repeat(pad));
    const row = h('div', 'cellax-line cellax-eqn', { 'data-eqn': e.id }, ' '.repeat(pad),
      highlightLine(text, 'jaxpr'));
    linker.linkLine(row, e.link);
    const subs = Array.isArray(e.subjaxprs) ? e.subjaxprs : [];
    if (!subs.length) {
      out.push(row);
      continue;
    }
    row.insertBefore(h('span', 'cellax-twisty', { title: 'fold or unfold' }), row.childNodes[1]);
    const body = h('div', 'cellax-fold-body');
    for (const sub of subs) {
      const lbl = sub.shared ? `${sub.label}=${sub.shared}=` : `${sub.label}=`;
      for (const el of renderJaxprNode(sub.jaxpr, pad + 2, lbl, linker, openNested)) {
        body.appendChild(el);
      }
    }
    const fold = h('details', 'cellax-fold', { open: openNested },
      h('summary', 'cellax-summary', null, row), body);
    out.push(fold);
  }
  const outs = (node.outvars || []) as string[];
  const outText = outs.length === 1 ? `(${outs[0]},)` : `(${outs.join(', ')})`;
  out.push(jaxprLine(`in ${outText} }`, indent + 2));
  return out;
}

function renderJaxpr(payload: any, linker: Linker): HTMLElement {
  const root = payload.jaxpr?.root;
  const pane = h('div', 'cellax-code cellax-lang-jaxpr');
  if (!isObject(root)) {
    // A payload without the structure: the printed text, still coloured.
    for (const line of String(payload.jaxpr?.text ?? '').split('\n')) {
      pane.appendChild(jaxprLine(line, 0));
    }
    return pane;
  }
  const open = countEqns(root) <= COLLAPSE_NESTED_OVER;
  for (const el of renderJaxprNode(root, 0, '', linker, open)) {
    pane.appendChild(el);
  }
  return pane;
}

/** StableHLO or HLO text, one row per line, rows of linked ops carrying their key; blocks
 * ({ ... }) fold. */
function renderText(text: string, items: any[], lang: Language, linker: Linker): HTMLElement {
  const byLine = new Map<number, any>();
  for (const it of items || []) {
    if (typeof it?.line === 'number') {
      byLine.set(it.line, it);
    }
  }
  const pane = h('div', `cellax-code cellax-lang-${lang}`);
  const stack: HTMLElement[] = [pane];
  const lines = text.replace(/\n$/, '').split('\n');
  lines.slice(0, MAX_LINES).forEach((line, i) => {
    const row = h('div', 'cellax-line', null, h('span', 'cellax-lineno', null, String(i + 1)),
      highlightLine(line, lang));
    const it = byLine.get(i);
    if (it) {
      linker.linkLine(row, it.link);
    }
    const opens = /\{\s*$/.test(line) && !/^\s*\}/.test(line);
    const closes = /^\s*\}/.test(line) && !/\{\s*$/.test(line);
    if (opens && i > 0) {
      const body = h('div', 'cellax-fold-body');
      const fold = h('details', 'cellax-fold', { open: true },
        h('summary', 'cellax-summary', null, row), body);
      row.insertBefore(h('span', 'cellax-twisty', { title: 'fold or unfold' }), row.childNodes[1]);
      stack[stack.length - 1].appendChild(fold);
      stack.push(body);
    } else {
      stack[stack.length - 1].appendChild(row);
      if (closes && stack.length > 1) {
        stack.pop();
      }
    }
  });
  if (lines.length > MAX_LINES) {
    pane.appendChild(h('div', 'cellax-line cellax-hint', null,
      `\u2026 ${lines.length - MAX_LINES} more lines`));
  }
  return pane;
}

const COST_ROWS: [string, string, (v: number) => string][] = [
  ['flops', 'FLOPs', v => formatSI(v)],
  ['transcendentals', 'transcendental ops', v => formatSI(v)],
  ['bytes accessed', 'bytes accessed', v => formatSI(v, 'B')],
  ['optimal_seconds', 'optimal time (model)', v => formatSeconds(v)]
];
const MEMORY_ROWS: [string, string][] = [
  ['argument_size_in_bytes', 'arguments'],
  ['output_size_in_bytes', 'outputs'],
  ['alias_size_in_bytes', 'aliased'],
  ['temp_size_in_bytes', 'temporaries'],
  ['generated_code_size_in_bytes', 'generated code']
];

function renderCost(cost: any, memory: any): HTMLElement {
  const box = h('div', 'cellax-cost');
  if (isObject(cost)) {
    box.appendChild(h('div', 'cellax-hint', null,
      "XLA's cost model: estimates from the optimized HLO, not measurements."));
    const table = h('table', 'cellax-table', null,
      h('tr', null, null, h('th', null, null, 'estimate'), h('th', null, null, 'value'),
        h('th', null, null, 'exact')));
    for (const [key, label, fmt] of COST_ROWS) {
      if (typeof cost[key] === 'number') {
        table.appendChild(h('tr', null, null, h('td', null, null, `${label} (est.)`),
          h('td', null, null, fmt(cost[key])),
          h('td', null, null, cost[key] >= 1 ? Math.round(cost[key]).toLocaleString()
            : String(cost[key]))));
      }
    }
    if (cost.flops && cost['bytes accessed']) {
      table.appendChild(h('tr', null, null, h('td', null, null, 'arithmetic intensity (est.)'),
        h('td', null, null, `${(cost.flops / cost['bytes accessed']).toPrecision(3)} FLOP/B`),
        h('td')));
    }
    box.appendChild(table);
    const known = new Set(COST_ROWS.map(r => r[0]));
    const rest = Object.keys(cost).filter(k => !known.has(k)).sort();
    if (rest.length) {
      box.appendChild(collapsible(`all ${Object.keys(cost).length} entries of cost_analysis()`,
        h('table', 'cellax-table', null, rest.map(k => h('tr', null, null,
          h('td', null, null, h('code', null, null, k)),
          h('td', null, null, String(cost[k]))))), false));
    }
  } else {
    box.appendChild(h('div', 'cellax-hint', null,
      'No cost analysis (the program was not compiled).'));
  }
  if (isObject(memory)) {
    box.appendChild(h('div', 'cellax-subtitle', null, 'memory (memory_analysis())'));
    box.appendChild(h('table', 'cellax-table', null, MEMORY_ROWS
      .filter(([key]) => typeof memory[key] === 'number')
      .map(([key, label]) => h('tr', null, null, h('td', null, null, label),
        h('td', null, null, formatSI(memory[key], 'B'))))));
  }
  return box;
}

function renderSources(sources: { [s: string]: ISource }, linker: Linker): HTMLElement | null {
  const ids = Object.keys(sources);
  if (!ids.length) {
    return null;
  }
  const byFile = new Map<string, string[]>();
  for (const sid of ids) {
    const file = sources[sid].file;
    byFile.set(file, [...(byFile.get(file) || []), sid]);
  }
  const pane = h('div', 'cellax-code cellax-sources');
  for (const [file, sids] of byFile) {
    pane.appendChild(h('div', 'cellax-source-file', null, file));
    sids.sort((a, b) => (sources[a].line || 0) - (sources[b].line || 0));
    for (const sid of sids) {
      const src = sources[sid];
      const row = h('div', 'cellax-line', null,
        h('span', 'cellax-lineno', null, String(src.line ?? '')),
        highlightLine(src.text || '', 'text'),
        src.function ? h('span', 'cellax-tok-comment', null, `  # in ${src.function}`) : null);
      linker.sourceLine(row, sid);
      pane.appendChild(row);
    }
  }
  return collapsible(`source lines (${ids.length})`, pane, false, 'cellax-sources-box');
}

export function renderIR(host: HTMLElement, payload: unknown): void {
  if (!isObject(payload) || !isObject(payload.jaxpr)) {
    host.appendChild(fallback(payload, 'cellax IR view: unrecognized payload'));
    return;
  }
  const p = payload as any;
  const links: { [k: string]: ILink } = isObject(p.links) ? p.links : {};
  const sources: { [s: string]: ISource } = isObject(p.sources) ? p.sources : {};
  const status = h('div', 'cellax-footer');
  const linker = new Linker(links, sources, status);
  const shlo = isObject(p.stablehlo) ? p.stablehlo : null;
  const hlo = isObject(p.optimized_hlo) ? p.optimized_hlo : null;
  const items = [{ label: 'jaxpr', title: plural(countEqns(p.jaxpr.root), 'equation'),
    render: () => renderJaxpr(p, linker) }];
  if (shlo) {
    items.push({ label: 'StableHLO', title: 'the lowered module (jit(f).lower(...).as_text())',
      render: () => renderText(String(shlo.text ?? ''), shlo.ops,
        guessLanguage('stablehlo', ''), linker) });
  }
  if (hlo) {
    items.push({ label: 'optimized HLO', title: "XLA's optimized HLO (compiled.as_text())",
      render: () => renderText(String(hlo.text ?? ''), hlo.instructions, 'hlo', linker) });
  }
  if (shlo) {
    items.push({ label: 'side by side', title: 'jaxpr next to StableHLO, cross-highlighted',
      render: () => h('div', 'cellax-split', null,
        h('div', 'cellax-split-pane', null, h('div', 'cellax-pane-title', null, 'jaxpr'),
          renderJaxpr(p, linker)),
        h('div', 'cellax-split-pane', null, h('div', 'cellax-pane-title', null, 'StableHLO'),
          renderText(String(shlo.text ?? ''), shlo.ops, 'mlir', linker))) });
  }
  if (p.cost || p.memory || hlo) {
    items.push({ label: 'cost', title: "XLA's cost and memory analyses",
      render: () => renderCost(p.cost, p.memory) });
  }
  host.appendChild(h('div', 'cellax-view cellax-ir', null,
    p.title ? h('div', 'cellax-title', null, String(p.title)) : null,
    tabs(items, 0, () => requestAnimationFrame(() => linker.reveal())),
    status,
    renderSources(sources, linker)));
}
