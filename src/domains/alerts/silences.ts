import type { Kysely } from 'kysely';
import type { Actor } from '../../core/actor.js';
import type { Clock } from '../../core/clock.js';
import { NotFoundError, ValidationError } from '../../core/errors.js';
import type { DB } from '../../storage/tables.js';
import { type CompiledMatcher, compileAll, type Matcher, matchesAll } from './matchers.js';
import type { SilenceView } from './schema.js';
import type { AlertSilencesTable } from './table.js';

interface ActiveSilence {
  id: number;
  startsMs: number;
  endsMs: number;
  matchers: CompiledMatcher[];
}

type SilenceRow = Omit<AlertSilencesTable, 'id'> & { id: number };

/**
 * Silences: matchers and a time window. Active ones are kept compiled in memory (reloaded on every
 * change made here), so checking an alert is a few matcher tests.
 */
export class Silences {
  #active: ActiveSilence[] = [];

  constructor(private readonly deps: { db: Kysely<DB>; clock: Clock }) {}

  async load(): Promise<void> {
    const now = this.deps.clock.now().toISOString();
    const rows = await this.deps.db
      .selectFrom('alertSilences')
      .selectAll()
      .where('removedAt', 'is', null)
      .where('endsAt', '>', now)
      .execute();
    this.#active = rows.map((r) => ({
      id: r.id,
      startsMs: Date.parse(r.startsAt),
      endsMs: Date.parse(r.endsAt),
      matchers: compileAll(JSON.parse(r.matchers) as Matcher[]),
    }));
  }

  /** Whether any silence is in force now (when none is, flushes skip matching every alert). */
  hasActive(): boolean {
    const now = this.deps.clock.nowMs();
    return this.#active.some((s) => s.startsMs <= now && now < s.endsMs);
  }

  /** The silence muting these labels now, if any. */
  silencedBy(labels: Readonly<Record<string, string>>): number | undefined {
    const now = this.deps.clock.nowMs();
    for (const s of this.#active) {
      if (s.startsMs <= now && now < s.endsMs && matchesAll(s.matchers, labels)) return s.id;
    }
    return undefined;
  }

  async create(
    actor: Actor,
    input: { matchers: Matcher[]; durationMs: number; reason: string },
  ): Promise<SilenceView> {
    if (input.matchers.length === 0) throw new ValidationError('a silence needs at least one matcher');
    if (
      input.matchers.every(
        (m) => (m.op === '=~' && /^\.\*$/.test(m.value)) || (m.op === '!=' && m.value === ''),
      )
    ) {
      throw new ValidationError('a silence must not match every alert: add a matcher such as alertname="…"');
    }
    compileAll(input.matchers);
    const now = this.deps.clock.nowMs();
    const row = await this.deps.db
      .insertInto('alertSilences')
      .values({
        matchers: JSON.stringify(input.matchers),
        startsAt: new Date(now).toISOString(),
        endsAt: new Date(now + input.durationMs).toISOString(),
        reason: input.reason,
        createdBy: actor.username,
        createdAt: new Date(now).toISOString(),
        removedBy: null,
        removedAt: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await this.load();
    return this.view(row);
  }

  async remove(actor: Actor, id: number): Promise<SilenceView> {
    const row = await this.deps.db
      .selectFrom('alertSilences')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw new NotFoundError('silence', String(id));
    if (row.removedAt === null) {
      row.removedAt = this.deps.clock.now().toISOString();
      row.removedBy = actor.username;
      await this.deps.db
        .updateTable('alertSilences')
        .set({ removedAt: row.removedAt, removedBy: row.removedBy })
        .where('id', '=', id)
        .execute();
      await this.load();
    }
    return this.view(row);
  }

  async list(options: { includeEnded: boolean }): Promise<SilenceView[]> {
    let query = this.deps.db.selectFrom('alertSilences').selectAll().orderBy('id', 'desc').limit(200);
    if (!options.includeEnded) {
      query = query.where('removedAt', 'is', null).where('endsAt', '>', this.deps.clock.now().toISOString());
    }
    return (await query.execute()).map((r) => this.view(r));
  }

  async get(id: number): Promise<SilenceView | undefined> {
    const row = await this.deps.db
      .selectFrom('alertSilences')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && this.view(row);
  }

  view(row: SilenceRow): SilenceView {
    const now = this.deps.clock.nowMs();
    return {
      id: row.id,
      matchers: JSON.parse(row.matchers) as Matcher[],
      startsAt: row.startsAt,
      endsAt: row.endsAt,
      reason: row.reason,
      createdBy: row.createdBy,
      createdAt: row.createdAt,
      removedBy: row.removedBy,
      removedAt: row.removedAt,
      active: row.removedAt === null && Date.parse(row.startsAt) <= now && now < Date.parse(row.endsAt),
    };
  }
}
