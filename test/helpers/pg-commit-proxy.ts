import net from 'node:net';

/** A simple-protocol Query message carrying `COMMIT` ('Q', length 11, the text and its NUL): what pg sends for it. */
const COMMIT_MESSAGE = Buffer.concat([Buffer.from('Q'), Buffer.from([0, 0, 0, 11]), Buffer.from('COMMIT\0')]);

/**
 * What the next COMMIT through the proxy meets:
 * - `answer-lost`: PostgreSQL gets it and commits, but the connection to Recall breaks before the answer;
 * - `answer-lost-unreachable`: the same, and for a moment no connection to PostgreSQL can be made,
 *   so Recall cannot check afterwards;
 * - `never-arrives`: the connection breaks with the COMMIT unsent, so PostgreSQL rolls back.
 */
/** How long `answer-lost-unreachable` refuses connections. */
const UNREACHABLE_MS = 1000;

export type CommitFault = 'answer-lost' | 'answer-lost-unreachable' | 'never-arrives';

export interface PgCommitProxy {
  /** postgres:// URL of the same database, through the proxy. */
  url: string;
  /** Breaks the next COMMIT as `fault` says; resolves once it has (and PostgreSQL is reachable again). */
  breakNextCommit(fault: CommitFault): Promise<void>;
  close(): Promise<void>;
}

/**
 * A TCP relay in front of PostgreSQL that breaks a connection at the one moment a test cannot reach
 * otherwise: while a COMMIT is in flight. It watches what clients send for the COMMIT message.
 */
export async function startPgCommitProxy(databaseUrl: string): Promise<PgCommitProxy> {
  const target = new URL(databaseUrl);
  const sockets = new Set<net.Socket>();
  let armed: { fault: CommitFault; done: () => void } | null = null;
  let refusing = false;
  const track = (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  };

  const server = net.createServer((client) => {
    if (refusing) return void client.destroy();
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    track(client);
    track(upstream);
    upstream.pipe(client);
    client.on('data', (chunk: Buffer) => {
      const fault = armed && chunk.includes(COMMIT_MESSAGE) ? armed : null;
      if (!fault) return void upstream.write(chunk);
      armed = null;
      upstream.unpipe(client);
      if (fault.fault === 'never-arrives') {
        client.destroy();
        upstream.destroy();
        return fault.done();
      }
      // PostgreSQL reads the COMMIT and commits; its answer goes nowhere.
      upstream.write(chunk);
      client.destroy();
      setTimeout(() => upstream.destroy(), 300);
      if (fault.fault !== 'answer-lost-unreachable') return fault.done();
      refusing = true;
      for (const s of sockets) if (s !== upstream) s.destroy();
      setTimeout(() => {
        refusing = false;
        fault.done();
      }, UNREACHABLE_MS);
    });
    client.on('close', () => setTimeout(() => upstream.destroy(), 300));
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxied = new URL(databaseUrl);
  proxied.hostname = '127.0.0.1';
  proxied.port = String((server.address() as net.AddressInfo).port);
  return {
    url: proxied.toString(),
    breakNextCommit: (fault) => new Promise<void>((resolve) => (armed = { fault, done: resolve })),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
