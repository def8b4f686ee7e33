import type { Actor } from '../../core/actor.js';
import type { Clock } from '../../core/clock.js';
import { type Command, defineCommand } from './command.js';
import { renderHelp } from './help.js';
import type { CommandRegistry } from './registry.js';

export interface BuiltInDeps {
  registry: CommandRegistry;
  /** The same check that enforces permissions, so help lists only what the asker may run. */
  canRun: (actor: Actor, command: Command) => boolean;
  clock: Clock;
  version: string;
  startedAtMs: number;
}

/** help, whoami, ping, echo, version: the commands every Opsroom bot answers. */
export function builtInCommands(deps: BuiltInDeps): Command[] {
  const group = 'Built-in';
  return [
    defineCommand({
      name: 'help',
      group,
      summary: 'List the commands you can run, or explain one',
      usage: ['help [{{topic}}]'],
      args: { topic: { type: 'string', rest: true, description: 'A command name' } },
      permission: 'bot:use',
      instant: true,
      examples: ['help', 'help deploy'],
      run: ({ args, actor }) =>
        renderHelp(deps.registry, args.topic, (command) => deps.canRun(actor, command)),
    }),
    defineCommand({
      name: 'whoami',
      group,
      summary: 'Who Opsroom thinks you are, and your roles',
      permission: 'bot:use',
      instant: true,
      run: ({ actor }) =>
        `You are @${actor.username} (roles: ${actor.roles.join(', ')}; via ${actor.channel}${
          actor.scopes ? `; token scopes: ${actor.scopes.join(', ')}` : ''
        }).`,
    }),
    defineCommand({
      name: 'ping',
      group,
      summary: 'Check that the bot answers',
      permission: 'bot:use',
      instant: true,
      run: () => {
        const uptimeS = Math.round((deps.clock.nowMs() - deps.startedAtMs) / 1000);
        return `pong (up ${uptimeS}s)`;
      },
    }),
    defineCommand({
      name: 'echo',
      group,
      summary: 'Repeat the text back',
      usage: ['echo {{text}}'],
      args: { text: { type: 'string', rest: true, required: true } },
      permission: 'bot:use',
      instant: true,
      examples: ['echo hello world'],
      run: ({ args }) => args.text,
    }),
    defineCommand({
      name: 'version',
      group,
      summary: 'The running Opsroom version',
      permission: 'bot:use',
      instant: true,
      run: () => `Opsroom ${deps.version}`,
    }),
  ];
}
