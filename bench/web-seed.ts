// Shared by the web benchmarks: a real server process with a room of many messages and a signed-in
// Chromium page. Messages are numbered `seed 00000` … so a page can tell how far back it has scrolled.
import type { E2eServer } from '../test/e2e/support/e2e-server.js';

/** Realistic variety: short lines, mentions, inline code, a code block every 100th message. */
export function seedText(i: number): string {
  const n = String(i).padStart(5, '0');
  if (i % 100 === 0)
    return `seed ${n} deploy log:\n\`\`\`\n$ kubectl rollout status deploy/api\nwaiting for 3 pods\ndeployment "api" successfully rolled out\n\`\`\``;
  if (i % 7 === 0)
    return `seed ${n} @alice can you check \`api-${i % 13}\` latency? p99 went to ${i % 300} ms`;
  if (i % 3 === 0) return `seed ${n} deploy api 1.4.${i % 50} to staging finished in ${i % 97} s`;
  return `seed ${n} ok`;
}

/** Posts `count` messages into `room` through the REST API, `parallel` in flight. */
export async function seedRoom(server: E2eServer, room: string, count: number, parallel = 16): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= count) return;
      await server.api('POST', `/api/rooms/${room}/messages`, { text: seedText(i) });
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}
