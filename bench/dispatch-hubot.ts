// Hubot 14 as the peer of the dispatch benchmark: a real `Robot` with a minimal in-process adapter whose
// `send` and `reply` deliver into an in-memory room sink, the commands as `robot.respond` listeners
// and the hear listeners as `robot.hear`, as a Hubot script would write them.
import { Adapter, type Envelope, Robot, TextMessage, User } from 'hubot';
import type { RoomSink } from './dispatch-sink.js';
import { type CommandSpec, type HearSpec, hubotRegex, replyText } from './dispatch-workload.js';

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** The adapter: no network, each message sent to a room lands in the sink. */
class SinkAdapter extends Adapter {
  constructor(
    robot: Robot,
    private readonly sink: RoomSink,
  ) {
    super(robot);
  }
  override async send(envelope: Envelope, ...strings: string[]): Promise<void> {
    for (const text of strings) this.sink.post(envelope.room ?? '', text);
  }
  override async reply(envelope: Envelope, ...strings: string[]): Promise<void> {
    const name = envelope.user?.name ?? '';
    for (const text of strings) this.sink.post(envelope.room ?? '', `@${name}: ${text}`);
  }
  override async run(): Promise<void> {
    this.emit('connected');
  }
}

/** The values a handler works with, converted from the regex's captures as a Hubot script does. */
function valuesOf(spec: CommandSpec, m: RegExpMatchArray): (string | number | boolean)[] {
  switch (spec.shape) {
    case 'env':
      return [m[1]!, m[2] ?? 'staging'];
    case 'duration':
      return [m[1]!, m[2] === undefined ? 3_600_000 : Number(m[2]) * UNIT_MS[m[3]!.toLowerCase()]!];
    case 'count':
      return [Number.parseInt(m[1]!, 10), m[2] ?? 'eu-1'];
    case 'user':
      return [m[1]!.toLowerCase(), m[2] ?? ''];
    case 'room':
      return [m[1]!.toLowerCase(), m[2] === 'true' || m[2] === 'yes'];
  }
}

export interface HubotBot {
  listeners: number;
  /** One chat message through `robot.receive`, resolved when every listener it triggered is done. */
  receive(text: string): Promise<void>;
  close(): void;
}

export async function startHubot(
  commands: readonly CommandSpec[],
  hears: readonly HearSpec[],
  sink: RoomSink,
): Promise<HubotBot> {
  const robot = new Robot({ use: (r: Robot) => new SinkAdapter(r, sink) }, false, 'opsbot');
  // Hubot reads its log level from the environment; the benchmark sets it here instead.
  robot.logger.level = 'silent';
  await robot.loadAdapter();
  for (const spec of commands) {
    robot.respond(hubotRegex(spec), (res) => res.send(replyText(spec, valuesOf(spec, res.match))));
  }
  for (const hear of hears) robot.hear(hear.regex, (res) => res.send(hear.reply(res.match)));
  // run() installs Hubot 14's CommandBus middleware (addressed messages are offered to it first), as in
  // a real bot; the HTTP server stays off.
  await robot.run();
  const user = new User('u_alice', { name: 'alice', room: 'ops' });
  let id = 0;
  return {
    listeners: robot.listeners.length,
    async receive(text) {
      await robot.receive(new TextMessage(user, text, String(++id)));
    },
    close: () => robot.shutdown(),
  };
}
