import { describe, expect, it } from 'vitest';
import { createBuilders, ferrySchema, finishBatch, giveBuffer, pooledBytes, recycleColumns, takeBuffer, VarBuilder } from '@ferry/core';
import { Utf8, vectorFromArray } from 'apache-arrow';

const schema = ferrySchema([
  { name: 's', type: 'string' },
  { name: 'n', type: 'bigint' },
  { name: 'd', type: 'double' },
  { name: 'i', type: 'int' },
]);

function build(rows: unknown[][]) {
  const b = createBuilders(schema);
  for (const row of rows) row.forEach((v, i) => b[i]!.append(v));
  return finishBatch(schema, b);
}

describe('buffer pool', () => {
  it('hands a recycled buffer to the next builder, which overwrites it with the right values', () => {
    const first = build(Array.from({ length: 5000 }, (_, i) => [`first-${i}-${'x'.repeat(i % 40)}`, 2n ** 62n + BigInt(i), i / 3, -i]));
    const used = new Set(first.data.children.flatMap((d) => [d.values.buffer, d.valueOffsets?.buffer].filter(Boolean)));
    const before = pooledBytes();
    recycleColumns(first.data.children);
    expect(pooledBytes()).toBeGreaterThan(before);
    // Fewer, shorter rows, nulls included: stale bytes of the first batch must not show through.
    const rows = Array.from({ length: 3000 }, (_, i) => (i % 7 === 0 ? [null, null, null, null] : [`b${i}`, BigInt(-i), -i / 7, i]));
    const second = build(rows);
    const reused = second.data.children.filter((d) => used.has(d.values.buffer) || (d.valueOffsets && used.has(d.valueOffsets.buffer)));
    expect(reused.length).toBeGreaterThan(0);
    expect(second.getChild('s')!.toArray()).toEqual(rows.map((r) => r[0]));
    expect(second.getChild('n')!.toArray()).toEqual(BigInt64Array.from(rows.map((r) => (r[1] ?? 0n) as bigint)));
    expect(Array.from(second.getChild('d')!.toArray() as Float64Array)).toEqual(rows.map((r) => (r[2] ?? 0) as number));
    for (const [c, col] of ['s', 'n', 'd', 'i'].entries()) {
      const v = second.getChild(col)!;
      rows.forEach((r, i) => expect(v.get(i) === null).toBe(r[c] === null));
    }
  });

  it('starts text offsets at 0 on reused memory', () => {
    // Dirty memory of the sizes a new text builder asks for (64 KiB of bytes, 1024 offsets).
    for (const size of [64 * 1024, 4096 * 4]) {
      const junk = takeBuffer(size);
      new Uint8Array(junk).fill(0xab);
      giveBuffer(junk);
    }
    const b = new VarBuilder(new Utf8());
    b.appendString('hello');
    b.appendNull();
    b.appendString('');
    const v = b.finish();
    expect(v.valueOffsets[0]).toBe(0);
    expect([...vectorFromData(v)]).toEqual(['hello', null, '']);
  });

  it('takes back only buffers it made, and each only once', () => {
    const before = pooledBytes();
    const foreign = vectorFromArray(
      Array.from({ length: 10_000 }, (_, i) => `not ours ${i}`),
      new Utf8(),
    ).data[0]!;
    recycleColumns([foreign]);
    expect(pooledBytes()).toBe(before);
    // A size no other test leaves in the pool.
    const ab = takeBuffer(3_000_000);
    giveBuffer(ab);
    giveBuffer(ab);
    expect(pooledBytes()).toBe(before + ab.byteLength);
    expect(takeBuffer(3_000_000) === ab).toBe(true);
    expect(takeBuffer(3_000_000) === ab).toBe(false);
  });

  it('does not hand out a buffer much larger than asked for', () => {
    const big = takeBuffer(6 * 1024 * 1024);
    giveBuffer(big);
    expect(takeBuffer(1024 * 1024) === big).toBe(false);
    expect(takeBuffer(2 * 1024 * 1024) === big).toBe(true);
  });

  it('keeps at most 8 MiB of free buffers per thread', () => {
    const before = pooledBytes();
    const bufs = Array.from({ length: 12 }, () => takeBuffer(1024 * 1024));
    for (const b of bufs) giveBuffer(b);
    expect(pooledBytes()).toBeLessThanOrEqual(8 * 1024 * 1024);
    expect(pooledBytes()).toBeGreaterThan(before);
  });
});

function vectorFromData(d: ReturnType<VarBuilder['finish']>) {
  const out: (string | null)[] = [];
  const dec = new TextDecoder();
  for (let i = 0; i < d.length; i++) {
    const valid = !d.nullBitmap || (d.nullBitmap[i >> 3]! >> (i & 7)) & 1;
    out.push(valid ? dec.decode(d.values.subarray(d.valueOffsets[i]!, d.valueOffsets[i + 1]!)) : null);
  }
  return out;
}
