import { describe, expect, it } from 'vitest';
import { cycleTimesForBizdate, cycleTimesForCyctime, evalBuiltin, evalDateExpression, FerryError, substituteSchedulingParams, type CycleTimes } from '@ferry/core';

// SCHEDULING.md's worked examples: daily node, T = 2024-06-21 00:15:00, B = 2024-06-20.
const T: CycleTimes = { bizdate: '20240620', cyctime: '20240621001500' };

const sub = (text: string, times: CycleTimes = T) => substituteSchedulingParams(text, times);

function paramError(fn: () => unknown): FerryError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(FerryError);
    expect((err as FerryError).code).toBe('FERRY_ERR_PARAM');
    return err as FerryError;
  }
  throw new Error('expected a FerryError');
}

describe('worked examples of SCHEDULING.md', () => {
  const rows: [string, string][] = [
    ['$bizdate', '20240620'],
    ['${yyyymmdd}', '20240620'],
    ['$[yyyymmdd-1]', '20240620'],
    ['${yyyy-mm-dd}', '2024-06-20'],
    ['${yyyymmdd-1}', '20240619'],
    ['${yyyymmdd-7}', '20240613'],
    ['${yyyymm-1}', '202405'],
    ['$cyctime', '20240621001500'],
    ['$[yyyymmddhh24miss]', '20240621001500'],
    ['$[yyyymmdd]', '20240621'],
    ['$[hh24miss]', '001500'],
    ['$[hh24miss-1/24]', '231500'],
    ['$[yyyymmddhh24-1/24]', '2024062023'],
    ['$[yyyymmdd-1-1/24]', '20240619'],
    ['$[add_months(yyyymmdd,-1)]', '20240521'],
    ['$gmtdate', '20240621'],
    ['$bizmonth', '202405'],
  ];
  for (const [expr, value] of rows) {
    it(`${expr} is ${value}`, () => expect(sub(expr)).toBe(value));
  }

  it('a --bizdate run at 00:15 gets the same base times as the scheduled instance', () => {
    expect(cycleTimesForBizdate('20240620', '00:15')).toEqual(T);
    expect(cycleTimesForCyctime('20240621001500')).toEqual(T);
  });
});

describe('cycle times', () => {
  it('bizdate defaults to midnight of the next day and crosses month and year ends', () => {
    expect(cycleTimesForBizdate('20241231')).toEqual({ bizdate: '20241231', cyctime: '20250101000000' });
    expect(cycleTimesForBizdate('20240229', '23:59:59')).toEqual({ bizdate: '20240229', cyctime: '20240301235959' });
    expect(cycleTimesForBizdate('2024-02-28', '01:02')).toEqual({ bizdate: '20240228', cyctime: '20240229010200' });
  });

  it('cyctime on the first of a year has the last day of the previous year as bizdate', () => {
    expect(cycleTimesForCyctime('20250101001500').bizdate).toBe('20241231');
    expect(cycleTimesForCyctime('20240301000000').bizdate).toBe('20240229');
    expect(cycleTimesForCyctime('20230301000000').bizdate).toBe('20230228');
  });

  it('rejects dates that do not exist and bad times of day', () => {
    expect(paramError(() => cycleTimesForBizdate('20230229')).message).toContain('20230229');
    expect(paramError(() => cycleTimesForBizdate('2024062')).message).toContain('yyyymmdd');
    expect(paramError(() => cycleTimesForBizdate('20240620', '24:00')).message).toContain('24:00');
    expect(paramError(() => cycleTimesForCyctime('20240621246000')).message).toContain('20240621246000');
  });
});

describe('${...} offsets', () => {
  it('counts days when the format has dd, across months, years and leap days', () => {
    const b = cycleTimesForBizdate('20240301');
    expect(sub('${yyyymmdd-1}', b)).toBe('20240229');
    expect(sub('${yyyymmdd+1}', b)).toBe('20240302');
    expect(sub('${yyyy-mm-dd-366}', b)).toBe('2023-03-01');
    expect(sub('${yyyymmdd-1}', cycleTimesForBizdate('20250101'))).toBe('20241231');
    expect(sub('${yyyymmdd+1}', cycleTimesForBizdate('20231231'))).toBe('20240101');
  });

  it('counts months for yyyymm and years for yyyy', () => {
    const b = cycleTimesForBizdate('20240131');
    expect(sub('${yyyymm-1}', b)).toBe('202312');
    expect(sub('${yyyymm+1}', b)).toBe('202402');
    expect(sub('${yyyy-mm-13}', b)).toBe('2022-12');
    expect(sub('${yyyy-1}', b)).toBe('2023');
    expect(sub('${yy}', b)).toBe('24');
    expect(sub('${mmdd}', b)).toBe('0131');
  });

  it('keeps literal separators', () => {
    expect(sub('${yyyy/mm/dd}')).toBe('2024/06/20');
    expect(sub('${yyyy_mm_dd-1}')).toBe('2024_06_19');
    expect(sub('dt=${yyyymmdd}/hour=00')).toBe('dt=20240620/hour=00');
  });
});

describe('$[...] offsets and add_months', () => {
  it('moves the whole instant, so an hour back past midnight changes the date', () => {
    const t = cycleTimesForCyctime('20240101003000');
    expect(sub('$[yyyy-mm-dd hh24:mi:ss-1/24]', t)).toBe('2023-12-31 23:30:00');
    expect(sub('$[hh24mi-30/24/60]', t)).toBe('0000');
    expect(sub('$[yyyymmddhh24mi-31/24/60]', t)).toBe('202312312359');
    expect(sub('$[yyyymmddhh24+2/24]', t)).toBe('2024010102');
    expect(sub('$[yyyymmdd+1+1/24-5/24/60]', t)).toBe('20240102');
  });

  it('prints hh on a 12-hour clock and hh24 on a 24-hour clock', () => {
    const t = cycleTimesForCyctime('20240621130000');
    expect(sub('$[hh]', t)).toBe('01');
    expect(sub('$[hh24]', t)).toBe('13');
    expect(sub('$[hh]', cycleTimesForCyctime('20240621000000'))).toBe('12');
  });

  it('add_months clamps the day to the end of the target month', () => {
    expect(sub('$[add_months(yyyymmdd,-1)]', cycleTimesForCyctime('20240331001500'))).toBe('20240229');
    expect(sub('$[add_months(yyyymmdd,-1)]', cycleTimesForCyctime('20230331001500'))).toBe('20230228');
    expect(sub('$[add_months(yyyy-mm-dd,-12)]', cycleTimesForCyctime('20240229001500'))).toBe('2023-02-28');
    expect(sub('$[add_months(yyyymm,+1)]', cycleTimesForCyctime('20241231001500'))).toBe('202501');
    expect(sub('$[add_months(yyyymmddhh24miss,1)]', cycleTimesForCyctime('20240131234500'))).toBe('20240229234500');
  });
});

describe('built-ins', () => {
  it('$bizmonth is the business month once the scheduled time is in the next month', () => {
    expect(evalBuiltin('bizmonth', cycleTimesForCyctime('20240701001500'))).toBe('202406');
    expect(evalBuiltin('bizmonth', cycleTimesForCyctime('20240630001500'))).toBe('202405');
    expect(evalBuiltin('bizmonth', cycleTimesForCyctime('20240101001500'))).toBe('202312');
    expect(evalBuiltin('bizmonth', cycleTimesForCyctime('20240115001500'))).toBe('202312');
  });

  it('unknown built-ins are left for others', () => {
    expect(evalBuiltin('jobid', T)).toBeUndefined();
    expect(sub('$jobid $bizdate_suffix price$')).toBe('$jobid $bizdate_suffix price$');
  });
});

describe('params, env and malformed expressions', () => {
  it('leaves param names and ${env:...} untouched', () => {
    expect(evalDateExpression('bizdate', '{', T)).toBeUndefined();
    expect(evalDateExpression('dd_table', '{', T)).toBeUndefined();
    expect(evalDateExpression('table', '[', T)).toBeUndefined();
    expect(sub('${bizdate} ${env:DB_PASSWORD} ${table} $bizdate')).toBe('${bizdate} ${env:DB_PASSWORD} ${table} 20240620');
  });

  it('replaces several expressions in one text without re-reading the output', () => {
    expect(sub("where dt >= '${yyyy-mm-dd-6}' and dt <= '${yyyy-mm-dd}' -- $cyctime")).toBe("where dt >= '2024-06-14' and dt <= '2024-06-20' -- 20240621001500");
  });

  it('errors name the malformed expression', () => {
    expect(paramError(() => sub('${yyyymmdd+x}')).message).toContain('${yyyymmdd+x}');
    expect(paramError(() => sub('${yyyymmdd-1/24}')).message).toMatch(/\$\{yyyymmdd-1\/24\}.*only available in \$\[/);
    expect(paramError(() => sub('${yyyymmddhh24}')).message).toMatch(/\$\{yyyymmddhh24\}.*\$\[/);
    expect(paramError(() => sub('$[yyyymmdd-1/25]')).message).toContain('$[yyyymmdd-1/25]');
    expect(paramError(() => sub('$[yyyymmdd*2]')).message).toContain('$[yyyymmdd*2]');
    expect(paramError(() => sub('$[add_months(yyyymmdd)]')).message).toContain('$[add_months(yyyymmdd)]');
    expect(paramError(() => sub('$[add_months(yyyymmdd,-1/24)]')).message).toContain('add_months');
  });
});
