import type { ScenarioFile } from './context.ts';
import type { Summary } from './stats.ts';

const ms = (value: number) => `${value.toFixed(1)} ms`;

/** Section 6 of docs/benchmarks.md. */
export function usageSection(file: ScenarioFile, provenance: string): string {
  const r = file.results as { insertSeconds: number; usageMs: Record<string, Summary> };
  const c = file.config as { answers: number; samples: number };
  const rows = [
    ['by model', r.usageMs.model],
    ['by day (split by model)', r.usageMs.day],
    ['by bot', r.usageMs.bot],
    ['the page (all three at once)', r.usageMs.page],
  ] as const;
  const table = [
    '| request | samples | p50 | p99 | max |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map(
      ([name, s]) =>
        `| ${name} | ${s?.count ?? 0} | ${ms(s?.p50 ?? 0)} | ${ms(s?.p99 ?? 0)} | ${ms(s?.max ?? 0)} |`,
    ),
  ].join('\n');
  return `## 6. Usage

\`GET /api/usage\` (the current month, \`scope=me\`) for a user with ${c.answers.toLocaleString('en-US')} stored answers (inserted in ${r.insertSeconds} s).

${provenance}

${table}

${file.notes.map((note) => `- ${note}`).join('\n')}
`;
}
