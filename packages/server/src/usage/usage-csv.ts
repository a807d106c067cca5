import { USAGE_CSV_COLUMNS, type UsageResponse, type UsageRow } from '@cachibot/protocol';

/**
 * RFC 4180 fields. Bot names and usernames are user-chosen: one starting like a formula (= + - @, tab,
 * CR) gets a leading apostrophe so that a spreadsheet shows it as text instead of running it.
 */
export function csvField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const line = (row: UsageRow) => USAGE_CSV_COLUMNS.map((column) => csvField(row[column] as never)).join(',');

/** A header line, then one line per row (a day's split by model is left out). */
export function usageCsv(report: UsageResponse): string {
  return `${[USAGE_CSV_COLUMNS.join(','), ...report.rows.map(line)].join('\r\n')}\r\n`;
}
