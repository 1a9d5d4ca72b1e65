/**
 * Cron planning in the workspace time zone. Cron patterns are matched
 * against WALL-CLOCK time: croner enumerates nominal wall times on a UTC
 * timeline (which has no DST), and each one is then placed in the zone:
 * - a wall time that occurs twice (DST ends) runs once, at its first
 *   occurrence;
 * - a wall time that does not exist (DST starts) runs at the first valid
 *   instant after it, the moment the clocks jump; when that instant is
 *   already a slot of the same workflow (hourly nodes) the two are one
 *   instance.
 * Business date and cyctime come from the instant's wall clock in the zone,
 * never from the machine's zone.
 */
import { Cron } from 'croner';
import { ErrorCodes, FerryError, cycleTimesForCyctime } from '@ferry/core';

/** A workflow's schedule as the planner needs it. */
export interface ScheduledWorkflow {
  name: string;
  /** 5-field cron (or 6 with seconds), in wall-clock time of `timezone`. */
  cron: string;
  /** IANA zone of the workspace, e.g. `Asia/Shanghai`. */
  timezone: string;
}

/** One instance the scheduler would trigger. */
export interface PlannedInstance {
  workflow: string;
  /** The instant it is due. */
  scheduledAt: Date;
  /** T, `yyyymmddhh24miss` wall clock in the workspace zone. */
  cyctime: string;
  /** B = T's day - 1, `yyyymmdd`. */
  bizdate: string;
}

/** Wall-clock fields of an instant in a zone. */
export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timezone: string): Intl.DateTimeFormat {
  let f = formatters.get(timezone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: timezone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
        era: 'short',
      });
    } catch {
      throw new FerryError(ErrorCodes.CONFIG, `unknown time zone "${timezone}" (expected an IANA name such as Asia/Shanghai)`);
    }
    formatters.set(timezone, f);
  }
  return f;
}

/** Throws a CONFIG FerryError naming `timezone` when it is not a known IANA zone. */
export function checkTimeZone(timezone: string): void {
  formatterFor(timezone);
}

/** The wall clock of `date` in `timezone` (seconds precision). */
export function wallClockInZone(date: Date, timezone: string): WallClock {
  const w: WallClock = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  let bc = false;
  for (const part of formatterFor(timezone).formatToParts(date)) {
    if (part.type === 'era') bc = part.value === 'BC' || part.value === 'B';
    else if (part.type in w) w[part.type as keyof WallClock] = Number(part.value);
  }
  if (bc) w.year = 1 - w.year;
  return w;
}

/** Seconds since 1970-01-01 00:00:00 of a wall clock read as if it were UTC. */
function wallSecs(w: WallClock): number {
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) / 1000;
}

/** Zone offset in seconds (wall - UTC) at instant `secs`. */
function offsetAt(secs: number, timezone: string): number {
  return wallSecs(wallClockInZone(new Date(secs * 1000), timezone)) - secs;
}

const p2 = (n: number) => String(n).padStart(2, '0');

/** `yyyymmddhh24miss` of a wall clock. */
export function cyctimeOf(w: WallClock): string {
  return `${String(w.year).padStart(4, '0')}${p2(w.month)}${p2(w.day)}${p2(w.hour)}${p2(w.minute)}${p2(w.second)}`;
}

/** `2024-06-21 00:15:00+08:00`: the instant in the zone, with its offset. */
export function formatInZone(date: Date, timezone: string): string {
  const w = wallClockInZone(date, timezone);
  const off = Math.round((wallSecs(w) - Math.floor(date.getTime() / 1000)) / 60);
  const sign = off < 0 ? '-' : '+';
  const abs = Math.abs(off);
  return `${String(w.year).padStart(4, '0')}-${p2(w.month)}-${p2(w.day)} ${p2(w.hour)}:${p2(w.minute)}:${p2(w.second)}${sign}${p2(Math.floor(abs / 60))}:${p2(abs % 60)}`;
}

/**
 * The instant (seconds) a nominal wall time `ws` runs at in `timezone`: its
 * first occurrence, or for a wall time skipped by DST the instant the clocks
 * jump past it.
 */
export function instantOfWall(ws: number, timezone: string): number {
  // Real zones change offset at most once within a day either side.
  const offsets = [...new Set([offsetAt(ws - 86400, timezone), offsetAt(ws, timezone), offsetAt(ws + 86400, timezone)])];
  const valid = offsets.map((o) => ws - o).filter((t) => offsetAt(t, timezone) === ws - t);
  if (valid.length > 0) return Math.min(...valid);
  // In a gap: between the two candidate instants the offset changes; find the first second after the change.
  const cands = offsets.map((o) => ws - o);
  let lo = Math.min(...cands),
    hi = Math.max(...cands);
  const before = offsetAt(lo, timezone);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetAt(mid, timezone) === before) lo = mid;
    else hi = mid;
  }
  return hi;
}

function cronFor(workflow: string, cron: string): Cron {
  try {
    // Offset 0: the pattern is matched against wall-clock fields, not instants (and utcOffset is far faster than timezone 'UTC').
    return new Cron(cron, { utcOffset: 0, paused: true });
  } catch (err) {
    const where = workflow ? `workflow ${workflow}: ` : '';
    throw new FerryError(ErrorCodes.CONFIG, `${where}schedule.cron "${cron}": ${(err as Error).message}`);
  }
}

/** Throws a CONFIG FerryError naming the workflow when `cron` is not a valid pattern. */
export function checkCron(workflow: string, cron: string): void {
  cronFor(workflow, cron);
}

/**
 * A stretch of instants over which the zone's offset is constant (checked at
 * both ends; real zones never change offset twice within a day), so most
 * wall times are placed with arithmetic instead of Intl calls.
 */
interface OffsetSpan {
  from: number;
  to: number;
  offset: number;
}

/** Room before an instant for the earlier occurrence of a repeated wall time (DST shifts are at most 2 hours). */
const SHIFT_MARGIN = 3 * 3600;

function spanAround(t: number, timezone: string): OffsetSpan | undefined {
  const from = t - SHIFT_MARGIN - 3600,
    to = t + 86400;
  const offset = offsetAt(from, timezone);
  return offsetAt(to, timezone) === offset ? { from, to, offset } : undefined;
}

function cyctimeOfSecs(ws: number): string {
  const d = new Date(ws * 1000);
  return cyctimeOf({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds() });
}

/**
 * The instances of `wf` due at instants in [from, to), in time order, one per
 * distinct cyctime.
 */
export function* instancesOf(wf: ScheduledWorkflow, from: Date, to?: Date): Generator<PlannedInstance> {
  checkTimeZone(wf.timezone);
  const cron = cronFor(wf.name, wf.cron);
  const fromSecs = Math.ceil(from.getTime() / 1000);
  const toSecs = to ? Math.ceil(to.getTime() / 1000) : Infinity;
  // Start a little before `from` on the wall timeline: a nominal time in a DST gap runs later than it reads.
  let cursor = new Date((wallSecs(wallClockInZone(new Date(fromSecs * 1000), wf.timezone)) - 4 * 3600) * 1000 - 1);
  let last = -Infinity;
  let span: OffsetSpan | undefined;
  for (;;) {
    const next = cron.nextRun(cursor);
    if (!next) return;
    cursor = next;
    const ws = Math.floor(next.getTime() / 1000);
    let at: number;
    let cyctime: string;
    const guess = span ? ws - span.offset : NaN;
    if (span && guess - SHIFT_MARGIN >= span.from && guess <= span.to) {
      // Inside a constant-offset stretch with room before it: the wall time occurs exactly once, at `guess`.
      at = guess;
      cyctime = cyctimeOfSecs(ws);
    } else {
      at = instantOfWall(ws, wf.timezone);
      cyctime = cyctimeOf(wallClockInZone(new Date(at * 1000), wf.timezone));
      span = spanAround(at, wf.timezone);
    }
    if (at >= toSecs) return;
    if (at < fromSecs || at === last) continue;
    last = at;
    yield { workflow: wf.name, scheduledAt: new Date(at * 1000), ...cycleTimesForCyctime(cyctime) };
  }
}

/** Every instance of `workflows` due in [from, to), sorted by time (then workflow name). */
export function planInstances(workflows: ScheduledWorkflow[], from: Date, to: Date): PlannedInstance[] {
  const out: PlannedInstance[] = [];
  for (const wf of workflows) for (const inst of instancesOf(wf, from, to)) out.push(inst);
  return out.sort((a, b) => a.scheduledAt.getTime() - b.scheduledAt.getTime() || (a.workflow < b.workflow ? -1 : a.workflow > b.workflow ? 1 : 0));
}

/** The first instance of any workflow due at or after `from`, if any within `horizonMs`. */
export function nextInstance(workflows: ScheduledWorkflow[], from: Date, horizonMs: number): PlannedInstance | undefined {
  let best: PlannedInstance | undefined;
  const to = new Date(from.getTime() + horizonMs);
  for (const wf of workflows) {
    const first = instancesOf(wf, from, to).next();
    if (!first.done && (!best || first.value.scheduledAt < best.scheduledAt)) best = first.value;
  }
  return best;
}

/**
 * The time of day (`HH:mm:ss`) the workflow's instances are scheduled at, so
 * a `--bizdate d` run behaves as the instance scheduled on d + 1: `15 0 * * *`
 * gives `00:15:00`. For several runs a day, the first.
 */
export function scheduledTimeOfDay(cron: string): string {
  const next = cronFor('', cron).nextRun(new Date(Date.UTC(2000, 0, 1) - 1));
  if (!next) throw new FerryError(ErrorCodes.CONFIG, `schedule.cron "${cron}" never runs`);
  return `${p2(next.getUTCHours())}:${p2(next.getUTCMinutes())}:${p2(next.getUTCSeconds())}`;
}
