import { InvalidArgumentError } from 'commander';
import type { MessageView, RoomEventFrame, SearchHitView } from './client.js';

// Text from other people goes to a terminal: escape sequences in it could rewrite the screen, so every
// control character except newline and tab is dropped before printing.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const TERMINAL_CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

export function clean(text: string): string {
  return text.replace(TERMINAL_CONTROLS, '');
}

const two = (n: number) => String(n).padStart(2, '0');

/** HH:MM:SS in local time (what a person watching `tail` expects). */
export function clockTime(iso: string): string {
  const d = new Date(iso);
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** YYYY-MM-DD HH:MM in local time. */
export function dateTime(iso: string): string {
  const d = new Date(iso);
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`;
}

function body(message: Pick<MessageView, 'text' | 'card'>): string {
  const text = message.text.trim() !== '' ? message.text : message.card ? `[card] ${message.card.title}` : '';
  // Continuation lines are indented so each message still starts at the left edge.
  return clean(text).replace(/\n/g, '\n    ');
}

/** `HH:MM:SS #room @user: text`, or undefined for events a reader does not need to see. */
export function eventLine(frame: RoomEventFrame, roomName: string): string | undefined {
  const at = clockTime(frame.at);
  const data = (frame.data ?? {}) as Record<string, unknown>;
  const who = typeof data.username === 'string' ? `@${data.username}` : '@?';
  switch (frame.event) {
    case 'message.created': {
      const message = frame.data as MessageView;
      const thread = message.threadId === null ? '' : ' (thread)';
      return `${at} #${roomName} @${message.username ?? '?'}${thread}: ${body(message)}`;
    }
    case 'message.updated': {
      const message = frame.data as MessageView;
      return `${at} #${roomName} @${message.username ?? '?'} (edited): ${body(message)}`;
    }
    case 'message.deleted':
      return `${at} #${roomName} * message ${String(data.id)} deleted by @${String(data.by)}`;
    case 'member.joined':
      return `${at} #${roomName} * ${who} joined`;
    case 'member.left':
      return `${at} #${roomName} * ${who} left`;
    case 'room.updated':
      return `${at} #${roomName} * topic: ${clean(String(data.topic ?? ''))}`;
    default:
      return undefined;
  }
}

export function messageLine(message: MessageView, roomName: string): string {
  return eventLine(
    {
      type: 'event',
      event: 'message.created',
      roomId: message.roomId,
      seq: 0,
      at: message.createdAt,
      data: message,
    },
    roomName,
  )!;
}

/**
 * `<time> #room @user: snippet`. The snippet marks matches as `**bold**`: on a terminal they become
 * bold; in a pipe the marks are dropped, so the text reads (and greps) as it was written.
 */
export function hitLine(hit: SearchHitView, terminal = false): string {
  const snippet = clean(hit.snippet)
    .replace(/\s*\n\s*/g, ' ')
    .replace(/\*\*(.+?)\*\*/g, terminal ? '\x1b[1m$1\x1b[22m' : '$1');
  return `${dateTime(hit.createdAt)} #${hit.roomName} @${hit.username ?? '?'}: ${snippet}`;
}

/** Edit distance where swapping two neighbours counts as one edit (the usual typo). */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** The closest candidate within a small edit distance, for "did you mean …". */
export function closest(value: string, candidates: readonly string[]): string | undefined {
  let best: { candidate: string; d: number } | undefined;
  for (const candidate of candidates) {
    const d = distance(value.toLowerCase(), candidate);
    if (d <= Math.max(1, Math.floor(candidate.length / 3)) && (!best || d < best.d)) best = { candidate, d };
  }
  return best?.candidate;
}

/** A commander argument parser that accepts one of `choices` and suggests the nearest on a typo. */
export function oneOf<T extends string>(what: string, choices: readonly T[]) {
  return (value: string): T => {
    const lower = value.toLowerCase();
    if ((choices as readonly string[]).includes(lower)) return lower as T;
    const near = closest(lower, choices);
    const hint = near === undefined ? '' : ` (did you mean ${near}?)`;
    throw new InvalidArgumentError(`unknown ${what} '${value}'${hint}; choose from ${choices.join(', ')}.`);
  };
}

/** Parses a whole number within bounds, for options such as --limit. */
export function wholeNumber(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) {
      throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}.`);
    }
    return n;
  };
}
