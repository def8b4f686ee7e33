/** Removes secret values from chunked output (see domains/secrets/redactor.ts StreamRedactor). */
export interface ChunkRedactor {
  push(chunk: string): string;
  end(): string;
}

export interface JobOutputLimits {
  /** Bytes of the start of the log that are kept. */
  headBytes: number;
  /** Bytes of the end of the log that are kept once the head is full. */
  tailBytes: number;
}

export const DEFAULT_OUTPUT_LIMITS: JobOutputLimits = { headBytes: 512 * 1024, tailBytes: 128 * 1024 };

/**
 * A job's log: redacted as it arrives, capped (the head and a rolling tail are kept, the middle is cut
 * and counted), with a short tail for the live card.
 */
export class JobOutput {
  private head = '';
  private headBytes = 0;
  private tail = '';
  private cut = false;
  private total = 0;
  private version = 0;

  constructor(
    private readonly redactor: ChunkRedactor,
    private readonly limits: JobOutputLimits = DEFAULT_OUTPUT_LIMITS,
  ) {}

  /** Every byte the job printed, kept or not. */
  get totalBytes(): number {
    return this.total;
  }

  /** Changes each time text is added (the runner updates the card only when it did). */
  get changes(): number {
    return this.version;
  }

  push(chunk: string): void {
    if (chunk === '') return;
    this.total += Buffer.byteLength(chunk);
    this.append(this.redactor.push(chunk));
  }

  end(): void {
    this.append(this.redactor.end());
  }

  /** The stored log: the head, a marker where the middle was cut, and the tail. */
  text(): string {
    if (!this.cut) return this.head;
    const keptBytes = this.headBytes + Buffer.byteLength(this.tail);
    return `${this.head}\n[… ${this.total - keptBytes} bytes cut …]\n${this.tail}`;
  }

  /** The last lines, at most `maxChars` long: what the live card shows. */
  lastLines(maxLines: number, maxChars: number): string {
    const source = this.cut ? this.tail : this.head;
    let text = source.length > maxChars ? source.slice(source.length - maxChars) : source;
    const lines = text.split('\n');
    if (lines.length > maxLines) text = lines.slice(lines.length - maxLines).join('\n');
    return text;
  }

  private append(text: string): void {
    if (text === '') return;
    this.version++;
    if (!this.cut) {
      const bytes = Buffer.byteLength(text);
      if (this.headBytes + bytes <= this.limits.headBytes) {
        this.head += text;
        this.headBytes += bytes;
        return;
      }
      this.cut = true;
    }
    this.tail += text;
    // Trim by characters, with slack so trimming happens rarely rather than on every chunk.
    if (this.tail.length > this.limits.tailBytes * 2) this.tail = this.tail.slice(-this.limits.tailBytes);
  }
}
