// Where Opsroom's dispatch time goes: each part of the in-memory path timed on its own (process CPU
// time) over the same messages, through the same public functions the dispatcher calls (so a change to one of them shows
// here). Run once per benchmark, beside the comparison; it explains the figures, it is not a budget.
import type { Actor } from '../src/core/actor.js';
import { commandAuditEntry } from '../src/domains/bot/audit-trail.js';
import type { Command } from '../src/domains/bot/command.js';
import { entityStage, knownEntities } from '../src/domains/bot/entity-args.js';
import { type ParsedCommand, parseCommandLine } from '../src/domains/bot/parser.js';
import { isPending } from '../src/domains/bot/pipeline.js';
import { createPolicy } from '../src/domains/policy/configured-policy.js';
import type { TestApp } from '../test/support/app.js';
import type { BenchMessage } from './dispatch-workload.js';

export interface BreakdownContext {
  t: TestApp;
  actor: Actor;
  room: { id: string; name: string };
  addressed: (text: string, direct: boolean) => string | undefined;
}

export interface Part {
  part: string;
  /** How many of the messages reach this part. */
  calls: number;
  /** Microseconds per call. */
  perCallUs: number;
  /** Microseconds per message of the whole mix (perCall × calls / messages). */
  perMessageUs: number;
}

/** The slow parts (suggestions, audit writes) are timed on this many calls and scaled to the mix. */
const SAMPLES = 1_000;

/**
 * Milliseconds of process CPU time (user + system) since `from`: what a part costs, not how long it
 * waited (for a batch to be written, or for a core on a shared machine).
 */
function cpuMs(from: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(from);
  return (used.user + used.system) / 1000;
}

function time(repeat: number, fn: () => void): number {
  const started = process.cpuUsage();
  for (let r = 0; r < repeat; r++) fn();
  return cpuMs(started) / repeat;
}

export async function breakdown(
  context: BreakdownContext,
  messages: readonly BenchMessage[],
): Promise<Part[]> {
  const { app } = context.t;
  const { actor, room } = context;
  const registry = app.bot.registry;
  const canSee = (command: Command) => app.bot.dispatcher.canSee(actor, command);
  const policy = createPolicy(app.config.policy);
  const nowMs = app.clock.nowMs();
  const texts = messages.map((m) => m.text);
  const lines = texts.flatMap((text) => {
    const line = context.addressed(text, false);
    return line === undefined ? [] : [line];
  });
  const parsed: { line: string; p: ParsedCommand }[] = [];
  const unknown: string[] = [];
  for (const line of lines) {
    const outcome = parseCommandLine(line, registry, { nowMs, visible: canSee });
    if (outcome.kind === 'ok') parsed.push({ line, p: outcome });
    else if (outcome.kind === 'unknown_command') unknown.push(line);
  }
  const parts: Part[] = [];
  const add = (part: string, calls: number, totalMs: number) =>
    parts.push({
      part,
      calls,
      perCallUs: (totalMs * 1000) / Math.max(calls, 1),
      perMessageUs: (totalMs * 1000) / messages.length,
    });

  const listeners = app.extensions.listeners.hear;
  add(
    'hear listeners: `hear.match` on every message',
    texts.length,
    time(3, () => {
      for (const text of texts) listeners.match(text);
    }),
  );
  add(
    'addressing',
    texts.length,
    time(3, () => {
      for (const text of texts) context.addressed(text, false);
    }),
  );
  add(
    'parse (tokenize, first-word lookup, pattern, typed args; "did you mean" for unknown words)',
    lines.length,
    time(3, () => {
      for (const line of lines) parseCommandLine(line, registry, { nowMs, visible: canSee });
    }),
  );
  add(
    'policy: `allows` for each parsed command',
    parsed.length,
    time(3, () => {
      for (const { p } of parsed) {
        policy.allows(actor, {
          permission: p.command.permissionFor(p.args as never),
          command: p.command.name,
          args: p.args,
          room: room.name,
        });
      }
    }),
  );
  // The dispatcher decides how to hint (a corrected line for a typo, free-text suggestions otherwise),
  // so unknown commands are timed through the whole `execute`.
  const hints = unknown.slice(0, SAMPLES);
  const where = { roomId: room.id, roomName: room.name };
  let started = process.cpuUsage();
  for (const line of hints) await app.bot.dispatcher.execute(actor, line, where);
  add(
    `unknown command: the whole \`execute\` (parse, "did you mean", suggestions; ${hints.length} timed, scaled)`,
    unknown.length,
    (cpuMs(started) * unknown.length) / Math.max(hints.length, 1),
  );
  // The @user/#room existence check as the bot runs it: its stage, over the same lookups (SQLite
  // through Kysely) behind the same cache of names seen to exist (startBot wires knownEntities).
  const identity = app.identity;
  const stage = entityStage(
    knownEntities({
      userExists: async (username: string) => (await identity.store.userByUsername(username)) !== undefined,
      roomExists: async (name: string) => (await app.chat.rooms.describe(name)) !== undefined,
    }),
  );
  const passed = { outcome: 'ok' as const, text: '' };
  const runs = parsed.map(({ line, p }) => ({ actor, line, where, parsed: p }));
  started = process.cpuUsage();
  for (const run of runs) {
    const answer = stage(run, () => passed);
    if (isPending(answer)) await answer;
  }
  add(
    '@user / #room existence check (its stage; names seen to exist are cached)',
    parsed.length,
    cpuMs(started),
  );

  // As the dispatcher hands them over: queued with `enqueue`, written by the audit service's own
  // batching; timed until the queue has drained.
  const enqueueAll = async (list: typeof parsed) => {
    for (const { line, p } of list) {
      const run = { actor, line, where: { roomId: room.id, roomName: room.name }, parsed: p };
      app.audit.enqueue(commandAuditEntry(run, { outcome: 'ok', command: p.command.name, text: '' }));
    }
    await app.audit.drain();
  };
  // The warm-up messages ran with audit records too, but this path gets its own warm-up batch.
  await enqueueAll(parsed.slice(SAMPLES, 2 * SAMPLES));
  const samples = parsed.slice(0, SAMPLES);
  started = process.cpuUsage();
  await enqueueAll(samples);
  const auditMs = (cpuMs(started) * parsed.length) / Math.max(samples.length, 1);
  add(
    `audit record per command (built, \`enqueue\`d and drained; ${samples.length} timed, scaled)`,
    parsed.length,
    auditMs,
  );
  return parts;
}
