/**
 * cellax-labextension: JupyterLab 4 mime renderers for the payloads that cellax's views
 * put in their mime bundles (application/vnd.cellax.{ir,graph,profile}+json). The bundle
 * also carries self-contained text/html and text/plain for every other front end; in
 * JupyterLab these renderers win (lower rank than HTML) and build the view from the JSON.
 *
 * Everything is built with DOM APIs from the JSON (text nodes, never innerHTML; graphviz
 * SVG is parsed and stripped of scripts and handlers), so the renderers are safe for
 * untrusted notebooks and declared `safe`.
 */
import { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';

import { renderGraph } from './graph';
import { renderIR } from './ir';
import { renderProfile } from './profile';
import { h } from './util';

export const IR_MIME = 'application/vnd.cellax.ir+json';
export const GRAPH_MIME = 'application/vnd.cellax.graph+json';
export const PROFILE_MIME = 'application/vnd.cellax.profile+json';

type Render = (host: HTMLElement, payload: unknown) => void;

/** One output's widget: rebuilds its DOM from the payload on every model change. */
export class CellaxRenderer extends Widget implements IRenderMime.IRenderer {
  constructor(private options: IRenderMime.IRendererOptions, private render: Render) {
    super();
    this.addClass('cellax-renderer');
    // Pan/zoom and hover need events inside the output; keep the node focusable.
    this.node.tabIndex = -1;
  }

  renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const payload = model.data[this.options.mimeType];
    this.node.textContent = '';
    try {
      this.render(this.node, payload);
    } catch (err) {
      // A renderer bug must not lose the output: say so, then show the plain text.
      console.error('cellax-labextension:', err);
      const plain = model.data['text/plain'];
      this.node.appendChild(h('div', 'cellax-view', null,
        h('div', 'cellax-error', null, `cellax renderer error: ${String(err)}`),
        h('pre', 'cellax-code', null, typeof plain === 'string' ? plain
          : JSON.stringify(payload, null, 1))));
    }
    return Promise.resolve();
  }
}

function extension(id: string, mimeType: string,
  render: Render): IRenderMime.IExtension {
  return {
    id: `cellax-labextension:${id}`,
    rendererFactory: {
      safe: true,
      mimeTypes: [mimeType],
      defaultRank: 40,
      createRenderer: options => new CellaxRenderer(options, render)
    },
    // Below text/html's 50: JupyterLab picks this over the bundle's HTML fallback.
    rank: 40,
    dataType: 'json'
  };
}

const extensions: IRenderMime.IExtension[] = [
  extension('ir', IR_MIME, renderIR),
  extension('graph', GRAPH_MIME, renderGraph),
  extension('profile', PROFILE_MIME, renderProfile)
];

export default extensions;
