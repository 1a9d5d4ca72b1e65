import { describe, expect, it } from 'vitest';
import { formatBytes, formatEta, formatInt, formatProgress } from '../src/progress-format.js';

const base = { elapsedMs: 10_000, recordsRead: 45_000, recordsWritten: 45_000, bytesRead: 5 * 1048576, dirtyRecords: 2, splitsDone: 3, splitsTotal: 8 };

describe('progress lines', () => {
  it('give %, ETA and MiB/s when the total is known', () => {
    expect(formatProgress({ ...base, recordsTotal: 100_000 })).toBe('45,000 of 100,000 records (45.0%), 5.00 MiB, 4,500 records/s, 0.5 MiB/s, 2 dirty, splits 3/8, ETA 13 s');
  });

  it('leave out % and ETA when the reader does not know the total', () => {
    expect(formatProgress(base)).toBe('45,000 records, 5.00 MiB, 4,500 records/s, 0.5 MiB/s, 2 dirty, splits 3/8');
  });

  it('format sizes in binary units and long ETAs in minutes and hours', () => {
    expect([formatBytes(512), formatBytes(1536), formatBytes(3 * 1024 ** 3)]).toEqual(['512 B', '1.50 KiB', '3.00 GiB']);
    expect([formatEta(400), formatEta(250_000), formatEta(9_000_000)]).toEqual(['1 s', '4 min 10 s', '2 h 30 min']);
  });

  it('group the digits of rounded integers as en-US does', () => {
    for (const n of [0, 7, 999, 1000, -1000, 1234567.4, -9_876_543_210, 2 ** 53 - 1, 1e21, Number.NaN]) {
      expect(formatInt(n)).toBe(Math.round(n).toLocaleString('en-US'));
    }
    expect(formatInt(-0.2)).toBe('0');
  });
});
