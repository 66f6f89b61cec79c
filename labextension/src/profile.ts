/**
 * The profile view (application/vnd.cellax.profile+json, built by
 * cellax_notebook.views.ProfileView): one bar per stage (trace, lower, compile, execute)
 * at its median with a min-max whisker, on a log scale (compile is often 10^4 runs) that
 * a button switches to linear; the execute samples as a histogram with the median and
 * interquartile range, plus a strip of the individual runs; a table of the statistics;
 * XLA's estimates and the rates they imply (labelled as estimates).
 *
 * The payload (version 1):
 *   {title, device, stages: [name], timings: {stage: [seconds]},
 *    stats: {stage: {n, median, mean, std, min, max, p25, p75, iqr, rel_iqr, total}},
 *    histogram: {edges, counts} | null, cost, estimates: {flops, bytes_accessed,
 *    transcendentals} | null, achieved: {flops_per_s, bytes_per_s, based_on} | null}
 */
import { fallback, formatSeconds, formatSI, h, isObject, s } from './util';

interface IStats {
  n: number;
  median: number;
  mean: number;
  std: number;
  min: number;
  max: number;
  p25: number;
  p75: number;
  iqr: number;
  rel_iqr: number | null;
}

function logTicks(lo: number, hi: number): number[] {
  const a = Math.floor(Math.log10(lo));
  const b = Math.ceil(Math.log10(hi));
  const out: number[] = [];
  for (let k = a; k <= b; k++) {
    out.push(Math.pow(10, k));
  }
  return out.length >= 2 ? out : [out[0], out[0] * 10];
}

function linearTicks(hi: number): number[] {
  const step = Math.pow(10, Math.floor(Math.log10(hi)));
  const n = hi / step;
  const unit = n > 5 ? 2 * step : n > 2 ? step : step / 2;
  const out: number[] = [];
  for (let t = 0; t <= hi * 1.0001 + unit; t += unit) {
    out.push(t);
    if (t >= hi) {
      break;
    }
  }
  return out;
}

function stageBars(stages: string[], stats: { [k: string]: IStats }, log: boolean): SVGElement {
  const W = 680;
  const left = 70;
  const right = 150;
  const row = 26;
  const plotW = W - left - right;
  const H = row * stages.length + 26;
  const values = stages.flatMap(st => [stats[st].min, stats[st].max]).filter(v => v > 0);
  const svg = s('svg', { class: 'cellax-stage-bars', viewBox: `0 0 ${W} ${H}`, width: W,
    height: H, role: 'img', 'aria-label': 'time per stage' });
  if (!values.length) {
    return svg;
  }
  let X: (v: number) => number;
  let ticks: number[];
  if (log) {
    ticks = logTicks(Math.min(...values), Math.max(...values));
    const lo = Math.log10(ticks[0]);
    const hi = Math.log10(ticks[ticks.length - 1]);
    X = v => left + plotW * (Math.log10(Math.max(v, ticks[0])) - lo) / (hi - lo);
  } else {
    ticks = linearTicks(Math.max(...values));
    const hi = ticks[ticks.length - 1];
    X = v => left + plotW * v / hi;
  }
  for (const t of ticks) {
    const x = X(t);
    svg.appendChild(s('line', { class: 'cellax-grid', x1: x, x2: x, y1: 2, y2: H - 18 }));
    svg.appendChild(s('text', { class: 'cellax-tick', x, y: H - 5, 'text-anchor': 'middle' },
      formatSeconds(t)));
  }
  stages.forEach((name, i) => {
    const st = stats[name];
    const y = 4 + i * row;
    const xm = X(st.median);
    svg.appendChild(s('text', { class: 'cellax-bar-label', x: left - 8, y: y + 15,
      'text-anchor': 'end' }, name));
    svg.appendChild(s('rect', { class: `cellax-bar cellax-stage-${name.replace(/\W/g, '')}`,
      x: left, y: y + 3, width: Math.max(1.5, xm - left), height: row - 10, rx: 2 },
    s('title', null, `${name}: median ${formatSeconds(st.median)} of ${st.n}` +
      (st.n > 1 ? `, min ${formatSeconds(st.min)}, max ${formatSeconds(st.max)}` : ''))));
    if (st.n > 1 && st.max > st.min) {
      const a = X(st.min);
      const b = X(st.max);
      const cy = y + row / 2 - 2;
      svg.appendChild(s('path', { class: 'cellax-whisker',
        d: `M ${a} ${cy} H ${b} M ${a} ${cy - 4} V ${cy + 4} M ${b} ${cy - 4} V ${cy + 4}` }));
    }
    svg.appendChild(s('text', { class: 'cellax-bar-value', x: W - right + 8, y: y + 15 },
      formatSeconds(st.median) + (st.n > 1 ? `  (n=${st.n})` : '')));
  });
  return svg;
}

function histogram(samples: number[], hist: any, st: IStats | undefined): SVGElement | null {
  if (!isObject(hist) || !Array.isArray(hist.counts) || !Array.isArray(hist.edges) ||
    !hist.counts.length) {
    return null;
  }
  const counts = hist.counts as number[];
  const edges = hist.edges as number[];
  const W = 680;
  const H = 120;
  const left = 40;
  const right = 20;
  const top = 8;
  const plotH = 70;
  const lo = edges[0];
  const hi = edges[edges.length - 1];
  const span = hi > lo ? hi - lo : Math.max(hi, 1e-9) * 0.1;
  const X = (v: number) => left + (W - left - right) * (v - lo + (hi > lo ? 0 : span / 2)) /
    span;
  const maxCount = Math.max(...counts, 1);
  const svg = s('svg', { class: 'cellax-hist', viewBox: `0 0 ${W} ${H}`, width: W, height: H,
    role: 'img', 'aria-label': 'execute time distribution' });
  if (st) {
    svg.appendChild(s('rect', { class: 'cellax-iqr', x: X(st.p25), y: top,
      width: Math.max(1, X(st.p75) - X(st.p25)), height: plotH + 14 },
    s('title', null, `interquartile range ${formatSeconds(st.p25)} \u2013 ` +
      `${formatSeconds(st.p75)}`)));
  }
  counts.forEach((c, k) => {
    const x0 = X(edges[k]);
    const x1 = hi > lo ? X(edges[k + 1]) : x0 + 20;
    const bh = (plotH * c) / maxCount;
    svg.appendChild(s('rect', { class: 'cellax-hbar', x: x0 + 0.5, y: top + plotH - bh,
      width: Math.max(1, x1 - x0 - 1), height: bh },
    s('title', null, `${c} run${c === 1 ? '' : 's'} in ${formatSeconds(edges[k])} \u2013 ` +
      `${formatSeconds(edges[k + 1] ?? edges[k])}`)));
  });
  // The individual runs as a strip under the bars.
  samples.forEach((v, i) => {
    svg.appendChild(s('circle', { class: 'cellax-dot', cx: X(v), cy: top + plotH + 7 + (i % 3) * 2,
      r: 1.8 }, s('title', null, formatSeconds(v))));
  });
  if (st) {
    const xm = X(st.median);
    svg.appendChild(s('line', { class: 'cellax-median', x1: xm, x2: xm, y1: top - 2,
      y2: top + plotH + 14 }));
    svg.appendChild(s('text', { class: 'cellax-tick', x: xm, y: H - 4, 'text-anchor': 'middle' },
      `median ${formatSeconds(st.median)}`));
  }
  svg.appendChild(s('text', { class: 'cellax-tick', x: left, y: H - 4 }, formatSeconds(lo)));
  svg.appendChild(s('text', { class: 'cellax-tick', x: W - right, y: H - 4,
    'text-anchor': 'end' }, formatSeconds(hi)));
  return svg;
}

function statsTable(stages: string[], stats: { [k: string]: IStats }): HTMLElement {
  const head = ['stage', 'n', 'median', 'min', 'max', 'IQR', 'IQR/median'];
  return h('table', 'cellax-table', null,
    h('tr', null, null, head.map(x => h('th', null, null, x))),
    stages.map(name => {
      const st = stats[name];
      return h('tr', null, null, h('td', null, null, name), h('td', null, null, String(st.n)),
        h('td', null, null, formatSeconds(st.median)), h('td', null, null, formatSeconds(st.min)),
        h('td', null, null, formatSeconds(st.max)), h('td', null, null, formatSeconds(st.iqr)),
        h('td', null, null, typeof st.rel_iqr === 'number'
          ? `${(100 * st.rel_iqr).toFixed(1)}%` : '\u2013'));
    }));
}

function estimatesTable(est: any, achieved: any): HTMLElement | null {
  if (!isObject(est)) {
    return null;
  }
  const rows: [string, string][] = [];
  if (typeof est.flops === 'number') {
    rows.push(['FLOPs (est.)', formatSI(est.flops, 'FLOP')]);
  }
  if (typeof est.bytes_accessed === 'number') {
    rows.push(['bytes accessed (est.)', formatSI(est.bytes_accessed, 'B')]);
  }
  if (typeof est.transcendentals === 'number' && est.transcendentals) {
    rows.push(['transcendentals (est.)', formatSI(est.transcendentals)]);
  }
  if (isObject(achieved)) {
    if (typeof achieved.flops_per_s === 'number') {
      rows.push(['achieved FLOP/s', formatSI(achieved.flops_per_s, 'FLOP/s')]);
    }
    if (typeof achieved.bytes_per_s === 'number') {
      rows.push(['achieved bytes/s', formatSI(achieved.bytes_per_s, 'B/s')]);
    }
  }
  if (!rows.length) {
    return null;
  }
  return h('div', 'cellax-section', null,
    h('div', 'cellax-subtitle', null, "XLA's estimates"),
    h('table', 'cellax-table', null, rows.map(([k, v]) =>
      h('tr', null, null, h('th', null, null, k), h('td', null, null, v)))),
    h('div', 'cellax-hint', null, isObject(achieved) && achieved.based_on
      ? `rates: ${achieved.based_on}` : "from XLA's cost model, not measured"));
}

export function renderProfile(host: HTMLElement, payload: unknown): void {
  const p = payload as any;
  if (!isObject(p) || !isObject(p.stats) || !Array.isArray(p.stages)) {
    host.appendChild(fallback(payload, 'cellax profile view: unrecognized payload'));
    return;
  }
  const stats = p.stats as { [k: string]: IStats };
  const stages = (p.stages as string[]).filter(st => isObject(stats[st]));
  let log = true;
  const barsBox = h('div', 'cellax-bars-box');
  const scaleButton = h('button', 'cellax-button', { type: 'button',
    title: 'switch between a log and a linear time axis' }, 'linear scale');
  const drawBars = () => {
    barsBox.textContent = '';
    barsBox.appendChild(stageBars(stages, stats, log));
    scaleButton.textContent = log ? 'linear scale' : 'log scale';
  };
  scaleButton.addEventListener('click', () => {
    log = !log;
    drawBars();
  });
  drawBars();
  const samples = isObject(p.timings) && Array.isArray(p.timings.execute)
    ? (p.timings.execute as number[]) : [];
  const hist = histogram(samples, p.histogram, stats.execute);
  host.appendChild(h('div', 'cellax-view cellax-profile', null,
    h('div', 'cellax-head', null,
      h('span', 'cellax-title', null, p.title ? `profile: ${p.title}` : 'profile'),
      p.device ? h('span', 'cellax-hint', null, `on ${p.device}`) : null,
      h('span', 'cellax-spacer'), scaleButton),
    h('div', 'cellax-subtitle', null, 'time per stage (median, min\u2013max whisker)'),
    barsBox,
    hist ? h('div', 'cellax-subtitle', null,
      `execute: ${samples.length} timed runs after warm-up`) : null,
    hist,
    h('div', 'cellax-columns', null,
      h('div', 'cellax-section', null, h('div', 'cellax-subtitle', null, 'statistics'),
        statsTable(stages, stats)),
      estimatesTable(p.estimates, p.achieved))));
}
