// Markdown to safe DOM. Everything the model or a repository wrote is
// untrusted: marked turns it into HTML, DOMPurify removes scripts, event
// handlers, forms, styles and any URL that is not http(s), mailto or
// relative, and only then does it reach the page. The CSP is the second wall.
import { marked } from 'marked';
import DOMPurify from 'dompurify';
import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import c from 'highlight.js/lib/languages/c';
import cmake from 'highlight.js/lib/languages/cmake';
import cpp from 'highlight.js/lib/languages/cpp';
import diff from 'highlight.js/lib/languages/diff';
import go from 'highlight.js/lib/languages/go';
import java from 'highlight.js/lib/languages/java';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import markdownLang from 'highlight.js/lib/languages/markdown';
import python from 'highlight.js/lib/languages/python';
import rust from 'highlight.js/lib/languages/rust';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';
import { drawLanguageChart } from './chart.js';

const languages = { bash, c, cmake, cpp, diff, go, java, javascript, json, markdown: markdownLang, python, rust, typescript, xml, yaml };
for (const [name, lang] of Object.entries(languages)) hljs.registerLanguage(name, lang);

marked.setOptions({ gfm: true, breaks: false });

const SAFE_URL = /^(?:https?:|mailto:|#|\/(?!\/)|\.{0,2}\/|[^:]*$)/i;

DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  for (const attr of ['href', 'src', 'xlink:href', 'action', 'formaction']) {
    const value = node.getAttribute?.(attr);
    if (value !== null && value !== undefined && !SAFE_URL.test(value.trim())) node.removeAttribute(attr);
  }
  if (node.tagName === 'A' && node.hasAttribute('href')) {
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer');
  }
});

const HTML_POLICY = {
  USE_PROFILES: { html: true },
  FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select', 'iframe', 'object', 'embed', 'img'],
  FORBID_ATTR: ['style'],
};

// Renders `text` into `target`, replacing its content. `final` is false while
// the answer is still streaming: diagrams and charts wait for the end, so a
// half-written diagram is shown as its source.
export function renderMarkdown(target, text, { final = true } = {}) {
  const html = DOMPurify.sanitize(marked.parse(text), HTML_POLICY);
  const fragment = document.createElement('div');
  fragment.innerHTML = html;
  for (const code of fragment.querySelectorAll('pre > code')) {
    const lang = /language-([\w+-]+)/.exec(code.className)?.[1];
    if (lang === 'mermaid') {
      code.parentElement.classList.add('mermaid-source');
      continue;
    }
    if (lang && hljs.getLanguage(lang)) {
      code.innerHTML = hljs.highlight(code.textContent, { language: lang, ignoreIllegals: true }).value;
      code.classList.add('hljs');
    }
  }
  target.replaceChildren(...fragment.childNodes);
  if (final) {
    drawLanguageCharts(target);
    return renderDiagrams(target);
  }
  return Promise.resolve();
}

let mermaidModule = null;
let diagramCount = 0;

async function loadMermaid() {
  if (!mermaidModule) {
    mermaidModule = import('mermaid').then(({ default: mermaid }) => {
      mermaid.initialize({
        startOnLoad: false,
        securityLevel: 'strict',
        htmlLabels: false,
        flowchart: { htmlLabels: false },
        theme: 'neutral',
      });
      return mermaid;
    });
  }
  return mermaidModule;
}

async function renderDiagrams(root) {
  const blocks = [...root.querySelectorAll('pre.mermaid-source')];
  if (blocks.length === 0) return;
  const mermaid = await loadMermaid();
  for (const pre of blocks) {
    const source = pre.textContent;
    const figure = document.createElement('figure');
    figure.className = 'diagram';
    try {
      const { svg } = await mermaid.render(`mermaid-${++diagramCount}`, source);
      figure.innerHTML = DOMPurify.sanitize(svg, { USE_PROFILES: { svg: true, svgFilters: true }, FORBID_TAGS: ['style', 'foreignObject'] });
      pre.replaceWith(figure);
    } catch (err) {
      const note = document.createElement('p');
      note.className = 'notice';
      note.textContent = `The diagram could not be drawn (${err.message || err}); its source is shown instead.`;
      pre.after(note);
    }
  }
}

// A table under a "Languages" heading (or a paragraph that is only
// "**Languages**", as the offline composer writes it) gets a bar chart.
function drawLanguageCharts(root) {
  for (const table of root.querySelectorAll('table')) {
    let label = table.previousElementSibling;
    if (!label || !/^languages\b/i.test(label.textContent.trim())) continue;
    if (!/^(H[1-6]|P)$/.test(label.tagName)) continue;
    const chart = drawLanguageChart(table);
    if (chart) table.after(chart);
  }
}
