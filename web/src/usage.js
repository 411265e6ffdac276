// The usage view: what the models were asked and cost (GET /api/v1/usage,
// grouped by model) and what the response cache answered and saved
// (GET /api/v1/cache/stats). Both are fetched each time the view opens or
// Refresh is pressed; either failing shows a message in its own section and
// leaves the other. Every value goes into the page as text.
import * as api from './api.js';
import { h } from './dom.js';
import { formatAge, formatBytes, formatCount, formatPercent, formatUsd, formatUsdText, isNumber } from './format.js';

export const CACHE_KINDS = ['decomposition', 'response', 'analysis'];

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

function table(caption, headers, rows) {
  return h('table', { class: 'stats' },
    h('caption', { text: caption }),
    h('thead', {}, h('tr', {}, ...headers.map((text, i) => h('th', { scope: 'col', class: i === 0 ? '' : 'num', text })))),
    h('tbody', {}, ...rows));
}

const cell = (stat, text) => h('td', { class: 'num', 'data-stat': stat, text });

// ---- model calls ----------------------------------------------------------

function modelRow(label, t, attrs) {
  const o = isObject(t) ? t : {};
  return h('tr', attrs,
    h('th', { scope: 'row', text: label }),
    cell('calls', formatCount(o.calls)),
    cell('input_tokens', formatCount(o.input_tokens)),
    cell('output_tokens', formatCount(o.output_tokens)),
    cell('cached_tokens', formatCount(o.cached_tokens)),
    cell('errors', formatCount(o.errors)),
    cell('cost_usd', formatUsdText(o.cost_usd)));
}

function renderModels(doc) {
  const totals = isObject(doc?.totals) ? doc.totals : null;
  if (!totals) return h('div', { class: 'error', role: 'alert', text: 'Usage unavailable: unexpected response' });
  if (!isNumber(totals.calls) || totals.calls === 0) {
    return h('p', { class: 'empty', text: 'No model calls recorded yet.' });
  }
  const groups = Array.isArray(doc.groups) ? doc.groups : [];
  const rows = groups.map((g) => modelRow(typeof g?.key === 'string' && g.key ? g.key : '(none)', g, { 'data-model': String(g?.key ?? '') }));
  rows.push(modelRow('Total', totals, { class: 'total' }));
  return table('By model', ['Model', 'Calls', 'Input tokens', 'Output tokens', 'Cached tokens', 'Errors', 'Cost'], rows);
}

// ---- response cache -------------------------------------------------------

function cacheRow(kind, label, k) {
  const o = isObject(k) ? k : {};
  return h('tr', { 'data-kind': kind, class: kind === 'total' ? 'total' : '' },
    h('th', { scope: 'row', text: label }),
    cell('exact_hits', formatCount(o.exact_hits)),
    cell('semantic_hits', formatCount(o.semantic_hits)),
    cell('misses', formatCount(o.misses)),
    cell('hit_rate', formatPercent(o.hit_rate)),
    cell('entries', formatCount(o.entries)),
    cell('bytes', formatBytes(o.bytes)),
    cell('tokens_saved', formatCount(o.tokens_saved)),
    cell('cost_saved_usd', formatUsd(o.cost_saved_usd)));
}

// "Size limit 256 MiB; entries kept 7 d (decomposition), 1 d (response), 3 d (analysis)."
function cacheLimits(options) {
  if (!isObject(options)) return null;
  const kept = CACHE_KINDS.filter((k) => isNumber(options.kinds?.[k]?.ttl_seconds))
    .map((k) => `${formatAge(options.kinds[k].ttl_seconds * 1000)} (${k})`);
  const parts = [];
  if (isNumber(options.max_bytes)) parts.push(`Size limit ${formatBytes(options.max_bytes)}`);
  if (kept.length > 0) parts.push(`entries kept ${kept.join(', ')}`);
  return parts.length > 0 ? h('p', { class: 'stats-note', text: `${parts.join('; ')}.` }) : null;
}

function renderCache(doc) {
  if (!isObject(doc)) return h('div', { class: 'error', role: 'alert', text: 'Cache statistics unavailable: unexpected response' });
  if (doc.enabled === false) {
    return h('p', { class: 'notice', role: 'status', text: 'The response cache is off (cache.enabled = false).' });
  }
  const kinds = isObject(doc.kinds) ? doc.kinds : {};
  const rows = CACHE_KINDS.map((k) => cacheRow(k, k, kinds[k]));
  rows.push(cacheRow('total', 'Total', doc.total));
  const headers = ['Kind', 'Exact hits', 'Semantic hits', 'Misses', 'Hit rate', 'Entries', 'Size', 'Tokens saved', 'Cost saved'];
  return h('div', {}, table('By kind', headers, rows), cacheLimits(doc.options));
}

// ---- the view ---------------------------------------------------------------

// Binds the view to its elements (index.html's #usage-view); refresh() loads
// both sections. A refresh started later wins over one still in flight.
export function usageView({ root, models, cache }) {
  let generation = 0;
  return {
    async refresh() {
      const mine = ++generation;
      root.setAttribute('aria-busy', 'true');
      const [usage, stats] = await Promise.allSettled([api.getUsage({ by: 'model' }), api.getCacheStats()]);
      if (mine !== generation) return;
      models.replaceChildren(usage.status === 'fulfilled'
        ? renderModels(usage.value)
        : h('div', { class: 'error', role: 'alert', text: `Usage unavailable: ${usage.reason?.message ?? usage.reason}` }));
      cache.replaceChildren(stats.status === 'fulfilled'
        ? renderCache(stats.value)
        : h('div', { class: 'error', role: 'alert', text: `Cache statistics unavailable: ${stats.reason?.message ?? stats.reason}` }));
      root.removeAttribute('aria-busy');
    },
  };
}
