import type { Command } from 'commander';
import { ValidationError } from '../../core/errors.js';
import type { CliContext } from '../context.js';
import { eventLine, hitLine, wholeNumber } from '../format.js';
import type { CliIo } from '../io.js';

async function readAll(stdin: CliIo['stdin']): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8').replace(/\n$/, '');
}

/** The caller's signal, or one that Ctrl-C (or SIGTERM) aborts: stopping a follow is success. */
function interruptSignal(io: CliIo): { signal: AbortSignal; dispose: () => void } {
  if (io.signal) return { signal: io.signal, dispose: () => {} };
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return {
    signal: controller.signal,
    dispose: () => {
      process.removeListener('SIGINT', stop);
      process.removeListener('SIGTERM', stop);
    },
  };
}

export function registerMessageCommands(program: Command, ctx: CliContext): void {
  program
    .command('say')
    .description('post a message; prints its id and sequence number')
    .requiredOption('-r, --room <room>', 'room name or id')
    .option('--thread <messageId>', 'reply in the thread of this message')
    .argument('<text...>', "the message (several words are joined with spaces; '-' reads stdin)")
    .action(async (words: string[], opts: { room: string; thread?: string }) => {
      const text = words.length === 1 && words[0] === '-' ? await readAll(ctx.io.stdin) : words.join(' ');
      if (text.trim() === '') throw new ValidationError('the message is empty');
      const posted = await ctx.withClient((client) =>
        client.say(opts.room, { text, ...(opts.thread === undefined ? {} : { threadId: opts.thread }) }),
      );
      if (ctx.json) return ctx.out.json(posted);
      ctx.out.line(`${posted.id} seq ${posted.seq}`);
    });

  program
    .command('tail')
    .description('print the room as it happens (HH:MM:SS #room @user: text) until Ctrl-C')
    .requiredOption('-r, --room <room>', 'room name or id')
    .option('-n, --lines <n>', 'start with the last n events of the room', wholeNumber(0, 1000), 10)
    .action(async (opts: { room: string; lines: number }) => {
      const { signal, dispose } = interruptSignal(ctx.io);
      try {
        await ctx.withClient(async (client) => {
          const room = await client.getRoom(opts.room);
          const frames = client.tail(room, {
            after: Math.max(0, room.lastSeq - opts.lines),
            signal,
            onLive: () => ctx.notice(`following #${room.name} on ${client.describe} (Ctrl-C to stop)`),
            onNotice: (text) => ctx.notice(text),
          });
          for await (const frame of frames) {
            if (ctx.json) {
              await ctx.out.lineAsync(JSON.stringify(frame));
              continue;
            }
            const line = eventLine(frame, room.name);
            if (line !== undefined) await ctx.out.lineAsync(line);
          }
        });
      } finally {
        dispose();
      }
    });

  program
    .command('search')
    .description('search messages; one hit a line: <time> #room @user: snippet')
    .argument('<query...>', 'words, "phrases", in:#room, from:@user, before:/after:/on:YYYY-MM-DD')
    .option('-n, --limit <n>', 'at most this many hits', wholeNumber(1, 100), 20)
    .action(async (words: string[], opts: { limit: number }) => {
      const hits = await ctx.withClient((client) => client.search(words.join(' '), opts.limit));
      const terminal = (ctx.io.stdout as { isTTY?: boolean }).isTTY === true;
      for (const hit of hits) ctx.out.line(ctx.json ? JSON.stringify(hit) : hitLine(hit, terminal));
      if (hits.length === 0 && !ctx.json) ctx.notice('no matches');
    });

  program
    .command('export')
    .description(
      'write every message of a room to stdout as JSONL, oldest first (replies and deletions included)',
    )
    .requiredOption('-r, --room <room>', 'room name or id')
    .action(async (opts: { room: string }) => {
      await ctx.withClient(async (client) => {
        for await (const message of client.exportRoom(opts.room)) {
          await ctx.out.lineAsync(JSON.stringify(message));
        }
      });
    });
}
