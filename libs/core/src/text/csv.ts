/** A CSV cell as Labwire writes it: text, a number (written as a number) or nothing. */
export type CsvCell = string | number | null | undefined;

/**
 * Characters that make a spreadsheet read a text cell as a formula (or, for tab and line ends, let
 * one slip past a naive check): OWASP's CSV injection list, plus LF.
 */
const FORMULA_START = /^[=+\-@\t\r\n]/;
const NEEDS_QUOTES = /[",\r\n]/;

/**
 * One CSV cell (RFC 4180), safe to open in a spreadsheet. Text starting with `=`, `+`, `-`, `@`, tab
 * or a line end is prefixed with `'` and quoted, as OWASP recommends against formula injection, so
 * `=HYPERLINK(…)` shows as text instead of running. Numbers are written as numbers: a negative
 * reading stays `-3.5`, which is why callers pass numbers, not their text.
 */
export function csvCell(value: CsvCell): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (FORMULA_START.test(value)) return `"'${value.replace(/"/g, '""')}"`;
  return NEEDS_QUOTES.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** One CSV line of cells, with its line end (CRLF, as RFC 4180 says). */
export function csvRow(cells: CsvCell[], eol = '\r\n'): string {
  return cells.map(csvCell).join(',') + eol;
}
