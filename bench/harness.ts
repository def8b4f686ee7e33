import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

/** One benchmark's finding: a Markdown section placed in docs/benchmarks.md between its markers. */
export interface BenchReport {
  /** Stable id; the section between `<!-- bench:id -->` markers is replaced on each run. */
  id: string;
  title: string;
  markdown: string;
}

export interface Benchmark {
  id: string;
  run(): Promise<BenchReport>;
}

let built = false;

/**
 * Builds dist/ from the current sources (`scripts/build.mjs`, a few seconds), once per process: a
 * benchmark that runs Opsroom as installed must never measure a stale build.
 */
export function buildOpsroom(): void {
  if (built) return;
  const root = fileURLToPath(new URL('..', import.meta.url));
  execFileSync(process.execPath, ['scripts/build.mjs'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  built = true;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export function summarize(samples: number[]): {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  count: number;
} {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
    count: sorted.length,
  };
}

export function fixed(value: number, digits = 2): string {
  return Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
}

export function machineLine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return `${cpus().length} cores (${cpu}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${process.platform}`;
}

const HEADER = `# Benchmarks

Produced by \`npm run bench\` (\`bench/run.ts\`). Each section is rewritten when its benchmark runs and
records the machine and the date it ran on. Budgets come from the issues; ratios compare Opsroom with a
peer measured in the same run.
`;

/** Replaces (or appends) each report's section in the file, keeping sections of benchmarks not run. */
export function writeReports(file: string, reports: BenchReport[]): void {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    text = HEADER;
  }
  for (const report of reports) {
    const start = `<!-- bench:${report.id} -->`;
    const end = `<!-- /bench:${report.id} -->`;
    const stamp = `_Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${machineLine()}._`;
    const section = `${start}\n## ${report.title}\n\n${stamp}\n\n${report.markdown.trim()}\n${end}`;
    const from = text.indexOf(start);
    const to = text.indexOf(end);
    text =
      from >= 0 && to > from
        ? text.slice(0, from) + section + text.slice(to + end.length)
        : `${text.trimEnd()}\n\n${section}\n`;
  }
  writeFileSync(file, text);
}
