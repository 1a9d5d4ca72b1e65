/**
 * core's number formatters are the one copy (issue 11): FLOAT and DOUBLE as
 * MySQL/MariaDB print them. writer-table's export should import these, not
 * keep its own (`Math.fround(1e20)` printed `100000000000000000000` there).
 */
import { describe, expect, it } from 'vitest';
import { formatFloat32, normalizeNumber } from '@ferry/core/values';
import { runJob, prepareJob } from '@ferry/core/engine';

describe('the one copy of the number formatters', () => {
  it("prints FLOAT as the shortest float32 digits, by MySQL's exponent rule", () => {
    expect(formatFloat32(Math.fround(1e20))).toBe('1e20');
    expect(formatFloat32(Math.fround(0.1))).toBe('0.1');
    expect(formatFloat32(Math.fround(3.4e38))).toBe('3.4e38');
    expect(formatFloat32(Math.fround(16777217))).toBe('16777216');
  });

  it('prints DOUBLE by the same rule (not String(v))', () => {
    expect(normalizeNumber(String(1e20))).toBe('1e20');
    expect(normalizeNumber(String(1e14))).toBe('100000000000000');
    expect(normalizeNumber(String(1.5e-7))).toBe('0.00000015');
  });
});

describe("core's subpath entries", () => {
  it('give the engine to embedders', () => {
    expect(typeof runJob).toBe('function');
    expect(typeof prepareJob).toBe('function');
  });
});
