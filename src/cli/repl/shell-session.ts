/**
 * `opsroom shell`: a read-eval-print loop that talks to the bot. Each line goes through the same
 * client call as `opsroom run` (so the same parser, policy, audit and reply), and the reply is printed
 * in the colour of its outcome. Lines starting with '.' are the shell's own: `.room`, `.help`, `.exit`.
 */
import { createInterface, type Interface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { isCodedError } from '../../core/errors.js';
import type { BotRunResult, OpsroomClient } from '../client.js';
import { cardAsText } from '../commands/run.js';
import { clean } from '../format.js';
import { colourOf, paint } from './colour.js';
import { type CompletionWords, completeLine } from './completer.js';
import { HISTORY_LIMIT, ShellHistory } from './history.js';

export interface ShellOptions {
  client: OpsroomClient;
  input: Readable;
  output: Writable;
  /** Over the API: run every line as this user (admins only; the server checks). */
  as?: string;
  /** The room commands run in, until `.room` changes it. */
  room?: string;
  /** ANSI colours for replies (a terminal without NO_COLOR). */
  colour: boolean;
  /** A person at a terminal: prompts, line editing, completion and history recall. */
  interactive: boolean;
  /** Where history is kept; undefined keeps none. */
  historyFile?: string;
  /** Ends the shell as Ctrl-D does (tests; the CLI's own stop signal). */
  signal?: AbortSignal;
  /** Status lines for a person, on stderr. */
  notice: (text: string) => void;
}

/** `opsroom(alice)> `, or `opsroom(alice #ops)> ` once a room is chosen. */
export function promptFor(username: string, room: string | undefined): string {
  return `opsroom(${username}${room === undefined ? '' : ` #${room}`})> `;
}

const SHELL_HELP = [
  'Type a bot command (try `help`); Tab completes command names.',
  '  .room <name>   run the next commands in this room (`.room -` for none)',
  '  .room          show the current room',
  '  .help          this text',
  '  .exit          leave (or Ctrl-D)',
  'A line that starts with a space is not kept in the history.',
].join('\n');

/** Runs the shell until `.exit`, end of input or the signal; resolves with the exit code (0). */
export async function runShell(options: ShellOptions): Promise<number> {
  return new ShellSession(options).run();
}

class ShellSession {
  private room: string | undefined;
  private username = '?';
  private readonly words: { commands: string[]; rooms: string[] } = { commands: [], rooms: [] };
  private readonly history: ShellHistory;
  private rl: Interface | undefined;

  constructor(private readonly options: ShellOptions) {
    this.room = options.room?.replace(/^#/, '');
    this.history = new ShellHistory(options.historyFile, options.notice);
  }

  async run(): Promise<number> {
    const { client } = this.options;
    this.username = this.options.as?.replace(/^@/, '') ?? (await client.me()).username;
    await this.loadWords();
    const rl = createInterface({
      input: this.options.input,
      output: this.options.output,
      terminal: this.options.interactive,
      crlfDelay: Number.POSITIVE_INFINITY,
      // readline wants the newest first.
      history: [...this.history.entries].reverse(),
      historySize: HISTORY_LIMIT,
      removeHistoryDuplicates: true,
      completer: (line: string) => completeLine(line, this.completionWords()),
    });
    this.rl = rl;
    rl.setPrompt(promptFor(this.username, this.room));
    rl.on('SIGINT', () => {
      // Ctrl-C drops the line being typed, as in bash; Ctrl-D or .exit leaves.
      rl.write(null, { ctrl: true, name: 'u' });
      this.print('(To leave, press Ctrl-D or type .exit)');
      rl.prompt();
    });
    const stop = () => rl.close();
    this.options.signal?.addEventListener('abort', stop, { once: true });
    if (this.options.interactive) {
      this.print(`Connected to ${client.describe} as @${this.username}. Type .help for help.`);
      rl.prompt();
    }
    try {
      for await (const typed of rl) {
        if (this.options.signal?.aborted) break;
        this.history.add(typed);
        if (!(await this.handle(typed.trim()))) break;
        if (this.options.interactive) rl.prompt();
      }
    } finally {
      this.options.signal?.removeEventListener('abort', stop);
      rl.close();
    }
    if (this.options.interactive) this.print('');
    return 0;
  }

  /** One line; false when the shell should end. */
  private async handle(line: string): Promise<boolean> {
    if (line === '') return true;
    if (line.startsWith('.')) return this.dotCommand(line);
    // `!ping` and `/ping` are how chat addresses the bot; here every line is for the bot.
    const commandLine = line.replace(/^[!/](?=\S)/, '');
    let result: BotRunResult;
    try {
      result = await this.options.client.runCommand(commandLine, this.room, this.options.as);
    } catch (error) {
      this.printError(error);
      return true;
    }
    this.print(paint(clean(result.text), colourOf(result.outcome), this.options.colour));
    if (result.card) this.print(clean(cardAsText(result.card)));
    return true;
  }

  private async dotCommand(line: string): Promise<boolean> {
    const [word = '', ...rest] = line.split(/\s+/);
    const argument = rest.join(' ');
    switch (word.toLowerCase()) {
      case '.exit':
      case '.quit':
        return false;
      case '.help':
        this.print(SHELL_HELP);
        return true;
      case '.room':
        await this.switchRoom(argument);
        return true;
      default:
        this.print(
          paint(`Unknown shell command ${word}: try .room, .help or .exit.`, 'yellow', this.options.colour),
        );
        return true;
    }
  }

  private async switchRoom(argument: string): Promise<void> {
    if (argument === '') {
      this.print(this.room === undefined ? 'No room: commands run outside any room.' : `Room: #${this.room}`);
      return;
    }
    if (argument === '-') {
      this.room = undefined;
    } else {
      try {
        // Checked now, so a typo shows at once rather than on the next command.
        this.room = (await this.options.client.getRoom(argument.replace(/^#/, ''))).name;
      } catch (error) {
        this.printError(error);
        return;
      }
    }
    this.rl?.setPrompt(promptFor(this.username, this.room));
    this.print(
      this.room === undefined ? 'Commands now run outside any room.' : `Commands now run in #${this.room}.`,
    );
  }

  /** Completion words, best effort: a shell without them still works. */
  private async loadWords(): Promise<void> {
    const { client } = this.options;
    try {
      this.words.commands = (await client.botCommands()).flatMap((c) => [c.name, ...c.aliases]);
    } catch (error) {
      this.options.notice(`no command completion: ${describe(error)}`);
    }
    try {
      this.words.rooms = (await client.listRooms()).map((r) => r.name);
    } catch {
      // Room names only help `.room <Tab>`; not worth a warning.
    }
  }

  private completionWords(): CompletionWords {
    return this.words;
  }

  private printError(error: unknown): void {
    this.print(paint(`error: ${describe(error)}`, 'red', this.options.colour));
  }

  private print(text: string): void {
    this.options.output.write(`${text}\n`);
  }
}

function describe(error: unknown): string {
  if (isCodedError(error)) return `${error.message} [${error.code}]`;
  return error instanceof Error ? error.message : String(error);
}
