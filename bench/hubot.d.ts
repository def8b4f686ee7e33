// The part of Hubot 14's API the dispatch benchmark uses (the package ships no type declarations).
declare module 'hubot' {
  export class User {
    constructor(id: string, options?: Record<string, unknown>);
    id: string;
    name?: string;
    room?: string;
  }
  export class Message {
    user: User;
    room: string | undefined;
    done: boolean;
    finish(): void;
  }
  export class TextMessage extends Message {
    constructor(user: User, text: string, id?: string);
    text: string;
  }
  export interface Envelope {
    room?: string;
    user?: User;
    message?: Message;
  }
  export class Response {
    message: TextMessage;
    match: RegExpMatchArray;
    envelope: Envelope;
    send(...strings: string[]): Promise<unknown>;
    reply(...strings: string[]): Promise<unknown>;
  }
  export class Adapter {
    constructor(robot: Robot);
    robot: Robot;
    send(envelope: Envelope, ...strings: string[]): Promise<unknown>;
    reply(envelope: Envelope, ...strings: string[]): Promise<unknown>;
    run(): Promise<unknown>;
    close(): void;
    emit(event: string, ...args: unknown[]): boolean;
  }
  export interface Logger {
    level: string;
  }
  export class Robot {
    constructor(adapter: { use(robot: Robot): Adapter | Promise<Adapter> }, httpd?: boolean, name?: string);
    name: string;
    logger: Logger;
    listeners: unknown[];
    loadAdapter(): Promise<void>;
    run(): Promise<void>;
    shutdown(): void;
    receive(message: Message): Promise<unknown>;
    respond(regex: RegExp, callback: (res: Response) => unknown): void;
    hear(regex: RegExp, callback: (res: Response) => unknown): void;
  }
}
