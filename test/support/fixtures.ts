import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The folder of real payloads captured from real senders (copied from the team's shared fixtures into
 * the repository, so a clone tests the same bytes wherever it is checked out).
 */
export const ALERTMANAGER_FIXTURES = fileURLToPath(new URL('../fixtures/alertmanager', import.meta.url));

/** One Alertmanager fixture body, as text. */
export function alertmanagerFixture(name: string): string {
  return readFileSync(`${ALERTMANAGER_FIXTURES}/${name}`, 'utf8');
}
