/**
 * Reader `generate`: deterministic rows for tests and benchmarks, like DataX's
 * streamreader. Row i has the same values whatever the split or channel
 * count, because every value is a hash of (seed, i, column).
 */
import { t } from '../config-schema.js';
import { createBuilders, finishBatch } from '../columns.js';
import { defineReader } from '../plugin.js';
import { type FerryType, ferrySchema, parseType } from '../types.js';

const config = t.object({
  rows: t.integer({ min: 0 }).describe('how many rows to generate'),
  columns: t
    .array(t.object({ name: t.string({ minLength: 1 }).describe('column name'), type: t.string({ minLength: 1 }).describe('ferry type: bigint, string, double, timestamp, decimal(10,2) ...') }), {
      minItems: 1,
    })
    .default([
      { name: 'id', type: 'bigint' },
      { name: 'name', type: 'string' },
      { name: 'score', type: 'double' },
      { name: 'at', type: 'timestamp' },
    ])
    .describe('columns and their types'),
  seed: t.integer().default(1).describe('same seed, same data'),
  batchRows: t.integer({ min: 1, max: 1_000_000 }).default(16_384).describe('rows per batch'),
  nullEvery: t.integer({ min: 0 }).default(0).describe('make every n-th value of non-first columns NULL (0 = never)'),
  splitRows: t.integer({ min: 1 }).optional().describe('rows per split; default: about 4 splits per channel'),
});

interface Split {
  start: number;
  end: number;
}

function mix(seed: number, row: number, col: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(row, 0xc2b2ae35) ^ Math.imul(col + 1, 0x27d4eb2f);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  h = Math.imul(h, 0x297a2d39);
  h ^= h >>> 15;
  return h >>> 0;
}

const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliett', 'kilo', 'lima'];
const BASE_SECONDS = 1_704_067_200; // 2024-01-01T00:00:00Z

/** The value of row `i`, column `c` of type `type`. */
export function generatedValue(type: FerryType, seed: number, i: number, c: number): unknown {
  const h = mix(seed, i, c);
  switch (type.name) {
    case 'bigint':
      return c === 0 ? i + 1 : (h % 1_000_000_007) - 500_000_000;
    case 'int':
      return h | 0;
    case 'smallint':
      return (h % 65536) - 32768;
    case 'tinyint':
      return (h % 256) - 128;
    case 'boolean':
      return (h & 1) === 1;
    case 'double':
      return Math.round(h / 4294967.296) / 1000;
    case 'float':
      return Math.fround((h % 100000) / 100);
    case 'decimal':
      return BigInt(h) % 10n ** BigInt(Math.min(type.precision, 9));
    case 'date':
      return 19_000 + (h % 3650);
    case 'datetime':
    case 'timestamp':
      return BigInt(BASE_SECONDS + (i % 31_536_000)) * 1_000_000n + BigInt(h % 1000) * 1000n;
    case 'binary':
      return Uint8Array.of(h & 255, (h >>> 8) & 255, (h >>> 16) & 255, h >>> 24);
    case 'string':
    case 'varchar':
    case 'char': {
      const s = `${WORDS[h % WORDS.length]}_${i}`;
      return 'length' in type ? s.slice(0, type.length) : s;
    }
  }
}

export default defineReader({
  name: 'generate',
  description: 'deterministic generated rows (tests, benchmarks)',
  config,
  schema(cfg) {
    return ferrySchema(cfg.columns.map((c, i) => ({ name: c.name, type: parseType(c.type, `reader.columns[${i}].type`) })));
  },
  split(cfg, { advice }) {
    const per = cfg.splitRows ?? Math.max(1, Math.ceil(cfg.rows / Math.max(1, advice * 4)));
    const splits: Split[] = [];
    for (let start = 0; start < cfg.rows; start += per) splits.push({ start, end: Math.min(cfg.rows, start + per) });
    return splits;
  },
  estimateRecords(_cfg, { splits }) {
    return splits.reduce((n, s) => n + (s.end - s.start), 0);
  },
  async *read(split: Split, ctx) {
    const { config: cfg, schema } = ctx;
    const types = cfg.columns.map((c) => parseType(c.type));
    const builders = createBuilders(schema);
    const nullEvery = cfg.nullEvery;
    for (let i = split.start; i < split.end; i++) {
      for (let c = 0; c < types.length; c++) {
        if (nullEvery > 0 && c > 0 && (i + c) % nullEvery === 0) builders[c]!.appendNull();
        else builders[c]!.append(generatedValue(types[c]!, cfg.seed, i, c));
      }
      if (builders[0]!.length === cfg.batchRows || i === split.end - 1) {
        if (ctx.signal.aborted) return;
        yield finishBatch(schema, builders);
      }
    }
  },
  async check() {
    return { ok: true, message: 'generate needs no connection' };
  },
});
