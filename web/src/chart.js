// The language breakdown as a horizontal bar chart, drawn as SVG from a
// Markdown table: the first column is the language, the value is the first
// of "Code", "Bytes", "Share", "Files" found in the header. The "total" row
// is left out.
const SVG = 'http://www.w3.org/2000/svg';
const PALETTE = ['#3572A5', '#f1e05a', '#00ADD8', '#dea584', '#b07219', '#f34b7d', '#3178c6', '#89e051', '#e34c26', '#701516'];

function el(name, attrs = {}, text) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

function number(text) {
  const n = Number.parseFloat(text.replace(/[,%\s]/g, ''));
  return Number.isFinite(n) ? n : null;
}

export function drawLanguageChart(table) {
  const headers = [...table.querySelectorAll('thead th')].map((th) => th.textContent.trim().toLowerCase());
  const column = ['code', 'bytes', 'share of code', 'share', 'files'].map((h) => headers.indexOf(h)).find((i) => i > 0);
  if (column === undefined) return null;
  const rows = [];
  for (const tr of table.querySelectorAll('tbody tr')) {
    const cells = [...tr.children].map((td) => td.textContent.trim());
    const value = number(cells[column] ?? '');
    if (!cells[0] || /^total$/i.test(cells[0]) || value === null || value <= 0) continue;
    rows.push({ name: cells[0], value });
  }
  if (rows.length === 0) return null;
  const total = rows.reduce((sum, r) => sum + r.value, 0);
  const barHeight = 22;
  const width = 480;
  const labelWidth = 120;
  const height = rows.length * (barHeight + 6) + 6;
  const svg = el('svg', { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', class: 'language-chart' });
  svg.append(el('title', {}, `Languages by ${headers[column]}`));
  rows.forEach((row, i) => {
    const y = 6 + i * (barHeight + 6);
    const share = row.value / total;
    const barWidth = Math.max(2, share * (width - labelWidth - 70));
    svg.append(el('text', { x: 0, y: y + barHeight * 0.7, class: 'chart-label' }, row.name));
    svg.append(el('rect', { x: labelWidth, y, width: barWidth, height: barHeight, rx: 3, fill: PALETTE[i % PALETTE.length] }));
    svg.append(el('text', { x: labelWidth + barWidth + 6, y: y + barHeight * 0.7, class: 'chart-value' }, `${(share * 100).toFixed(1)}%`));
  });
  const figure = document.createElement('figure');
  figure.className = 'chart';
  figure.append(svg);
  return figure;
}
