/**
 * The rows of a result read straight from the socket's chunks. mysql2 hands
 * every packet through its parser, the connection's dispatch (sequence
 * check, pause queue), the command's state machine, the row parser and an
 * event: about 250 ns a row, as long as decoding the row itself (5M rows:
 * ~1.2 s of a channel's ~3.7 s). Once the column definitions are read, this
 * framer takes the connection's packet parser over and gives each row
 * packet's bytes to `onRow` directly; at the first packet that is no row
 * (the end of the result, an error, a packet of 16 MiB or more) it hands
 * that packet and everything after it back to mysql2, with its sequence id
 * where mysql2 expects it, and steps aside.
 *
 * It uses mysql2 internals (the connection's `packetParser` and
 * `sequenceId`, the parser's partial-packet state), which mysql2 is pinned
 * for (see test/fast-path.test.ts). When they are not as expected it does
 * nothing and mysql2 reads the rows as before.
 */

/** What this module reads of a mysql2 connection. */
interface ConnectionInternals {
  packetParser?: ParserInternals;
  sequenceId?: number;
  config?: { compress?: boolean };
  /** The running command (the query) and the state its next packet goes to. */
  _command?: { next?: unknown };
  _paused?: boolean;
}

/** mysql2's PacketParser state between chunks. */
interface ParserInternals {
  execute(chunk: Buffer): unknown;
  buffer: Buffer[];
  bufferLength: number;
  length: number;
  largePacketParts: Buffer[];
  packetHeaderLength: number;
}

const MAX_PACKET = 0xffffff;

/** Counts of rows framed here, for the test that checks the takeover still applies. */
export const framingUse = { rows: 0, takeovers: 0 };

/**
 * Takes the rows of the current result over from the next chunk on. `onRow`
 * gets each row packet's payload [start, end) of a buffer valid during the
 * call; `onError` a failure of `onRow` (the framer then steps aside).
 * Returns a function that puts mysql2's parser back if the framer is still in
 * place (call it when the result ended or was abandoned: a result that ended
 * inside the chunk of its column definitions never reached the framer), or
 * undefined when the connection is not one this can frame.
 */
export function frameRows(conn: unknown, onRow: (buf: Buffer, start: number, end: number) => void, onError: (err: unknown) => void): (() => void) | undefined {
  const c = conn as ConnectionInternals;
  const orig = c.packetParser;
  const proto = orig && Object.getPrototypeOf(orig);
  if (!orig || !proto || typeof c.sequenceId !== 'number' || c.config?.compress || orig.packetHeaderLength !== 4) return undefined;
  if (typeof proto.executeStart !== 'function' || typeof proto.executePayload !== 'function' || typeof proto.executeHeader2 !== 'function' || typeof proto.executeHeader3 !== 'function')
    return undefined;

  /** Chunks of an incomplete packet (header included) carried over, and the bytes needed before framing again. */
  let parts: Buffer[] = [];
  let partsLen = 0;
  let need = 0;
  let started = false;
  let lastSeq = -1;

  // mysql2 keeps slices of what it is given (a packet's bytes until it is whole, column definitions read
  // lazily), and a chunk may be a socket buffer that the next read overwrites (connection.ts): it gets copies.
  const handBack = (bytes: Buffer): unknown => orig.execute(Buffer.from(bytes));
  const stepAside = () => {
    if (c.packetParser === framer) c.packetParser = orig;
    if (lastSeq >= 0) c.sequenceId = (lastSeq + 1) & 0xff;
  };

  /** Frames the complete packets of buf[from, end); returns where the incomplete rest starts, or -1 once handed back. */
  const frame = (buf: Buffer, from: number): number => {
    const end = buf.length;
    let p = from;
    while (end - p >= 5) {
      const len = packetLength(buf, p);
      const first = buf[p + 4]!;
      if (len === MAX_PACKET || len === 0 || first === 0xff || (first === 0xfe && len < 9)) {
        // mysql2 emits 'fields' at the last column definition, before the EOF that closes them: when a chunk
        // ends between the two, that EOF comes here first. mysql2 gets it alone, and framing goes on.
        if (first === 0xfe && len < 9 && lastSeq < 0 && awaitsFieldsEof(c)) {
          if (end - p < 4 + len) break;
          handBack(buf.subarray(p, p + 4 + len));
          p += 4 + len;
          continue;
        }
        stepAside();
        handBack(buf.subarray(p));
        return -1;
      }
      if (end - p < 4 + len) break;
      onRow(buf, p + 4, p + 4 + len);
      framingUse.rows++;
      lastSeq = buf[p + 3]!;
      p += 4 + len;
    }
    return p;
  };

  /** Keeps buf[from..] (an incomplete packet) for the next chunk. */
  const carry = (buf: Buffer, from: number) => {
    const t = Buffer.from(buf.subarray(from));
    parts = [t];
    partsLen = t.length;
    const len = t.length >= 3 ? packetLength(t, 0) : -1;
    // Five bytes tell a row from the end of the rows; a row is framed once it is whole.
    need = len < 0 || len === MAX_PACKET ? 5 : Math.max(5, 4 + len);
  };

  const framer = {
    execute(chunk: Buffer): unknown {
      if (c.packetParser !== framer) return handBack(chunk);
      try {
        if (!started) {
          started = true;
          // mysql2 read the chunks so far; take over the packet it is in the middle of, if any (not one of 16 MiB).
          if (orig.largePacketParts.length > 0 || (orig.execute === proto.executePayload && orig.length === MAX_PACKET)) {
            stepAside();
            return handBack(chunk);
          }
          const pending = pendingOf(orig, proto);
          orig.buffer = [];
          orig.bufferLength = 0;
          orig.execute = proto.executeStart;
          if (pending) carry(pending, 0);
          framingUse.takeovers++;
        }
        let from = 0;
        // First the packet carried from the last chunk: it is completed with just the bytes it lacks (a
        // copy of one packet, not of the chunk) and framed alone; then this chunk is framed in place.
        while (partsLen > 0) {
          const lack = need - partsLen;
          if (chunk.length - from < lack) {
            parts.push(Buffer.from(chunk.subarray(from)));
            partsLen += chunk.length - from;
            return null;
          }
          const head = Buffer.concat([...parts, chunk.subarray(from, from + lack)], need);
          from += lack;
          parts = [];
          partsLen = 0;
          const r = frame(head, 0);
          if (r < 0) {
            // Handed back to mysql2: the rest of the chunk follows it there.
            if (from < chunk.length) handBack(chunk.subarray(from));
            return null;
          }
          // Only its first five bytes were here: now that its length is known, gather the rest.
          if (r < head.length) carry(head, r);
        }
        const rest = frame(chunk, from);
        if (rest >= 0 && rest < chunk.length) carry(chunk, rest);
        return null;
      } catch (err) {
        stepAside();
        onError(err);
        return null;
      }
    },
  };
  FRAMERS.add(framer);
  c.packetParser = framer as unknown as ParserInternals;
  return () => {
    if (c.packetParser === framer) c.packetParser = orig;
  };
}

const FRAMERS = new WeakSet<object>();

/** Whether a connection's packet parser is a framer, which keeps nothing of a chunk once it returns. */
export function isFramer(parser: unknown): boolean {
  return typeof parser === 'object' && parser !== null && FRAMERS.has(parser);
}

/** The payload length in a packet's 3-byte header at `p`. */
function packetLength(buf: Uint8Array, p: number): number {
  return buf[p]! | (buf[p + 1]! << 8) | (buf[p + 2]! << 16);
}

/** Whether mysql2's query waits for the EOF after its column definitions (and would handle it now, not queue it). */
function awaitsFieldsEof(c: ConnectionInternals): boolean {
  const next = c._command?.next;
  return !c._paused && typeof next === 'function' && next.name === 'fieldsEOF';
}

/** The bytes of the packet mysql2's parser holds incomplete (header from its first byte), or undefined at a boundary. */
function pendingOf(p: ParserInternals, proto: Record<string, unknown>): Buffer | undefined {
  if (p.execute === proto.executeStart) return undefined;
  if (p.execute === proto.executeHeader2) return Buffer.from([p.length & 0xff]);
  if (p.execute === proto.executeHeader3) return Buffer.from([p.length & 0xff, (p.length >> 8) & 0xff]);
  // executePayload: the three length bytes were read; `buffer` holds what followed them (the sequence id first).
  const head = Buffer.from([p.length & 0xff, (p.length >> 8) & 0xff, (p.length >> 16) & 0xff]);
  return Buffer.concat([head, ...p.buffer]);
}
