/** Small Markdown helpers for the report. */

export function table(headers: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) =>
    `| ${cells.map((cell) => String(cell).replaceAll('|', '\\|')).join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Milliseconds with a precision that suits their size. */
export function ms(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  if (Math.abs(value) >= 100) return `${Math.round(value)} ms`;
  if (Math.abs(value) >= 10) return `${value.toFixed(1)} ms`;
  return `${value.toFixed(2)} ms`;
}

export function pct(value: number | undefined, digits = 1): string {
  return value === undefined || !Number.isFinite(value) ? '–' : `${(value * 100).toFixed(digits)} %`;
}

export function times(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? '–' : `×${value.toFixed(2)}`;
}

export function num(value: number | undefined, digits = 0): string {
  return value === undefined || !Number.isFinite(value)
    ? '–'
    : value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

export const mark = (pass: boolean) => (pass ? '✅ pass' : '❌ miss');
