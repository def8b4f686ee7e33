import { randomBytes } from 'node:crypto';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { type Logger, pino } from 'pino';
import { type App, buildApp } from '../../src/app.js';
import { configSchema, type OpsroomConfigInput } from '../../src/config/schema.js';
import type { Role } from '../../src/core/actor.js';
import { SYSTEM_ACTOR } from '../../src/core/actor.js';
import type { Clock } from '../../src/core/clock.js';
import type { DialectName } from '../../src/storage/database.js';
import { createTestDatabase, type TestDatabase } from './databases.js';

export interface TestUser {
  username: string;
  token: string;
  auth: { authorization: string };
}

export interface TestApp {
  app: App;
  database: TestDatabase;
  admin: TestUser;
  /** Creates a user with a token of the given roles. */
  user(username: string, roles?: Role[]): Promise<TestUser>;
  /** In-process request (Fastify inject); JSON bodies are serialised for you. */
  request(options: InjectOptions & { as?: TestUser }): Promise<LightMyRequestResponse>;
  /** Listens on a random port; returns the base URL. */
  listen(): Promise<string>;
  dispose(): Promise<void>;
}

export async function startTestApp(
  dialect: DialectName,
  options: { clock?: Clock; config?: OpsroomConfigInput; logger?: Logger } = {},
): Promise<TestApp> {
  const database = await createTestDatabase(dialect);
  const config = configSchema.parse({
    ...options.config,
    server: { port: 0, ...options.config?.server },
    // Tests never ask the Alertmanagers their bodies name (http://am.example…) unless they say so.
    alerts: { reconcile: { enabled: false }, ...options.config?.alerts },
  });
  const app = await buildApp(config, {
    database,
    // A key of the test's own (unless the test names a key file): never the developer's environment,
    // never a key file in the work tree.
    ...(options.config?.secrets?.keyFile ? {} : { secretKey: randomBytes(32) }),
    logger: options.logger ?? pino({ level: 'silent' }),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const user = async (username: string, roles: Role[] = ['member']): Promise<TestUser> => {
    await app.identity.createUser(SYSTEM_ACTOR, { username, roles });
    const created = await app.identity.createToken(SYSTEM_ACTOR, {
      username,
      name: 'test',
      scopes: roles.includes('admin') ? ['read', 'write', 'admin'] : ['read', 'write'],
    });
    return { username, token: created.token, auth: { authorization: `Bearer ${created.token}` } };
  };
  const admin = await user('root', ['admin']);
  return {
    app,
    database,
    admin,
    user,
    request: ({ as, ...rest }) =>
      app.http.inject({
        ...rest,
        headers: { ...(as ? as.auth : {}), ...(rest.headers ?? {}) },
      } as InjectOptions),
    listen: () => app.start(),
    dispose: async () => {
      await app.close();
      await database.dispose();
    },
  };
}
