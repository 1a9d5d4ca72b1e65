/** Durations in workspace files: `60s`, `1m`, `2m30s`, `500ms`, or a number of seconds. */
import { ErrorCodes, FerryError } from '@ferry/core';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h)\s*)+$/;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;

/**
 * Parses a duration into milliseconds; `where` names the key in messages.
 * A bare number counts seconds.
 */
export function parseDuration(value: unknown, where: string): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return Math.round(value * 1000);
  if (typeof value === 'string' && DURATION.test(value.trim())) {
    let ms = 0;
    for (const m of value.trim().matchAll(PART)) ms += Number(m[1]) * UNIT_MS[m[2]!]!;
    return Math.round(ms);
  }
  throw new FerryError(ErrorCodes.CONFIG, `${where}: expected a duration such as 60s, 1m or 2m30s, got ${JSON.stringify(value)}`);
}

/** `90000` -> `1m30s`, for messages. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  return `${Math.floor(s / 60)}m${s % 60 ? `${s % 60}s` : ''}`;
}
