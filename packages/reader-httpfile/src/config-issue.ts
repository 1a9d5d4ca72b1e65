/**
 * Normalizing a config inside its schema: a checker that throws
 * `ConfigKeyError`s (ferry's `reader.<key>: <message>`) becomes a zod
 * transform, so the config is checked and normalized once, when the job is
 * validated, and every hook (in any thread or on any worker host) gets the
 * normalized value.
 */
import { ErrorCodes, FerryError } from '@ferry/core';

/** Where in the reader's config a mistake is: `['columns', 0, 'format']`. */
export type ConfigKey = (string | number)[];

/** A mistake at one key of the reader's config; its message reads `reader.columns[0].format: <reason>`. */
export class ConfigKeyError extends FerryError {
  constructor(
    readonly key: ConfigKey,
    readonly reason: string,
  ) {
    super(ErrorCodes.CONFIG, `reader.${key.map((k, i) => (typeof k === 'number' ? `[${k}]` : i ? `.${k}` : k)).join('')}: ${reason}`);
  }
}

/** What a zod transform's context offers (this package reaches zod only through core's schemas). */
interface IssueSink {
  addIssue(issue: { code: 'custom'; path: ConfigKey; message: string; input?: unknown }): void;
}

/** `normalize(raw)`, or a zod issue at the key its `ConfigKeyError` names (then zod fails the validation with it). */
export function normalizeInSchema<R, N>(normalize: (raw: R) => N): (raw: R, ctx: IssueSink) => N {
  return (raw, ctx) => {
    try {
      return normalize(raw);
    } catch (err) {
      if (!(err instanceof ConfigKeyError)) throw err;
      ctx.addIssue({ code: 'custom', path: err.key, message: err.reason, input: undefined });
      return undefined as never;
    }
  };
}
