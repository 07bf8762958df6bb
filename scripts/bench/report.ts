/**
 * What the benchmark found: the figures of the `BENCH {json}` line, and the rows of the table a
 * person reads (each figure beside its same-run baseline and its target).
 */
import { round } from './measure.js';

export type Row = {
  readonly figure: string;
  readonly value: string;
  readonly baseline: string;
  /** The figure against its baseline or bound, e.g. "0.05 × (target ≥ 0.5)". */
  readonly target: string;
  /** Whether the target is met; undefined when there is no target. */
  readonly met: boolean | undefined;
};

export class Report {
  readonly figures: Record<string, number | string | boolean | null> = {};
  readonly rows: Row[] = [];
  readonly notes: string[] = [];

  set(key: string, value: number | string | boolean | null): void {
    this.figures[key] = typeof value === 'number' ? round(value) : value;
  }

  row(row: Row): void {
    this.rows.push(row);
  }

  note(text: string): void {
    this.notes.push(text);
  }

  table(): string {
    const header: Row = { figure: 'figure', value: 'this run', baseline: 'baseline (same run)', target: 'against target', met: undefined };
    const cells = (row: Row) => [row.figure, row.value, row.baseline, row.target, row.met === undefined ? '' : row.met ? 'met' : 'NOT MET'];
    const all = [header, ...this.rows].map(cells);
    const widths = all[0]!.map((_, column) => Math.max(...all.map((line) => line[column]!.length)));
    const line = (values: string[]) => values.map((value, column) => value.padEnd(widths[column]!)).join('  ').trimEnd();
    return [line(all[0]!), widths.map((width) => '-'.repeat(width)).join('  '), ...all.slice(1).map(line)].join('\n');
  }

  benchLine(): string {
    return `BENCH ${JSON.stringify(this.figures)}`;
  }
}

/** Formats a number for the table: thousands separators, at most 2 decimals. */
export function show(value: number, unit = ''): string {
  if (!Number.isFinite(value)) return 'n/a';
  return `${round(value).toLocaleString('en-US')}${unit}`;
}

/** The ratio of two figures, NaN when the baseline is 0 or missing. */
export const ratio = (value: number, baseline: number): number => (baseline > 0 && Number.isFinite(value) ? value / baseline : Number.NaN);
