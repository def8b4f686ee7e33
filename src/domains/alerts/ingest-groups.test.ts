import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../../../test/support/app.js';
import { SYSTEM_ACTOR } from '../../core/actor.js';

describe('ingest: the groups of one delivery', () => {
  let t: TestApp;

  before(async () => {
    t = await startTestApp('sqlite', {
      config: {
        alerts: {
          route: {
            group_by: ['alertname', 'service'],
            group_wait: '1h',
            routes: [{ matchers: ['team="all"'], group_by: ['...'] }],
          },
        },
      },
    });
    await t.app.chat.rooms.create(SYSTEM_ACTOR, { name: 'alerts', kind: 'public' });
  });
  after(() => t.dispose());

  it('one group per route and group_by values (missing labels left out, ... for all labels)', async () => {
    const { integration } = await t.app.integrations.create(SYSTEM_ACTOR, {
      kind: 'alertmanager',
      room: 'alerts',
    });
    const alert = (labels: Record<string, string>) => ({ labels, status: 'firing' as const });
    const result = await t.app.alerts.ingestion.ingest(integration, [
      alert({ alertname: 'A', service: 'x', pod: '1' }),
      alert({ alertname: 'A', service: 'y', pod: '1' }),
      alert({ alertname: 'A', pod: '2' }),
      alert({ alertname: 'A', service: 'x', pod: '2' }),
      alert({ alertname: 'A', pod: '3' }),
      alert({ alertname: 'B', service: 'x' }),
      alert({ alertname: 'A', team: 'all', pod: '1' }),
      alert({ alertname: 'A', team: 'all', pod: '2' }),
      alert({ alertname: 'A', team: 'all', pod: '1', z: '' }),
    ]);
    assert.equal(result.created, 9);
    const groups = await t.app.database.db
      .selectFrom('alertGroups as g')
      .innerJoin('alertGroupAlerts as m', 'm.groupId', 'g.id')
      .select(['g.groupKey', 'g.labels'])
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .groupBy(['g.groupKey', 'g.labels'])
      // Byte order: ',' sorts before '}'.
      .orderBy('g.groupKey')
      .execute();
    const room = integration.roomId;
    assert.deepEqual(
      groups.map((g) => [g.groupKey, g.labels, Number(g.n)]),
      [
        [
          `{}/{team="all"}:{alertname="A", pod="1", team="all", z=""}@${room}`,
          '{"alertname":"A","pod":"1","team":"all","z":""}',
          1,
        ],
        [
          `{}/{team="all"}:{alertname="A", pod="1", team="all"}@${room}`,
          '{"alertname":"A","pod":"1","team":"all"}',
          1,
        ],
        [
          `{}/{team="all"}:{alertname="A", pod="2", team="all"}@${room}`,
          '{"alertname":"A","pod":"2","team":"all"}',
          1,
        ],
        [`{}:{alertname="A", service="x"}@${room}`, '{"alertname":"A","service":"x"}', 2],
        [`{}:{alertname="A", service="y"}@${room}`, '{"alertname":"A","service":"y"}', 1],
        [`{}:{alertname="A"}@${room}`, '{"alertname":"A"}', 2],
        [`{}:{alertname="B", service="x"}@${room}`, '{"alertname":"B","service":"x"}', 1],
      ],
    );
  });
});
