import type { Command } from 'commander';
import type { Card } from '../../domains/chat/schema.js';
import { CliExit } from '../cli-exit.js';
import type { CliContext } from '../context.js';
import { clean } from '../format.js';

/** A card as terminal text: title, fields, code and buttons, in that order. */
export function cardAsText(card: Card): string {
  const lines = [`== ${card.title} ==`];
  if (card.text) lines.push(card.text);
  for (const field of card.fields ?? []) lines.push(`${field.title}: ${field.value}`);
  if (card.code) lines.push(card.code.content);
  if (card.buttons?.length) lines.push(`[${card.buttons.map((b) => b.label).join('] [')}]`);
  if (card.footer) lines.push(card.footer);
  return lines.join('\n');
}

export function registerRunCommand(program: Command, ctx: CliContext): void {
  program
    .command('run')
    .description(
      "run a bot command and print the bot's reply (exit 0 ok, 1 failed, 2 usage, 3 denied); " +
        'with --as USER (admin token, or --offline) it runs as USER',
    )
    .argument('<line...>', 'the command line, e.g. "echo hello" (quote it to keep quotes for the bot)')
    .option('-r, --room <room>', 'the room it runs in (for commands limited to some rooms)')
    .addHelpText(
      'after',
      '\nExamples:\n  opsroom run help\n  opsroom run --room ops "echo deploy done"\n' +
        '  opsroom --as alice run --room ops "deploy api to staging"   (admin token; audited as alice via you)',
    )
    .action(async (words: string[], opts: { room?: string }) => {
      const { offline, as } = ctx.options;
      // Offline, --as already chose who the client acts as; over the API the server checks and records it.
      const runAs = offline ? undefined : as;
      const result = await ctx.withClient((client) => client.runCommand(words.join(' '), opts.room, runAs), {
        asOverApi: true,
      });
      if (ctx.json) ctx.out.json(result);
      else {
        // The reply can quote what was typed; control characters never reach the terminal.
        ctx.out.line(clean(result.text));
        if (result.card) ctx.out.line(clean(cardAsText(result.card)));
      }
      if (result.exitCode !== 0) throw new CliExit(result.exitCode);
    });
}
