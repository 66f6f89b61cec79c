/**
 * The graph view (application/vnd.cellax.graph+json, built by
 * cellax_notebook.views.GraphView): the jaxpr's data-flow graph as SVG, laid out by
 * graphviz in the kernel (or by cellax's built-in layered layout when `dot` is missing),
 * here with pan (drag) and zoom (buttons, Ctrl+wheel, double-click to fit), a toggle
 * between nested jaxprs collapsed and expanded, the forward/backward legend of a
 * derivative, and each nested jaxpr's own drawing in a collapsible section.
 *
 * The payload (version 1):
 *   {title, derivative, renderer: "dot" | "layered", default: "collapsed" | "expanded",
 *    svg: {collapsed, expanded?}, nested_svgs: [{eqn, depth, label, svg}],
 *    stats: {eqns, inputs, outputs, ...}, classification: {rule, forward_eqns,
 *    backward_eqns} | null, notes: [str], nodes, edges, clusters, jaxpr_text}
 * The SVG carries classes (cx-fwd, cx-bwd, cx-seed, cx-k-<kind>, cx-e-<part>) that the
 * stylesheet colours with JupyterLab's theme.
 */
import { collapsible, fallback, h, isObject, panZoom, parseSvg } from './util';

function svgSize(svg: SVGSVGElement): { width: number; height: number } {
  const w = parseFloat(svg.getAttribute('data-w') || svg.getAttribute('width') || '') ||
    svg.viewBox?.baseVal?.width || 400;
  const hh = parseFloat(svg.getAttribute('data-h') || svg.getAttribute('height') || '') ||
    svg.viewBox?.baseVal?.height || 300;
  return { width: w, height: hh };
}

/** A pan/zoom viewport around one SVG; returns [toolbar, viewport]. */
function zoomable(svg: SVGSVGElement, maxHeight: number): [HTMLElement, HTMLElement] {
  const size = svgSize(svg);
  svg.setAttribute('width', String(size.width));
  svg.setAttribute('height', String(size.height));
  const canvas = h('div', 'cellax-graph-canvas');
  canvas.appendChild(svg);
  const viewport = h('div', 'cellax-graph-viewport', { tabindex: 0 }, canvas);
  viewport.style.height = `${Math.min(Math.max(size.height + 16, 120), maxHeight)}px`;
  const toolbar = panZoom(viewport, canvas, () => size);
  return [toolbar, viewport];
}

function legend(p: any): HTMLElement {
  const item = (cls: string, label: string) =>
    h('span', 'cellax-legend-item', null, h('span', `cellax-swatch ${cls}`), label);
  if (p.derivative) {
    return h('span', 'cellax-legend', null,
      item('cellax-sw-fwd', 'forward (primal)'), item('cellax-sw-bwd', 'backward (cotangent)'),
      item('cellax-sw-res', 'residual'), item('cellax-sw-seed', 'seed'),
      isObject(p.classification) && !p.classification.rule
        ? h('span', 'cellax-hint', null, '(could not tell forward from backward)') : null);
  }
  return h('span', 'cellax-legend', null, item('', 'equation'),
    item('cellax-sw-nested', 'nested jaxpr'));
}

export function renderGraph(host: HTMLElement, payload: unknown): void {
  const p = payload as any;
  const svgs = isObject(p) && isObject(p.svg) ? p.svg : null;
  if (!svgs || (typeof svgs.collapsed !== 'string' && typeof svgs.expanded !== 'string')) {
    host.appendChild(fallback(payload, 'cellax graph view: unrecognized payload'));
    return;
  }
  const stats = isObject(p.stats) ? p.stats : {};
  const title = p.title || (p.derivative ? 'derivative graph' : 'data-flow graph');
  const sub: string[] = [];
  if (typeof stats.eqns === 'number') {
    sub.push(`${stats.eqns} equation${stats.eqns === 1 ? '' : 's'}`,
      `${stats.inputs} in`, `${stats.outputs} out`);
  }
  if (isObject(p.classification)) {
    sub.push(`${p.classification.forward_eqns} forward / ${p.classification.backward_eqns} ` +
      'backward');
  }
  sub.push(p.renderer === 'dot' ? 'laid out by graphviz' : 'built-in layout');

  const variants = (['collapsed', 'expanded'] as const)
    .filter(name => typeof svgs[name] === 'string');
  let current: string = variants.includes(p.default) ? p.default : variants[0];
  const mainBox = h('div', 'cellax-graph-main');
  const controls = h('span', 'cellax-graph-controls');
  const show = () => {
    mainBox.textContent = '';
    controls.textContent = '';
    const svg = parseSvg(svgs[current]);
    if (!svg) {
      mainBox.appendChild(h('div', 'cellax-error', null, 'cellax: this graph could not be drawn'));
      return;
    }
    const [toolbar, viewport] = zoomable(svg, 560);
    if (variants.length > 1) {
      const toggle = h('button', `cellax-button ${current === 'expanded' ? 'cellax-on' : ''}`,
        { type: 'button', title: 'draw nested jaxprs inside their equations' },
        'expand nested');
      toggle.addEventListener('click', () => {
        current = current === 'expanded' ? 'collapsed' : 'expanded';
        show();
      });
      toolbar.insertBefore(toggle, toolbar.firstChild);
    }
    controls.appendChild(toolbar);
    mainBox.appendChild(viewport);
  };
  show();

  const nested = Array.isArray(p.nested_svgs) ? p.nested_svgs : [];
  const nestedBox = nested.length ? h('div', 'cellax-graph-nested', null,
    nested.map((ns: any) => {
      const svg = typeof ns?.svg === 'string' ? parseSvg(ns.svg) : null;
      if (!svg) {
        return null;
      }
      const body = h('div', 'cellax-graph-nested-body');
      const details = collapsible(String(ns.label ?? 'nested jaxpr'), body, false);
      // Build the pan/zoom viewport when first opened, so its fit sees a real size.
      details.addEventListener('toggle', () => {
        if ((details as HTMLDetailsElement).open && !body.firstChild) {
          const [toolbar, viewport] = zoomable(svg, 420);
          body.appendChild(toolbar);
          body.appendChild(viewport);
        }
      });
      return details;
    })) : null;

  const notes = Array.isArray(p.notes) ? p.notes.map(String) : [];
  host.appendChild(h('div', 'cellax-view cellax-graph', null,
    h('div', 'cellax-head', null, h('span', 'cellax-title', null, String(title)),
      h('span', 'cellax-hint', null, sub.join(' \u00b7 '))),
    h('div', 'cellax-graph-bar', null, legend(p), h('span', 'cellax-spacer'), controls),
    mainBox,
    nestedBox,
    notes.length ? h('div', 'cellax-hint', null, notes.join(' ')) : null));
}
