// Display helpers shared by the pages (templates cannot reach globals under the CSP build).

export function when(iso) {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : date.toLocaleString();
}

export function number(value) {
  return typeof value === 'number' ? value.toLocaleString() : '—';
}

export function money(value) {
  return typeof value === 'number' ? `$${value.toFixed(value < 1 ? 4 : 2)}` : '—';
}

/** A percentage as the API gives it (0..100). */
export function percent(value) {
  return typeof value === 'number' ? `${Math.round(value)}%` : '—';
}

export function lines(text) {
  return (text || '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}

/** Mixed into every page: the helpers become methods the templates can call. */
export const helpers = { when, number, money, percent };

export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}
