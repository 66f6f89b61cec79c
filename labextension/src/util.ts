/**
 * DOM helpers shared by the three renderers: element building (text only, never
 * innerHTML, so payloads from untrusted notebooks cannot inject markup), tabs,
 * collapsible sections, pan/zoom for SVG, SVG sanitizing and number formatting.
 */

export type Attrs = { [key: string]: string | number | boolean | undefined };
export type Child = Node | string | null | undefined | false;

/** Create an HTML element with a class, attributes and children (strings become text). */
export function h(
  tag: string,
  cls?: string | null,
  attrs?: Attrs | null,
  ...children: (Child | Child[])[]
): HTMLElement {
  const node = document.createElement(tag);
  if (cls) {
    node.className = cls;
  }
  if (attrs) {
    for (const [key, value] of Object.entries(attrs)) {
      if (value !== undefined && value !== false) {
        node.setAttribute(key, value === true ? '' : String(value));
      }
    }
  }
  append(node, children);
  return node;
}

export function append(node: Node, children: (Child | Child[])[]): void {
  for (const child of children) {
    if (Array.isArray(child)) {
      append(node, child);
    } else if (child instanceof Node) {
      node.appendChild(child);
    } else if (typeof child === 'string') {
      node.appendChild(document.createTextNode(child));
    }
  }
}

const SVG_NS = 'http://www.w3.org/2000/svg';

export function s(tag: string, attrs?: Attrs | null, ...children: Child[]): SVGElement {
  const node = document.createElementNS(SVG_NS, tag);
  if (attrs) {
    for (const [key, value] of Object.entries(attrs)) {
      if (value !== undefined && value !== false) {
        node.setAttribute(key, String(value));
      }
    }
  }
  append(node, children);
  return node;
}

export interface ITab {
  label: string;
  title?: string;
  /** Built on first show, so hidden tabs cost nothing. */
  render: () => Node;
}

/** A tab bar over panels; returns the container. `onShow` runs after each switch. */
export function tabs(items: ITab[], initial = 0, onShow?: (index: number) => void): HTMLElement {
  const bar = h('div', 'cellax-tabbar', { role: 'tablist' });
  const body = h('div', 'cellax-tabbody');
  const panels: (HTMLElement | null)[] = items.map(() => null);
  const buttons: HTMLElement[] = [];
  const show = (index: number) => {
    items.forEach((item, i) => {
      const active = i === index;
      buttons[i].classList.toggle('cellax-active', active);
      buttons[i].setAttribute('aria-selected', String(active));
      if (active && !panels[i]) {
        const panel = h('div', 'cellax-tabpanel', { role: 'tabpanel' });
        panel.appendChild(item.render());
        panels[i] = panel;
        body.appendChild(panel);
      }
      if (panels[i]) {
        panels[i]!.style.display = active ? '' : 'none';
      }
    });
    if (onShow) {
      onShow(index);
    }
  };
  items.forEach((item, i) => {
    const button = h('button', 'cellax-tab', { role: 'tab', title: item.title, type: 'button' },
      item.label);
    button.addEventListener('click', () => show(i));
    buttons.push(button);
    bar.appendChild(button);
  });
  const root = h('div', 'cellax-tabs', null, bar, body);
  if (items.length) {
    show(Math.min(Math.max(initial, 0), items.length - 1));
  }
  return root;
}

/** A collapsible section (a <details>), open or not. */
export function collapsible(summary: Child | Child[], content: Node, open = true,
  cls = ''): HTMLElement {
  const details = h('details', `cellax-collapsible ${cls}`.trim(), { open },
    h('summary', 'cellax-summary', null, summary), content);
  return details;
}

/**
 * Make `viewport` pan (drag) and zoom (wheel, buttons) its child `content` with a CSS
 * transform. Returns the toolbar with zoom in / out / fit buttons.
 */
export function panZoom(viewport: HTMLElement, content: HTMLElement | SVGElement,
  naturalSize: () => { width: number; height: number }): HTMLElement {
  let scale = 1;
  let tx = 0;
  let ty = 0;
  let touched = false;
  const apply = () => {
    (content as HTMLElement).style.transform = `translate(${tx}px, ${ty}px) scale(${scale})`;
  };
  const zoomAt = (factor: number, cx: number, cy: number) => {
    touched = true;
    const next = Math.min(Math.max(scale * factor, 0.05), 20);
    factor = next / scale;
    tx = cx - (cx - tx) * factor;
    ty = cy - (cy - ty) * factor;
    scale = next;
    apply();
  };
  const fit = () => {
    const size = naturalSize();
    const width = viewport.clientWidth;
    const height = viewport.clientHeight;
    if (!size.width || !size.height || !width || !height) {
      return;
    }
    scale = Math.min((width - 8) / size.width, (height - 8) / size.height, 1.25);
    tx = (width - size.width * scale) / 2;
    ty = (height - size.height * scale) / 2;
    apply();
  };
  (content as HTMLElement).style.transformOrigin = '0 0';
  viewport.addEventListener('wheel', event => {
    // Plain scrolling must keep scrolling the notebook; zoom with Ctrl/Cmd or when the
    // pointer rests on the graph after a click (the viewport has focus).
    if (!(event.ctrlKey || event.metaKey || document.activeElement === viewport)) {
      return;
    }
    event.preventDefault();
    const rect = viewport.getBoundingClientRect();
    zoomAt(Math.exp(-event.deltaY * 0.0015), event.clientX - rect.left, event.clientY - rect.top);
  }, { passive: false });
  let drag: { x: number; y: number; tx: number; ty: number } | null = null;
  viewport.addEventListener('pointerdown', event => {
    if (event.button !== 0) {
      return;
    }
    viewport.focus();
    drag = { x: event.clientX, y: event.clientY, tx, ty };
    touched = true;
    viewport.setPointerCapture(event.pointerId);
    viewport.classList.add('cellax-dragging');
  });
  viewport.addEventListener('pointermove', event => {
    if (drag) {
      tx = drag.tx + event.clientX - drag.x;
      ty = drag.ty + event.clientY - drag.y;
      apply();
    }
  });
  const stop = () => {
    drag = null;
    viewport.classList.remove('cellax-dragging');
  };
  viewport.addEventListener('pointerup', stop);
  viewport.addEventListener('pointercancel', stop);
  viewport.addEventListener('dblclick', fit);
  const center = (factor: number) =>
    zoomAt(factor, (viewport.clientWidth || 600) / 2, (viewport.clientHeight || 400) / 2);
  const button = (label: string, title: string, action: () => void) => {
    const b = h('button', 'cellax-button', { type: 'button', title }, label);
    b.addEventListener('click', action);
    return b;
  };
  const toolbar = h('div', 'cellax-toolbar', null,
    button('+', 'Zoom in', () => center(1.25)),
    button('\u2212', 'Zoom out', () => center(0.8)),
    button('Fit', 'Fit the graph to the view (or double-click it)', fit),
    button('1:1', 'Actual size', () => {
      scale = 1;
      tx = 0;
      ty = 0;
      apply();
    }),
    h('span', 'cellax-hint', null, 'drag to pan \u00b7 Ctrl+wheel to zoom'));
  // The output is attached (and sized) after rendering: fit when a size arrives, and again
  // on resizes until the user pans or zooms.
  if (typeof ResizeObserver !== 'undefined') {
    new ResizeObserver(() => {
      if (!touched) {
        fit();
      }
    }).observe(viewport);
  } else {
    requestAnimationFrame(fit);
  }
  return toolbar;
}

/**
 * Parse SVG text (graphviz output) into an element, dropping anything that could run
 * code: scripts, foreign objects, event-handler attributes and javascript: links.
 */
export function parseSvg(text: string): SVGSVGElement | null {
  const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
  const root = doc.documentElement;
  if (!root || root.nodeName.toLowerCase() !== 'svg' || doc.querySelector('parsererror')) {
    return null;
  }
  root.querySelectorAll('script, foreignObject, iframe, embed, object').forEach(n => n.remove());
  const clean = (node: Element) => {
    for (const attr of Array.from(node.attributes)) {
      const name = attr.name.toLowerCase();
      const value = attr.value.trim().toLowerCase();
      if (name.startsWith('on') ||
        ((name === 'href' || name === 'xlink:href') && !value.startsWith('#'))) {
        node.removeAttribute(attr.name);
      }
    }
    Array.from(node.children).forEach(clean);
  };
  clean(root);
  return document.importNode(root, true) as unknown as SVGSVGElement;
}

/** Three significant digits, as Python's `:.3g` ("1", "20.9", "446"). */
function sig3(v: number): string {
  return String(Number(v.toPrecision(3)));
}

export function formatSeconds(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !isFinite(seconds)) {
    return '\u2013';
  }
  const abs = Math.abs(seconds);
  if (abs >= 100) {
    return `${seconds.toFixed(0)} s`;
  }
  if (abs >= 1) {
    return `${sig3(seconds)} s`;
  }
  if (abs >= 1e-3) {
    return `${sig3(seconds * 1e3)} ms`;
  }
  if (abs >= 1e-6) {
    return `${sig3(seconds * 1e6)} \u00b5s`;
  }
  return `${sig3(seconds * 1e9)} ns`;
}

/** 1234567 -> "1.23 M" (units appended by the caller). */
export function formatSI(value: number | null | undefined, unit = ''): string {
  if (value === null || value === undefined || !isFinite(value)) {
    return '\u2013';
  }
  const prefixes: [number, string][] = [[1e15, 'P'], [1e12, 'T'], [1e9, 'G'], [1e6, 'M'],
    [1e3, 'k']];
  for (const [scale, prefix] of prefixes) {
    if (Math.abs(value) >= scale) {
      return `${sig3(value / scale)} ${prefix}${unit}`;
    }
  }
  return `${Number.isInteger(value) ? value : sig3(value)} ${unit}`.trim();
}

export function isObject(value: unknown): value is { [key: string]: any } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Show a payload we could not understand as indented JSON, never as an exception. */
export function fallback(payload: unknown, note: string): HTMLElement {
  return h('div', 'cellax-fallback', null,
    h('div', 'cellax-note', null, note),
    h('pre', 'cellax-code', null, JSON.stringify(payload, null, 1)));
}
