import { z } from 'zod';
import { cardSchema } from '../chat/schema.js';
import type { IdentityService } from '../identity/service.js';
import { actorOf, type RouteApp } from '../route-context.js';
import { type ArgSpec, describeValue } from './arg-types.js';
import { toRunResult } from './dispatcher.js';
import { usageLines } from './help.js';
import type { Bot } from './index.js';
import { runAsActor } from './run-as.js';

const runBody = z.strictObject({
  // Far above what the parser accepts, on purpose: an overlong line gets the bot's usage reply (as in
  // chat), not a bare 400; the server's body limit still bounds the request.
  line: z.string().min(1).max(1_000_000),
  room: z.string().min(1).max(100).optional(),
  /** Admins only: run as this user (their roles and rooms); the audit record names the admin too. */
  as: z.string().min(1).max(64).optional(),
});

const replySchema = z.object({
  outcome: z.enum(['ok', 'usage', 'denied', 'failed', 'pending']),
  exitCode: z.number().int(),
  command: z.string().nullable(),
  text: z.string(),
  card: cardSchema.nullable(),
  /** The job the command ran as (its end is awaited: `text` holds its log and status). */
  jobId: z.number().int().nullable(),
});

export function registerBotRoutes(
  app: RouteApp,
  bot: Bot,
  describeRoom: (actor: ReturnType<typeof actorOf>, ref: string) => Promise<{ id: string; name: string }>,
  identity: Pick<IdentityService, 'requireUser' | 'actorFor'>,
): void {
  const tags = ['bot'];
  app.post(
    '/api/bot/run',
    {
      schema: {
        tags,
        summary:
          'Run a bot command line and get the reply (what `opsroom run` uses); admins may pass `as` to run as another user',
        body: runBody,
        response: { 200: replySchema },
      },
    },
    async (req) => {
      const caller = actorOf(req);
      let actor = caller;
      if (req.body.as !== undefined) actor = await runAsActor(caller, req.body.as, identity);
      // The room is looked up as the user the command runs as: their rooms, not the admin's.
      const room = req.body.room === undefined ? undefined : await describeRoom(actor, req.body.room);
      const reply = await bot.dispatcher.execute(
        actor,
        req.body.line,
        room ? { roomId: room.id, roomName: room.name } : {},
      );
      return toRunResult(reply);
    },
  );

  app.get(
    '/api/bot/commands',
    {
      schema: {
        tags,
        summary: 'Commands you may run, with usage and examples (for autocomplete)',
        response: {
          200: z.object({
            commands: z.array(
              z.object({
                name: z.string(),
                aliases: z.array(z.string()),
                summary: z.string(),
                usage: z.array(z.string()),
                examples: z.array(z.string()),
                /** The arguments, for hints while typing: type, whether required, default, enum values. */
                args: z.array(
                  z.object({
                    name: z.string(),
                    type: z.string(),
                    required: z.boolean(),
                    description: z.string().optional(),
                    values: z.array(z.string()).optional(),
                    default: z.string().optional(),
                  }),
                ),
                /** `none`, `confirm` or `approval`; `riskVaries`: it depends on the arguments (e.g. the environment). */
                risk: z.enum(['none', 'confirm', 'approval']),
                riskVaries: z.boolean(),
              }),
            ),
          }),
        },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      const commands = bot.registry.visibleTo((c) => bot.dispatcher.canSee(actor, c));
      return {
        commands: commands.map((c) => ({
          name: c.name,
          aliases: [...c.aliases],
          summary: c.summary,
          usage: usageLines(c),
          examples: [...c.examples],
          args: Object.entries(c.args as Record<string, ArgSpec>).map(([name, spec]) => ({
            name,
            type: spec.type,
            required: spec.required === true,
            ...(spec.description === undefined ? {} : { description: spec.description }),
            ...(spec.type === 'enum' ? { values: [...spec.values] } : {}),
            ...(spec.default === undefined ? {} : { default: describeValue(spec, spec.default) }),
          })),
          risk: c.risk,
          riskVaries: c.riskVaries,
        })),
      };
    },
  );
}
