// The dispatch benchmark's workload, shared by both bots so they get the same commands, listeners and
// messages: N commands (as Opsroom `defineCommand` specs and as Hubot `robot.respond` regexes), M hear
// listeners (one regex each, for both), and a deterministic message mix.

import { seededRandom } from '../test/support/seeded-random.js';

const VERBS = `deploy rollback restart scale drain cordon flush purge silence ack page escalate tail grep dig
  curl backup restore snapshot failover promote rotate renew lock unlock`.split(/\s+/);
const TARGETS =
  `api web checkout payments auth search billing notifier scheduler ingest cache queue db dns cdn
  lb k8s vault kafka redis`.split(/\s+/);
export const ENVS = ['dev', 'staging', 'prod'] as const;
/** The people and rooms the commands name: Opsroom checks they exist, so the bench creates them. */
export const USERS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank'];
export const ROOMS = ['ops', 'deploys', 'alerts', 'db-team', 'k8s'];

/**
 * The five argument shapes the commands take, cycling with the command's index. Each is written once
 * for Opsroom (a usage pattern with typed arguments) and once for Hubot (a regex with the same
 * captures, whose handler converts the values the way a Hubot script would).
 */
export type Shape = 'env' | 'duration' | 'count' | 'user' | 'room';
const SHAPES: readonly Shape[] = ['env', 'duration', 'count', 'user', 'room'];

export interface CommandSpec {
  name: string;
  shape: Shape;
}

/** `count` commands named verb-target: deploy-api, rollback-api, … (25 verbs × 20 targets = 500). */
export function commandSpecs(count: number): CommandSpec[] {
  if (count > VERBS.length * TARGETS.length) throw new Error(`at most ${VERBS.length * TARGETS.length}`);
  return Array.from({ length: count }, (_, i) => ({
    // Target-major so a small set still spreads over many verbs.
    name: `${VERBS[i % VERBS.length]!}-${TARGETS[Math.floor(i / VERBS.length) % TARGETS.length]!}`,
    shape: SHAPES[i % SHAPES.length]!,
  }));
}

/** The Hubot side of a command: the regex after the bot's name (Hubot's `respond` adds the name). */
export function hubotRegex(spec: CommandSpec): RegExp {
  const n = spec.name;
  switch (spec.shape) {
    case 'env':
      return new RegExp(`${n} (\\S+)(?: to (dev|staging|prod))?\\s*$`, 'i');
    case 'duration':
      return new RegExp(`${n} (\\S+)(?: for (\\d+)([smhd]))?\\s*$`, 'i');
    case 'count':
      return new RegExp(`${n} (\\d+)(?: (\\S+))?\\s*$`, 'i');
    case 'user':
      return new RegExp(`${n} @?([a-z][\\w.-]*)(?: (.+))?\\s*$`, 'i');
    case 'room':
      return new RegExp(`${n} #?([a-z][\\w-]*)(?: (true|false|yes|no))?\\s*$`, 'i');
  }
}

/** What both bots answer to a command (so the replies have the same size). */
export function replyText(spec: CommandSpec, values: readonly (string | number | boolean)[]): string {
  return `${spec.name}: ${values.join(' ')} ok`;
}

/** A hear listener: a regex any message may match, and the reply built from its match. */
export interface HearSpec {
  id: string;
  regex: RegExp;
  reply: (match: RegExpMatchArray) => string;
}

const TICKET_SUFFIXES = ['', 'OPS', 'BUG', 'REQ'];
const PHRASES: [string, RegExp][] = [
  ['thanks', /\b(?:thanks|thank you|thx|ty),? opsbot\b/i],
  ['is-down', /\bis (\S+) down\b/i],
  ['on-fire', /\b(\S+) is (?:on fire|broken|flapping)\b/i],
  ['postmortem', /\bpostmortem for (INC-\d+)/i],
  ['pr-link', /https:\/\/github\.example\.com\/(\S+)\/pull\/(\d+)/],
  ['sha', /\bcommit ([0-9a-f]{7,40})\b/],
  ['grafana', /https:\/\/grafana\.example\.com\/d\/(\w+)/],
  ['runbook', /\brunbook for (\S+)/i],
  ['oncall', /\bwho(?:'s| is) on ?call\b/i],
  ['coffee', /\bcoffee\b/i],
  ['shipit', /\bship ?it\b/i],
  ['lgtm', /\blgtm\b/i],
  ['rollback-q', /\bshould we roll ?back\b/i],
  ['latency', /\blatency (?:is )?(?:up|high|spiking) on (\S+)/i],
  ['5xx', /\b(5\d\d)s? (?:on|from) (\S+)/i],
  ['cve', /\b(CVE-\d{4}-\d{4,})\b/],
  ['status', /\bstatus page\b/i],
  ['freeze', /\bcode freeze\b/i],
  ['handover', /\bhandover\b/i],
  ['brb', /\bbrb\b/i],
];

/**
 * `count` hear listeners: four in five link a ticket key (`API-123`, one per project, as a Jira
 * script does), one in five a phrase; both kinds scan every message.
 */
export function hearSpecs(count: number): HearSpec[] {
  const tickets = Math.round(count * 0.8);
  const keys = TICKET_SUFFIXES.flatMap((suffix) => TARGETS.map((t) => `${t.toUpperCase()}${suffix}`));
  const out: HearSpec[] = [];
  for (let i = 0; i < tickets; i++) {
    const key = keys[i % keys.length]!;
    out.push({
      id: `ticket-${key}`,
      regex: new RegExp(`\\b${key}-(\\d+)\\b`),
      reply: (m) => `${key}-${m[1]}: https://tickets.example.com/browse/${key}-${m[1]}`,
    });
  }
  for (let i = 0; out.length < count; i++) {
    const [id, regex] = PHRASES[i % PHRASES.length]!;
    out.push({ id: `phrase-${id}-${i}`, regex, reply: (m) => `(${id}) ${m[0]}` });
  }
  return out;
}

/** What kind of message a line is, for the report's mix and for checking both bots answered. */
export type MessageKind = 'command' | 'bad-args' | 'misspelt' | 'chatter';

export interface BenchMessage {
  kind: MessageKind;
  text: string;
}

/** The share of each kind in the mix. */
export const MIX: Record<MessageKind, number> = {
  command: 0.7,
  'bad-args': 0.05,
  misspelt: 0.1,
  chatter: 0.15,
};

const CHATTER = [
  'anyone seeing elevated errors on checkout?',
  'looks fine from here, latency is back to normal',
  'deploying after lunch, ping me if you need anything',
  'the dashboard is slow again',
  'is api down for anyone else?',
  'brb, coffee',
  'lgtm, ship it',
  'who is on call this week',
  'postmortem for INC-4211 is in the doc',
  'see https://github.example.com/acme/api/pull/1234 for the fix',
  'latency up on payments since 14:00',
  'we got 502s from lb-3 again',
  'thanks opsbot',
  'reverted in commit 3f2a9c1e',
  'runbook for redis failover is outdated',
  'code freeze starts friday',
];

function misspell(word: string, random: () => number): string {
  const i = 1 + Math.floor(random() * (word.length - 2));
  // Swap two neighbours, or drop one letter: the typos "did you mean" is for.
  return random() < 0.5
    ? word.slice(0, i) + word[i + 1]! + word[i]! + word.slice(i + 2)
    : word.slice(0, i) + word.slice(i + 1);
}

/** Typed arguments for a command, as a user types them, and the Opsroom/Hubot-visible values. */
function argsFor(spec: CommandSpec, random: () => number, hears: readonly string[]): string {
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  switch (spec.shape) {
    case 'env':
      return random() < 0.7 ? `v1.${int(40)}.${int(10)} to ${pick(ENVS)}` : `main`;
    case 'duration':
      return random() < 0.8 ? `${pick(TARGETS)}-${int(9)} for ${1 + int(59)}${pick(['m', 'h', 's'])}` : 'all';
    case 'count':
      return random() < 0.7 ? `${int(50)} eu-${1 + int(3)}` : `${int(50)}`;
    case 'user': {
      // Some reasons mention a ticket: a hear listener sees the command too.
      const ticket = hears.length > 0 && random() < 0.3 ? ` for ${pick(hears)}-${int(9000)}` : '';
      return `@${pick(USERS)} ${pick(['handover', 'covering', 'escalation'])}${ticket}`;
    }
    case 'room':
      return random() < 0.5 ? `#${pick(ROOMS)} ${pick(['true', 'false'])}` : `#${pick(ROOMS)}`;
  }
}

/** Arguments of the wrong type (a word where a number or duration goes, …): a usage reply. */
function badArgsFor(spec: CommandSpec, random: () => number): string {
  switch (spec.shape) {
    case 'env':
      return 'main to production';
    case 'duration':
      return `api for ${1 + Math.floor(random() * 9)}fortnights`;
    case 'count':
      return 'lots eu-1';
    case 'user':
      return '@@ nobody';
    case 'room':
      return '#ops maybe';
  }
}

/**
 * `count` messages in the mix above, addressed as `@opsbot …` or `opsbot: …` (the forms both bots
 * understand). Chatter sometimes carries a ticket key or a phrase that a hear listener picks up.
 */
export function messageMix(
  commands: readonly CommandSpec[],
  hears: readonly HearSpec[],
  count: number,
  seed = 1,
): BenchMessage[] {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const keys = hears.flatMap((h) => (h.id.startsWith('ticket-') ? [h.id.slice('ticket-'.length)] : []));
  const address = () => pick(['@opsbot ', 'opsbot: ']);
  const out: BenchMessage[] = [];
  for (let i = 0; i < count; i++) {
    const roll = random();
    const spec = pick(commands);
    if (roll < MIX.command) {
      out.push({ kind: 'command', text: `${address()}${spec.name} ${argsFor(spec, random, keys)}` });
    } else if (roll < MIX.command + MIX['bad-args']) {
      out.push({ kind: 'bad-args', text: `${address()}${spec.name} ${badArgsFor(spec, random)}` });
    } else if (roll < MIX.command + MIX['bad-args'] + MIX.misspelt) {
      out.push({
        kind: 'misspelt',
        text: `${address()}${misspell(spec.name, random)} ${argsFor(spec, random, keys)}`,
      });
    } else {
      const ticket =
        keys.length > 0 && random() < 0.3 ? ` (${pick(keys)}-${Math.floor(random() * 9000)})` : '';
      out.push({ kind: 'chatter', text: `${pick(CHATTER)}${ticket}` });
    }
  }
  return out;
}
