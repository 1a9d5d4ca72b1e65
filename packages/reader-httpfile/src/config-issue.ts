/**
 * Normalizing a config inside its schema: a checker that throws ferry's
 * `reader.<key>: <message>` errors becomes a zod transform, so the config is
 * checked and normalized once, when the job is validated, and every hook
 * (in any thread or on any worker host) gets the normalized value.
 */
import { isFerryError } from '@ferry/core';

/** What a zod transform's context offers (this package reaches zod only through core's schemas). */
interface IssueSink {
  addIssue(issue: { code: 'custom'; path: (string | number)[]; message: string; input?: unknown }): void;
}

/** `normalize(raw)`, or a zod issue at the key its error names (then zod fails the validation with it). */
export function normalizeInSchema<R, N>(normalize: (raw: R) => N): (raw: R, ctx: IssueSink) => N {
  return (raw, ctx) => {
    try {
      return normalize(raw);
    } catch (err) {
      if (!isFerryError(err)) throw err;
      const m = /^reader\.([^:]+): ([\s\S]*)$/.exec(err.message);
      const path = m
        ? m[1]!
            .split(/\.|\[(\d+)\]/)
            .filter((k) => k !== undefined && k !== '')
            .map((k) => (/^\d+$/.test(k) ? Number(k) : k))
        : [];
      ctx.addIssue({ code: 'custom', path, message: m ? m[2]! : err.message, input: undefined });
      return undefined as never;
    }
  };
}
