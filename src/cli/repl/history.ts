import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/** How many lines the history file keeps. */
export const HISTORY_LIMIT = 1000;

/**
 * The shell's history file: the last `limit` lines, oldest first, one per line. It is rewritten after
 * every line (a few tens of KB at most), so a shell that is killed loses nothing. The file is made with
 * mode 0600: command lines can say things others should not read. A line typed with a leading space is
 * not kept, as in bash and zsh, for the odd line that should leave no trace.
 */
export class ShellHistory {
  private lines: string[];

  /** `file` undefined: history in memory only. Read problems are reported and start an empty history. */
  constructor(
    private file: string | undefined,
    private readonly onProblem: (text: string) => void,
    private readonly limit = HISTORY_LIMIT,
  ) {
    this.lines = this.read();
  }

  /** Oldest first. */
  get entries(): readonly string[] {
    return this.lines;
  }

  add(typed: string): void {
    const line = typed.trimEnd();
    if (line.trim() === '' || typed.startsWith(' ') || /[\r\n]/.test(line)) return;
    if (this.lines[this.lines.length - 1] === line) return;
    this.lines.push(line);
    if (this.lines.length > this.limit) this.lines = this.lines.slice(-this.limit);
    this.write();
  }

  private read(): string[] {
    if (this.file === undefined || !existsSync(this.file)) return [];
    try {
      const lines = readFileSync(this.file, 'utf8')
        .split('\n')
        .filter((line) => line.trim() !== '');
      return lines.slice(-this.limit);
    } catch (error) {
      this.onProblem(`cannot read the history file ${this.file}: ${(error as Error).message}`);
      return [];
    }
  }

  private write(): void {
    if (this.file === undefined) return;
    try {
      writeFileSync(this.file, `${this.lines.join('\n')}\n`, { mode: 0o600 });
    } catch (error) {
      // Said once: a shell that cannot keep history still works.
      this.onProblem(`cannot write the history file ${this.file}: ${(error as Error).message}`);
      this.file = undefined;
    }
  }
}
