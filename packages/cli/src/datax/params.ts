/**
 * Bookkeeping for `ferry import datax`: a DataX parameter object whose keys
 * are taken one by one, so every key the import did not carry over can be
 * listed (one line each) at the end.
 */

/** A DataX key that did not make it into the ferry job, and why. */
export interface Dropped {
  /** Path in the DataX file, e.g. `job.content[0].reader.parameter.session`. */
  key: string;
  why: string;
}

/** What an import produced besides the job: losses and things to do. */
export interface ImportReport {
  dropped: Dropped[];
  /** Things the user must know or do (set an environment variable, ...); not losses. */
  notes: string[];
}

/** A parameter block being translated: `take` marks keys as used, `rest` lists the others. */
export class Params {
  private readonly used = new Set<string>();

  constructor(
    readonly obj: Record<string, unknown>,
    /** Path of the block in the source file, for messages. */
    readonly at: string,
    private readonly report: ImportReport,
  ) {}

  /** The value of `key` (marked as used), or undefined. */
  take(key: string): unknown {
    this.used.add(key);
    return this.obj[key];
  }

  has(key: string): boolean {
    return Object.hasOwn(this.obj, key);
  }

  /** Marks `key` as read and lists it as not carried over, when present. */
  drop(key: string, why: string): void {
    if (!this.has(key)) return;
    this.used.add(key);
    this.report.dropped.push({ key: `${this.at}.${key}`, why });
  }

  /** Marks `key` as handled without a note (a default ferry shares, a key with no meaning here). */
  ignore(key: string): void {
    this.used.add(key);
  }

  /** Lists every key not taken, dropped or ignored as unknown to the import. */
  finish(plugin: string): void {
    for (const key of Object.keys(this.obj)) {
      if (!this.used.has(key)) this.report.dropped.push({ key: `${this.at}.${key}`, why: `not a key ferry knows for ${plugin}` });
    }
  }
}

/** A plain object, or undefined. */
export function asObject(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** A list from a value that may be one item or a list. */
export function asList(v: unknown): unknown[] {
  return v === undefined || v === null ? [] : Array.isArray(v) ? v : [v];
}

/** A number from a number or a numeric string (DataX accepts `"channel": "3"`); undefined otherwise. */
export function asNumber(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

/** A boolean from true/false or "true"/"false". */
export function asBoolean(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'false') return v === 'true';
  return undefined;
}
