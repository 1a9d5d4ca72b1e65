/**
 * A TCP proxy to MariaDB for the framing tests: it forwards the server's
 * bytes so that the chunk holding the end of a result's column definitions
 * ends `k` bytes after the EOF that follows them (so the framer takes over
 * with mysql2 stopped at a chosen byte of the first rows; k from -9 to -1:
 * before or inside that EOF), then hands the
 * rows to the client in pieces of 1..7 bytes, one per event-loop turn, until
 * the end of the result.
 */
import { createServer, connect, type Socket } from 'node:net';

export interface Proxy {
  url(db: string): string;
  /** What the proxy did to the stream: pieces written in the 1..7-byte mode (rechunkingProxy), headers cut (jumboCutProxy). */
  pieces(): number;
  close(): Promise<void>;
}

/**
 * A proxy on a free local port: each client gets its own connection to
 * MariaDB, the client's bytes go up unchanged, and `forward` passes the
 * server's bytes down its own way. `pieces` is what the proxy reports.
 */
async function proxy(upstreamPort: number, pieces: () => number, forward: (client: Socket, upstream: Socket) => void): Promise<Proxy> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(upstreamPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    client.setNoDelay(true);
    client.pipe(upstream);
    client.on('error', () => {});
    upstream.on('error', () => {});
    forward(client, upstream);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: (db) => `mysql://root@127.0.0.1:${port}/${db}`,
    pieces,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

export async function rechunkingProxy(k: number, upstreamPort = 3306): Promise<Proxy> {
  let pieces = 0;
  return proxy(
    upstreamPort,
    () => pieces,
    (client, upstream) => {
      let buf = Buffer.alloc(0);
      let sent = 0; // bytes of buf written to the client
      let scan = 0; // start of the first packet not yet looked at
      let tiny = false;
      let eofs = 0;
      let cut = -1; // pass mode: write up to here in one piece, then go tiny
      let passAt = -1; // tiny mode: back to pass mode once this much is written
      let step = k + 9; // never negative: 1 + step % 7 is the next piece size
      let wake: (() => void) | undefined;
      let closed = false;
      upstream.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        wake?.();
      });
      const end = () => {
        closed = true;
        client.destroy();
        upstream.destroy();
        wake?.();
      };
      client.on('close', end);
      upstream.on('close', end);
      const turn = () => new Promise((r) => setImmediate(r));
      const more = (ms: number) =>
        new Promise<boolean>((r) => {
          const t = setTimeout(() => {
            wake = undefined;
            r(false);
          }, ms);
          wake = () => {
            clearTimeout(t);
            wake = undefined;
            r(true);
          };
        });
      const write = (to: number) => {
        client.write(buf.subarray(sent, to));
        sent = to;
      };
      void (async () => {
        while (!closed) {
          // Find the packets that start and end the rows of a result.
          while (buf.length - scan >= 5) {
            const len = buf[scan]! | (buf[scan + 1]! << 8) | (buf[scan + 2]! << 16);
            if (buf.length - scan < 4 + len) break;
            const first = buf[scan + 4]!;
            const end = scan + 4 + len;
            if (first === 0xff) {
              eofs = 0;
              if (tiny && passAt < 0) passAt = end;
            } else if (first === 0xfe && len === 5) {
              eofs++;
              if (eofs % 2 === 1 && !tiny && cut < 0) cut = end + k;
              else if (eofs % 2 === 0 && tiny && passAt < 0) passAt = end;
            }
            scan = end;
          }
          if (!tiny) {
            if (cut >= 0) {
              // One piece up to k bytes past the column definitions' EOF (or what came, if the result is shorter).
              if (buf.length < cut && (await more(30))) continue;
              write(Math.max(sent, Math.min(cut, buf.length)));
              cut = -1;
              tiny = true;
              passAt = -1;
              // Long enough for the client to read this piece alone.
              await new Promise((r) => setTimeout(r, 5));
              continue;
            }
            if (scan > sent) {
              write(scan);
              await turn();
              continue;
            }
          } else if (buf.length > sent) {
            write(Math.min(buf.length, sent + 1 + (step++ % 7)));
            pieces++;
            if (passAt >= 0 && sent >= passAt) {
              tiny = false;
              passAt = -1;
              if (scan < sent) scan = sent;
            }
            await turn();
            continue;
          }
          await more(1000);
        }
      })();
    },
  );
}

/**
 * A TCP proxy to MariaDB that forwards the server's bytes as they come,
 * except at the first packet of 16 MiB or more: the client gets the bytes
 * up to `keep` (1 to 4) bytes into its header alone, and the rest ~30 ms
 * later. So the reader sees a row packet's header cut before it can tell the
 * row is one it must leave to mysql2.
 */
export async function jumboCutProxy(keep: number, upstreamPort = 3306): Promise<Proxy> {
  let cuts = 0;
  return proxy(
    upstreamPort,
    () => cuts,
    (client, upstream) => {
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      let buf = Buffer.alloc(0); // bytes not yet written to the client
      let scan = 0; // start of the first packet of buf not yet looked at
      let cut = false;
      let held: Buffer[] | undefined; // what came during the pause
      upstream.on('data', (d: Buffer) => {
        if (held) return void held.push(d);
        if (cut) return void client.write(d);
        buf = Buffer.concat([buf, d]);
        while (buf.length - scan >= 4) {
          const len = buf[scan]! | (buf[scan + 1]! << 8) | (buf[scan + 2]! << 16);
          if (len === 0xffffff) {
            cut = true;
            cuts++;
            client.write(buf.subarray(0, scan + keep));
            held = [buf.subarray(scan + keep)];
            setTimeout(() => {
              for (const h of held!) client.write(h);
              held = undefined;
            }, 30);
            return;
          }
          if (buf.length - scan < 4 + len) break;
          scan += 4 + len;
        }
        // Whole packets go on now; a partial one waits for its header to be seen.
        client.write(buf.subarray(0, scan));
        buf = buf.subarray(scan);
        scan = 0;
      });
    },
  );
}
