import { visibleLength } from './style.ts';

/** 1234567 → "1,234,567". */
export const count = (value: number): string => Math.round(value).toLocaleString('en-US');

/** Money with enough digits for LLM prices: $0.000213, $1.42. */
export function usd(value: number): string {
  if (value === 0) return '$0';
  return value >= 1 ? `$${value.toFixed(2)}` : `$${value.toPrecision(3).replace(/0+$/, '').replace(/\.$/, '')}`;
}

/** 0.153 → "15.3 %"; null → "–". */
export function percent(value: number | null): string {
  return value === null ? '–' : `${(value * 100).toFixed(1)} %`;
}

/** 0.012 → "12 ms", 1.5 → "1.50 s"; nothing → "–". */
export function seconds(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return value < 1 ? `${Math.round(value * 1000)} ms` : `${value.toFixed(2)} s`;
}

/** 8.25 → "8.3 ms", 1500 → "1.50 s". */
export function millis(value: number): string {
  return value < 1000 ? `${value < 10 ? value.toFixed(1) : Math.round(value)} ms` : `${(value / 1000).toFixed(2)} s`;
}

/** Local time as `2026-11-23 14:05`. */
export function clock(timeMillis: number, withSeconds = false): string {
  const date = new Date(timeMillis);
  const pad = (value: number) => String(value).padStart(2, '0');
  const time = `${pad(date.getHours())}:${pad(date.getMinutes())}${withSeconds ? `:${pad(date.getSeconds())}` : ''}`;
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${time}`;
}

/** A table cell: text aligned left, or `{ right: text }` (numbers) aligned right. */
export type Cell = string | { right: string };

/** The text of a cell. */
export const cellText = (cell: Cell): string => (typeof cell === 'string' ? cell : cell.right);

/** One line of a table whose columns are `widths` wide (colour codes do not count). @example tableLine(['a', { right: '1' }], [3, 2]) // '  a     1' */
export function tableLine(cells: readonly Cell[], widths: readonly number[], indent = '  '): string {
  return (
    indent +
    cells
      .map((cell, column) => {
        const value = cellText(cell);
        const pad = ' '.repeat(Math.max(0, (widths[column] ?? 0) - visibleLength(value)));
        return typeof cell === 'string' ? value + pad : pad + value;
      })
      .join('  ')
      .trimEnd()
  );
}

/**
 * Rows as aligned columns; numbers (cells given as `{ right: text }`) align right. Colour codes do not count.
 *
 * @example
 * table(['model', 'cost'], [['gpt-4o', { right: '$0.12' }]]);
 */
export function table(header: string[], rows: Cell[][], indent = '  '): string[] {
  const widths = header.map((title, column) =>
    rows.reduce((widest, row) => Math.max(widest, visibleLength(cellText(row[column] ?? ''))), visibleLength(title)),
  );
  return [tableLine(header, widths, indent), ...rows.map((row) => tableLine(row, widths, indent))];
}

/** A horizontal bar of `width` cells for `value` out of `max`. */
export function bar(value: number, max: number, width = 24): string {
  if (max <= 0 || value <= 0) return '';
  const cells = Math.max(1, Math.round((value / max) * width));
  return '█'.repeat(cells);
}

/** A hashed id (`hmac-sha256:<64 hex>`) shortened for a terminal; other ids as they are. */
export function shortId(id: string): string {
  const hashed = /^((?:hmac-)?sha256:)([0-9a-f]{12})[0-9a-f]{52}$/.exec(id);
  return hashed === null ? id : `${hashed[1]}${hashed[2]}…`;
}
