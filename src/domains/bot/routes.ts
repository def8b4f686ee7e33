import { z } from 'zod';
import { cardSchema } from '../chat/schema.js';
import { actorOf, type RouteApp } from '../route-context.js';
import { toRunResult } from './dispatcher.js';
import { usageLines } from './help.js';
import type { Bot } from './index.js';

const runBody = z.strictObject({
  line: z.string().min(1).max(100_000),
  room: z.string().min(1).max(100).optional(),
});

const replySchema = z.object({
  outcome: z.enum(['ok', 'usage', 'denied', 'failed']),
  exitCode: z.number().int(),
  command: z.string().nullable(),
  text: z.string(),
  card: cardSchema.nullable(),
});

export function registerBotRoutes(
  app: RouteApp,
  bot: Bot,
  describeRoom: (actor: ReturnType<typeof actorOf>, ref: string) => Promise<{ id: string; name: string }>,
): void {
  const tags = ['bot'];
  app.post(
    '/api/bot/run',
    {
      schema: {
        tags,
        summary: 'Run a bot command line as yourself and get the reply (what `opsroom run` uses)',
        body: runBody,
        response: { 200: replySchema },
      },
    },
    async (req) => {
      const actor = actorOf(req);
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
        })),
      };
    },
  );
}
