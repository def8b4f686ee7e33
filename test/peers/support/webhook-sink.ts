import { createServer, type Server } from 'node:http';

/** A webhook receiver that answers 200 at once and reports the group label `alertname` of each body. */
export class WebhookSink {
  private constructor(
    readonly url: string,
    private readonly server: Server,
  ) {}

  onGroup: (alertname: string, atMs: number) => void = () => {};
  received = 0;
  /** Bodies received per group `alertname`. */
  readonly byGroup = new Map<string, number>();

  static async start(): Promise<WebhookSink> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const sink = new WebhookSink(`http://127.0.0.1:${port}/hook`, server);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const at = performance.now();
        res.end('ok');
        sink.received++;
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
            groupLabels?: { alertname?: string };
          };
          const name = body.groupLabels?.alertname;
          if (name) {
            sink.byGroup.set(name, (sink.byGroup.get(name) ?? 0) + 1);
            sink.onGroup(name, at);
          }
        } catch {
          // Not a webhook body: counted, not timed.
        }
      });
    });
    return sink;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }
}
