import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { clean } from '../format.js';
import { table } from '../io.js';

export function registerRoomCommands(program: Command, ctx: CliContext): void {
  const room = program.command('room').description('manage rooms');

  room
    .command('create')
    .description('create a room; you become its owner')
    .argument('<name>', 'room name (a leading # is fine)')
    .option('-p, --private', 'only members can see it')
    .option('-t, --topic <topic>', 'what the room is for')
    .action(async (name: string, opts: { private?: boolean; topic?: string }) => {
      const created = await ctx.withClient((client) =>
        client.createRoom({
          name,
          kind: opts.private ? 'private' : 'public',
          ...(opts.topic === undefined ? {} : { topic: opts.topic }),
        }),
      );
      if (ctx.json) return ctx.out.json(created);
      ctx.out.line(`Created ${created.kind} room #${created.name} (${created.id})`);
    });

  room
    .command('list')
    .description('list the rooms you can see')
    .action(async () => {
      const rooms = await ctx.withClient((client) => client.listRooms());
      if (ctx.json) return ctx.out.json(rooms);
      ctx.out.line(
        table(
          ['NAME', 'KIND', 'MEMBERS', 'JOINED', 'TOPIC'],
          rooms.map((r) => [
            `#${r.name}`,
            r.kind,
            String(r.memberCount),
            r.isMember ? 'yes' : 'no',
            clean(r.topic).replace(/\s+/g, ' '),
          ]),
        ),
      );
    });
}
