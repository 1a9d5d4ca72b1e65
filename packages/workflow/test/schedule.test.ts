import { describe, expect, it } from 'vitest';
import { FerryError } from '@ferry/core';
import { formatInZone, planInstances, scheduledTimeOfDay, wallClockInZone, type ScheduledWorkflow } from '@ferry/workflow';

const wf = (cron: string, timezone: string, name = 'WF'): ScheduledWorkflow => ({ name, cron, timezone });

/** Plan rows as `scheduled time in zone | cyctime | bizdate`. */
function plan(w: ScheduledWorkflow | ScheduledWorkflow[], from: string, to: string): string[] {
  const list = Array.isArray(w) ? w : [w];
  return planInstances(list, new Date(from), new Date(to)).map(
    (i) => `${list.length > 1 ? i.workflow + ' ' : ''}${formatInZone(i.scheduledAt, list.find((x) => x.name === i.workflow)!.timezone)} ${i.cyctime} ${i.bizdate}`,
  );
}

describe('planInstances', () => {
  it('Asia/Shanghai daily 00:15 has the previous day as business date', () => {
    expect(plan(wf('15 0 * * *', 'Asia/Shanghai'), '2024-06-19T12:00:00Z', '2024-06-21T12:00:00Z')).toEqual([
      '2024-06-20 00:15:00+08:00 20240620001500 20240619',
      '2024-06-21 00:15:00+08:00 20240621001500 20240620',
    ]);
  });

  it('plans in the workspace zone whatever the machine zone is: the 16:15 UTC run belongs to the next Shanghai day', () => {
    const [inst] = planInstances([wf('15 0 * * *', 'Asia/Shanghai')], new Date('2024-06-20T16:00:00Z'), new Date('2024-06-20T17:00:00Z'));
    expect(inst!.scheduledAt.toISOString()).toBe('2024-06-20T16:15:00.000Z');
    expect(inst!.bizdate).toBe('20240620');
  });

  it('from is inclusive and to exclusive', () => {
    const rows = plan(wf('15 0 * * *', 'Asia/Shanghai'), '2024-06-20T16:15:00Z', '2024-06-21T16:15:00Z');
    expect(rows).toEqual(['2024-06-21 00:15:00+08:00 20240621001500 20240620']);
  });

  it('a range across months and a year end gives one instance a day with the right business dates', () => {
    const rows = planInstances([wf('15 0 * * *', 'Asia/Shanghai')], new Date('2024-01-30T00:00:00+08:00'), new Date('2024-03-02T00:00:00+08:00'));
    expect(rows).toHaveLength(32);
    expect(rows.map((r) => r.bizdate).slice(0, 3)).toEqual(['20240129', '20240130', '20240131']);
    expect(rows.find((r) => r.cyctime.startsWith('20240301'))!.bizdate).toBe('20240229');
    const ny = planInstances([wf('15 0 * * *', 'Asia/Shanghai')], new Date('2024-12-31T00:00:00+08:00'), new Date('2025-01-02T00:00:00+08:00'));
    expect(ny.map((r) => `${r.cyctime}/${r.bizdate}`)).toEqual(['20241231001500/20241230', '20250101001500/20241231']);
  });

  it('DST starts in New York: a daily run in the skipped hour runs when the clocks jump, once', () => {
    expect(plan(wf('30 2 * * *', 'America/New_York'), '2024-03-09T00:00:00Z', '2024-03-12T00:00:00Z')).toEqual([
      '2024-03-09 02:30:00-05:00 20240309023000 20240308',
      '2024-03-10 03:00:00-04:00 20240310030000 20240309',
      '2024-03-11 02:30:00-04:00 20240311023000 20240310',
    ]);
  });

  it('DST starts in Berlin: an hourly node has 23 instances, the 02:00 slot merging with 03:00', () => {
    const rows = plan(wf('0 * * * *', 'Europe/Berlin'), '2024-03-30T23:00:00Z', '2024-03-31T22:00:00Z');
    expect(rows).toHaveLength(23);
    expect(rows.slice(0, 3)).toEqual(['2024-03-31 00:00:00+01:00 20240331000000 20240330', '2024-03-31 01:00:00+01:00 20240331010000 20240330', '2024-03-31 03:00:00+02:00 20240331030000 20240330']);
  });

  it('DST ends in New York: a daily time that occurs twice runs once, at its first occurrence', () => {
    expect(plan(wf('30 1 * * *', 'America/New_York'), '2024-11-02T12:00:00Z', '2024-11-04T12:00:00Z')).toEqual([
      '2024-11-03 01:30:00-04:00 20241103013000 20241102',
      '2024-11-04 01:30:00-05:00 20241104013000 20241103',
    ]);
  });

  it('DST ends in Berlin: a plan starting inside the repeated hour does not run its times again', () => {
    // 01:10Z is 02:10 CET, the second 02:10 of the day; the 02:30 slot already ran at 02:30 CEST (00:30Z).
    expect(plan(wf('30 2 * * *', 'Europe/Berlin'), '2024-10-27T01:10:00Z', '2024-10-28T12:00:00Z')).toEqual(['2024-10-28 02:30:00+01:00 20241028023000 20241027']);
    const hourly = plan(wf('0 * * * *', 'Europe/Berlin'), '2024-10-26T22:00:00Z', '2024-10-27T23:00:00Z');
    expect(hourly).toHaveLength(24);
    expect(hourly.filter((r) => r.includes(' 02:00:00'))).toEqual(['2024-10-27 02:00:00+02:00 20241027020000 20241026']);
  });

  it('a year of half-hourly instances matches the wall clock of every half hour, repeated wall times once', () => {
    // Oracle: every half-hour instant, labelled with its wall time in the zone, keeping the first of a repeated label.
    for (const tz of ['Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Shanghai', 'America/Santiago']) {
      const from = new Date('2024-01-01T00:00:00Z'),
        to = new Date('2025-01-01T00:00:00Z');
      const expected: string[] = [];
      const seen = new Set<string>();
      for (let t = from.getTime(); t < to.getTime(); t += 1_800_000) {
        const w = wallClockInZone(new Date(t), tz);
        const cyc = `${w.year}${String(w.month).padStart(2, '0')}${String(w.day).padStart(2, '0')}${String(w.hour).padStart(2, '0')}${String(w.minute).padStart(2, '0')}00`;
        if (!seen.has(cyc)) expected.push(`${new Date(t).toISOString()} ${cyc}`);
        seen.add(cyc);
      }
      const got = planInstances([wf('*/30 * * * *', tz)], from, to).map((i) => `${i.scheduledAt.toISOString()} ${i.cyctime}`);
      expect(got, tz).toEqual(expected);
    }
  });

  it('sorts instances of several workflows by time', () => {
    const rows = plan(
      [wf('0 1 * * *', 'Asia/Shanghai', 'B'), wf('30 0 * * *', 'Asia/Shanghai', 'A'), wf('0 1 * * *', 'Asia/Shanghai', 'A2')],
      '2024-06-20T00:00:00+08:00',
      '2024-06-21T00:00:00+08:00',
    );
    expect(rows.map((r) => r.split(' ').slice(0, 3).join(' '))).toEqual(['A 2024-06-20 00:30:00+08:00', 'A2 2024-06-20 01:00:00+08:00', 'B 2024-06-20 01:00:00+08:00']);
  });

  it('bad cron patterns and zones are config errors naming them', () => {
    const err = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        expect(e).toBeInstanceOf(FerryError);
        return (e as FerryError).message;
      }
      throw new Error('expected an error');
    };
    expect(err(() => planInstances([wf('61 0 * * *', 'UTC', 'Daily')], new Date(0), new Date(86400e3)))).toMatch(/workflow Daily: schedule.cron "61 0 \* \* \*"/);
    expect(err(() => planInstances([wf('0 0 * * *', 'Mars/Olympus')], new Date(0), new Date(86400e3)))).toContain('Mars/Olympus');
  });
});

describe('helpers', () => {
  it('wallClockInZone reads the zone, not the machine', () => {
    expect(wallClockInZone(new Date('2024-06-20T16:15:00Z'), 'Asia/Shanghai')).toEqual({ year: 2024, month: 6, day: 21, hour: 0, minute: 15, second: 0 });
    expect(wallClockInZone(new Date('2024-06-20T16:15:00Z'), 'America/New_York')).toEqual({ year: 2024, month: 6, day: 20, hour: 12, minute: 15, second: 0 });
  });

  it('scheduledTimeOfDay is the time of the first run of a day', () => {
    expect(scheduledTimeOfDay('15 0 * * *')).toBe('00:15:00');
    expect(scheduledTimeOfDay('30 2 * * 1')).toBe('02:30:00');
    expect(scheduledTimeOfDay('0 */6 * * *')).toBe('00:00:00');
    expect(scheduledTimeOfDay('10 30 23 * * *')).toBe('23:30:10');
  });
});
