// Plain-text tables and number formats for the bench's and the soak's reports.

/** Lays out rows as aligned columns; `align` gives each column's side (`l` or `r`). */
export function table(rows: readonly (readonly string[])[], align: string): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  }
  return rows
    .map((row) =>
      row
        .map((cell, i) => (align[i] === 'r' ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** A whole number with thousands separators: `12,345`. */
export function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** A number with `digits` decimals. */
export function fixed(n: number, digits: number): string {
  return n.toFixed(digits);
}

/** Bytes in MiB with one decimal: `10.3 MiB`. */
export function mib(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}
