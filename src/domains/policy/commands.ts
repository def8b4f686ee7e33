import type { Clock } from '../../core/clock.js';
import { type Command, defineCommand } from '../bot/command.js';
import type { CommandRegistry } from '../bot/registry.js';
import type { ExplainablePolicy } from './policy.js';
import { type WhoCanUser, whoCan } from './who-can.js';

export interface PolicyCommandDeps {
  /** The bot's registry: `who can` parses lines against the same commands the bot runs. */
  registry: CommandRegistry;
  /** The policy the dispatcher enforces (`createPolicy(config.policy)`). */
  policy: ExplainablePolicy;
  clock: Clock;
  /** The people to consider (leave out service accounts such as the bot); disabled ones are skipped. */
  listUsers: () => Promise<readonly WhoCanUser[]>;
  /** A room's name (no '#') from its id; undefined when unknown. Runs without a room pass ''. */
  roomNameOf: (roomId: string) => Promise<string | undefined>;
}

/**
 * The policy's bot commands: `who can <command line>`, answered from the same evaluator that enforces
 * the policy, for the room it is asked in.
 *
 * @example
 * ```ts
 * for (const command of policyCommands({ registry, policy, clock, listUsers, roomNameOf })) {
 *   registry.register(command);
 * }
 * // in #ops: "who can deploy api to prod" →
 * // `deploy api to prod` needs `deploy:prod`. Allowed in #ops:
 * // • roles: admin, operator
 * // • users: @alice (admin), @bob (operator)
 * ```
 */
export function policyCommands(deps: PolicyCommandDeps): Command[] {
  return [
    defineCommand({
      name: 'who',
      group: 'Built-in',
      summary: 'Who may run a command line here, and why',
      description:
        'Parses the line as the bot would and lists the roles and users the policy allows to run it in this room, with the grant that allows each when it is not a plain role permission.',
      usage: ['who can {{line}}'],
      args: { line: { type: 'string', rest: true, required: true, description: 'A command line' } },
      permission: 'bot:use',
      instant: true,
      examples: ['who can deploy api to prod', 'who can help'],
      async run({ args, actor, roomId }) {
        const room = roomId === '' ? undefined : await deps.roomNameOf(roomId);
        const answer = whoCan(
          { line: args.line, asker: actor, room, nowMs: deps.clock.nowMs() },
          { registry: deps.registry, policy: deps.policy, users: await deps.listUsers() },
        );
        return answer.ok ? answer.text : { text: answer.text, ok: false };
      },
    }),
  ];
}
