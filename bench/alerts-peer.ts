// The peer of the alert benchmarks: Debian's Alertmanager 0.25 (started by the peer tests' harness,
// not clustered, loopback), notifying a webhook sink in this process that records when each group's
// notification arrives.
import { Alertmanager } from '../test/peers/support/alertmanager.js';
import type { WebhookSink } from '../test/peers/support/webhook-sink.js';

export { WebhookSink } from '../test/peers/support/webhook-sink.js';

/** Alertmanager grouping by alertname, sending every group to `sink`. */
export function startPeerAlertmanager(sink: WebhookSink, groupWait: string): Promise<Alertmanager> {
  return Alertmanager.start({
    receivers: [{ name: 'sink', webhookUrl: sink.url }],
    groupBy: ['alertname'],
    groupWait,
    groupInterval: '5m',
    repeatInterval: '4h',
  });
}
