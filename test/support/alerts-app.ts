import { SYSTEM_ACTOR } from '../../src/core/actor.js';
import type { Integration } from '../../src/domains/integrations/schema.js';
import type { DialectName } from '../../src/storage/database.js';
import { startTestApp, type TestApp } from './app.js';

/** A test app with a public `alerts` room and an Alertmanager integration that posts into it. */
export async function startAlertsApp(
  dialect: DialectName,
  options: Parameters<typeof startTestApp>[1] = {},
): Promise<{ t: TestApp; integration: Integration }> {
  const t = await startTestApp(dialect, options);
  await t.app.chat.rooms.create(SYSTEM_ACTOR, { name: 'alerts', kind: 'public' });
  const { integration } = await t.app.integrations.create(SYSTEM_ACTOR, {
    kind: 'alertmanager',
    room: 'alerts',
  });
  return { t, integration };
}

/**
 * An Alertmanager webhook body (payload version 4) for a group of one alert name, as Alertmanager
 * 0.25 sends it: the envelope around `alerts`, grouped by alertname.
 */
export function alertmanagerBody(alertname: string, alerts: readonly object[], status = 'firing') {
  return {
    receiver: 'opsroom',
    status,
    alerts,
    groupLabels: { alertname },
    commonLabels: { alertname },
    commonAnnotations: {},
    externalURL: 'http://am.example',
    version: '4',
    groupKey: `{}:{alertname="${alertname}"}`,
    truncatedAlerts: 0,
  };
}
