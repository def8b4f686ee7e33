import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { EnvironmentSettings } from '../config/index.js';

/** What the CLI reads and writes. Tests pass their own; the default is the process's. */
export interface CliIo {
  stdout: Writable;
  stderr: Writable;
  stdin: Readable;
  /** OPSROOM_* settings; defaults to readEnvironment(). */
  env?: EnvironmentSettings;
  /** Stops long-running commands (`tail`) as Ctrl-C does; they then exit 0. */
  signal?: AbortSignal;
}

/** Line output to one stream that respects backpressure, so `opsroom export | gzip` stays bounded. */
export class LineWriter {
  constructor(private readonly stream: Writable) {}

  line(text = ''): void {
    this.stream.write(`${text}\n`);
  }

  async lineAsync(text: string): Promise<void> {
    if (!this.stream.write(`${text}\n`)) await once(this.stream, 'drain');
  }

  json(value: unknown): void {
    this.line(JSON.stringify(value, null, 2));
  }
}

/** The first line of stdin (without its line ending), or '' at end of input. */
export async function readFirstLine(stdin: Readable): Promise<string> {
  const lines = createInterface({ input: stdin, crlfDelay: Number.POSITIVE_INFINITY, terminal: false });
  try {
    for await (const line of lines) return line;
    return '';
  } finally {
    lines.close();
  }
}

/** Aligned columns separated by two spaces; the last column is not padded. */
export function table(headers: string[], rows: string[][]): string {
  const all = [headers, ...rows];
  const widths = headers.map((_, i) => Math.max(...all.map((row) => [...(row[i] ?? '')].length)));
  return all
    .map((row) =>
      row
        .map((cell, i) =>
          i === row.length - 1 ? cell : cell.padEnd(widths[i]! + cell.length - [...cell].length),
        )
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
