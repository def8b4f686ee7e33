import type { Card } from '../chat/schema.js';
import type { JobStatus } from './table.js';

/** What a handler may return: see CommandResult in domains/bot/command.ts. */
export type JobResult = undefined | string | { text?: string; card?: Card; ok?: boolean; exitCode?: number };

/** Why a running job was stopped: the abort reason its signal carries. */
export type StopReason = { kind: 'cancel'; by: string } | { kind: 'timeout' } | { kind: 'shutdown' };

/** How much output the live card shows. */
export const CARD_TAIL_LINES = 40;
export const CARD_TAIL_CHARS = 3500;

export function resultOf(result: JobResult): { ok: boolean; text?: string; exitCode?: number; card?: Card } {
  if (result === undefined) return { ok: true };
  if (typeof result === 'string') return { ok: true, text: result };
  return {
    ok: result.ok !== false,
    ...(result.text === undefined ? {} : { text: result.text }),
    ...(result.exitCode === undefined ? {} : { exitCode: result.exitCode }),
    ...(result.card === undefined ? {} : { card: result.card }),
  };
}

export function stopOutcome(reason: StopReason, timeoutMs: number): [JobStatus, { summary: string }] {
  switch (reason.kind) {
    case 'cancel':
      return ['cancelled', { summary: `Cancelled by @${reason.by}.` }];
    case 'timeout':
      return ['timed_out', { summary: `Timed out after ${timeoutMs / 1000}s.` }];
    case 'shutdown':
      return ['interrupted', { summary: 'The server shut down while this job was running.' }];
  }
}

export function describeStatus(status: JobStatus): string {
  return status === 'timed_out' ? 'timed out' : status;
}

export function lastLinesOf(text: string): string {
  const tail = text.length > CARD_TAIL_CHARS ? text.slice(-CARD_TAIL_CHARS) : text;
  return tail.split('\n').slice(-CARD_TAIL_LINES).join('\n');
}
