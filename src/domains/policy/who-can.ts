/**
 * `who can <command line>`: parse the line as the bot would, work out the permission the run needs,
 * and ask the policy's `explain` (the evaluation `allows` is built on) for every role and every
 * enabled user. Nothing here decides access on its own.
 */
import type { Actor } from '../../core/actor.js';
import type { Command, Risk } from '../bot/command.js';
import { renderParseFailure } from '../bot/help.js';
import { type CommandLookup, parseCommandLine } from '../bot/parser.js';
import type { ExplainablePolicy, PermissionRequest, PolicyReason } from './policy.js';

export interface WhoCanUser {
  username: string;
  roles: readonly string[];
  disabled: boolean;
}

export interface WhoCanInput {
  /** The line after `who can`, as typed. */
  line: string;
  /** Who asks: "did you mean" suggests only commands they may see, as the bot does. */
  asker: Actor;
  /** The room asked in (name, no '#'); undefined for CLI and API runs without a room. */
  room: string | undefined;
  nowMs: number;
}

export interface WhoCanAnswer {
  /** False when the line does not parse: the text is then the bot's usage reply. */
  ok: boolean;
  text: string;
}

/** Users listed by name before the list is cut short. */
const MAX_USERS = 25;

export function whoCan(
  input: WhoCanInput,
  deps: { registry: CommandLookup; policy: ExplainablePolicy; users: readonly WhoCanUser[] },
): WhoCanAnswer {
  const { policy } = deps;
  // `who can !deploy api` means the same as `who can deploy api`.
  const line = input.line.trim().replace(/^[!/]/, '');
  const parsed = parseCommandLine(line, deps.registry, {
    nowMs: input.nowMs,
    visible: (command) =>
      policy.mayUse(input.asker, { command: command.name, permission: command.permission }),
  });
  if (parsed.kind !== 'ok') return { ok: false, text: renderParseFailure(parsed) };

  const { command, args } = parsed;
  const permission = command.permissionFor(args as never);
  const shown = `\`${line.replaceAll('`', "'")}\``;
  const here = input.room === undefined ? 'without a room (CLI or API)' : `in #${input.room}`;
  const head = `${shown} needs \`${permission}\`.`;
  const outside = roomRefusal(command, input.room);
  if (outside !== undefined) return { ok: true, text: `${head}\n${outside}` };

  const request: PermissionRequest = {
    permission,
    command: command.name,
    args,
    ...(input.room === undefined ? {} : { room: input.room }),
  };
  const roles = policy.roleNames.flatMap((role) => {
    const reason = policy.explain({ roles: [role], username: '' }, request);
    return reason === undefined ? [] : [`${role}${roleNote(role, reason)}`];
  });
  const users = deps.users
    .filter((user) => !user.disabled)
    .flatMap((user) => {
      const reason = policy.explain(user, request);
      return reason === undefined ? [] : [`@${user.username} (${userNote(reason)})`];
    });

  // Admin holds `*`, so the roles line is never empty; users may be.
  const cut = users.length > MAX_USERS ? `, and ${users.length - MAX_USERS} more` : '';
  const lines = [
    `${head} Allowed ${here}:`,
    `• roles: ${roles.join(', ')}`,
    `• users: ${users.length > 0 ? users.slice(0, MAX_USERS).join(', ') + cut : 'none'}`,
  ];
  const risk = riskNote(command.riskFor(args as never));
  if (risk !== undefined) lines.push(risk);
  return { ok: true, text: lines.join('\n') };
}

/** The same rule as the bot's rooms check: a command limited to rooms runs only in one of them. */
function roomRefusal(command: Command, room: string | undefined): string | undefined {
  if (command.rooms === undefined || (room !== undefined && command.rooms.includes(room))) return undefined;
  const rooms = command.rooms.map((r) => `#${r}`).join(', ');
  return `Nobody can run it ${room === undefined ? 'without a room' : `in #${room}`}: \`${command.name}\` only runs in ${rooms}.`;
}

function roleNote(role: string, reason: PolicyReason): string {
  if (reason.kind === 'grant') return ` (via grant: ${reason.description})`;
  return reason.from === role ? '' : ` (via ${reason.from})`;
}

function userNote(reason: PolicyReason): string {
  if (reason.kind === 'grant') return `via grant: ${reason.description}`;
  return reason.from === reason.role ? reason.role : `${reason.role}, via ${reason.from}`;
}

function riskNote(risk: Risk): string | undefined {
  if (risk === 'confirm') return 'Whoever runs it confirms it with a one-time code first.';
  if (risk === 'approval') return 'A run also needs approval from a second person who may run it.';
  return undefined;
}
