// Numbers from the API as text for the page. Anything that is not a finite
// number (a missing field, a string, an object) shows as "–", so a surprising
// response never reaches the page as anything but a dash.
const DASH = '–';
const counts = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const percents = new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: 1 });

export const isNumber = (v) => typeof v === 'number' && Number.isFinite(v);

// 1200 → "1,200"
export const formatCount = (v) => (isNumber(v) ? counts.format(v) : DASH);

// 0.5 → "50%", 0.125 → "12.5%"
export const formatPercent = (v) => (isNumber(v) ? percents.format(v) : DASH);

// 0.003 → "$0.0030"
export const formatUsd = (v) => (isNumber(v) ? `$${v.toFixed(4)}` : DASH);

// The usage log's exact cost strings ("0.001235") as dollars, digit for digit.
export const formatUsdText = (v) => (typeof v === 'string' && /^\d{1,15}(\.\d{1,12})?$/.test(v) ? `$${v}` : formatUsd(v));

// 2280 → "2.2 KiB", 268435456 → "256 MiB"
export function formatBytes(v) {
  if (!isNumber(v)) return DASH;
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let n = v;
  let unit = 0;
  while (Math.abs(n) >= 1024 && unit < units.length - 1) {
    n /= 1024;
    unit += 1;
  }
  const digits = unit === 0 || Math.abs(n) >= 100 || Number.isInteger(n) ? 0 : 1;
  return `${n.toFixed(digits)} ${units[unit]}`;
}

// 5153 → "5 s", 420000 → "7 min"
export function formatAge(ms) {
  if (!isNumber(ms)) return DASH;
  const s = ms / 1000;
  if (s < 60) return `${Math.round(s)} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  if (s < 86400) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} d`;
}
