/**
 * Small tokenizers for the three IR languages (jaxpr, StableHLO/MLIR, HLO text). They
 * only colour: each token becomes a <span> whose class maps to JupyterLab's editor
 * colours (--jp-mirror-editor-*), so light and dark themes both read well.
 */
import { h } from './util';

export type Language = 'jaxpr' | 'mlir' | 'hlo' | 'text';

interface IRule {
  re: RegExp;
  cls: string;
}

const COMMON: IRule[] = [
  { re: /^"(?:[^"\\]|\\.)*"/, cls: 'cellax-tok-string' },
  { re: /^-?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?/, cls: 'cellax-tok-number' }
];

const RULES: { [lang in Language]: IRule[] } = {
  jaxpr: [
    { re: /^(?:lambda|let|in)\b/, cls: 'cellax-tok-keyword' },
    { re: /^(?:bool|[fiuc](?:8|16|32|64|128)|bf16|f8_\w+|key<\w+>)(?=\[)/, cls: 'cellax-tok-type' },
    { re: /^[a-z_][\w]*(?==)/, cls: 'cellax-tok-attr' },
    // The primitive: the first word after "= " on an equation line is handled in
    // highlightLine; here, plain names.
    { re: /^[a-z_]+[0-9]*/, cls: 'cellax-tok-var' },
    ...COMMON
  ],
  mlir: [
    { re: /^%[\w.#]+/, cls: 'cellax-tok-var' },
    { re: /^\^[\w]+/, cls: 'cellax-tok-var' },
    { re: /^@[\w.$]+/, cls: 'cellax-tok-def' },
    { re: /^#loc\d*/, cls: 'cellax-tok-comment' },
    { re: /^(?:stablehlo|func|chlo|mhlo|sdy|shardy|arith|tensor)\.[\w.]+/, cls: 'cellax-tok-op' },
    { re: /^(?:module|func|return|loc|attributes|private|public)\b/, cls: 'cellax-tok-keyword' },
    { re: /^(?:tensor|complex|tuple|vector|memref)(?=<)/, cls: 'cellax-tok-type' },
    { re: /^(?:[fiu]\d+|bf16|index|none)\b/, cls: 'cellax-tok-type' },
    { re: /^\/\/.*/, cls: 'cellax-tok-comment' },
    ...COMMON
  ],
  hlo: [
    { re: /^(?:HloModule|ENTRY|ROOT)\b/, cls: 'cellax-tok-keyword' },
    { re: /^%?[\w.-]+(?=\s*=\s)/, cls: 'cellax-tok-var' },
    { re: /^%[\w.-]+/, cls: 'cellax-tok-var' },
    { re: /^(?:pred|[fsu](?:8|16|32|64)|bf16|c64|c128|token)(?=\[)/, cls: 'cellax-tok-type' },
    { re: /^[a-z_][\w-]*(?=\()/, cls: 'cellax-tok-op' },
    { re: /^[a-z_]\w*(?==)/, cls: 'cellax-tok-attr' },
    { re: /^\/\*.*?\*\//, cls: 'cellax-tok-comment' },
    ...COMMON
  ],
  text: COMMON
};

/** A jaxpr equation line: "    b:f32[3] = mul a 2.0:f32[]": colour the primitive name. */
const JAXPR_EQN = /^(\s*(?:[\w]+:[\w<>]+\[[^\]]*\]\s*)+=\s*)([a-z_][\w]*)/;

export function highlightLine(text: string, lang: Language): HTMLElement {
  const line = h('span', 'cellax-line-text');
  let rest = text;
  const push = (cls: string | null, token: string) => {
    line.appendChild(cls ? h('span', cls, null, token) : document.createTextNode(token));
  };
  if (lang === 'jaxpr') {
    const match = JAXPR_EQN.exec(rest);
    if (match) {
      highlightInto(match[1], lang, push);
      push('cellax-tok-op', match[2]);
      rest = rest.slice(match[0].length);
    }
  }
  highlightInto(rest, lang, push);
  return line;
}

function highlightInto(text: string, lang: Language,
  push: (cls: string | null, token: string) => void): void {
  const rules = RULES[lang] || COMMON;
  let plain = '';
  let i = 0;
  while (i < text.length) {
    const rest = text.slice(i);
    let matched = false;
    // Only start a token at a word boundary, so "f32" inside "af32" stays plain.
    const prev = i > 0 ? text[i - 1] : ' ';
    if (!/[\w%]/.test(prev) || /["%@#^]/.test(text[i])) {
      for (const rule of rules) {
        const m = rule.re.exec(rest);
        if (m && m[0].length) {
          if (plain) {
            push(null, plain);
            plain = '';
          }
          push(rule.cls, m[0]);
          i += m[0].length;
          matched = true;
          break;
        }
      }
    }
    if (!matched) {
      plain += text[i];
      i++;
    }
  }
  if (plain) {
    push(null, plain);
  }
}

export function guessLanguage(name: string, text: string): Language {
  const n = name.toLowerCase();
  if (n.includes('jaxpr')) {
    return 'jaxpr';
  }
  if (n.includes('stablehlo') || n.includes('mlir') || /^\s*module\b/.test(text)) {
    return 'mlir';
  }
  if (n.includes('hlo') || /^\s*HloModule\b/.test(text)) {
    return 'hlo';
  }
  return 'text';
}
