/**
 * Job-wide `speed.records` / `speed.bytes` across processes and hosts: one
 * GCRA schedule per kind in Redis, the same rule as core's shared-memory
 * bucket (rate-limit.ts). A consumer of `n` units reserves the next
 * `n / rate` seconds of the schedule in one Lua call (Redis' clock, so hosts
 * need no synchronised clocks) and sleeps until its reservation ends. Over a
 * run the total rate is exact within one batch, whatever the number of
 * workers. Channel threads load this module by URL (`ChannelTask.limiter`).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChannelLimiter, LimiterFactory } from '@ferry/core/engine';
import type { Redis } from 'ioredis';
import { keys } from './protocol.js';
import { redisClient, redisError } from './redis.js';

/** KEYS[1] the schedule; ARGV: cost (µs), burst (µs), TTL (ms). Returns µs to wait. */
export const GCRA_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local start = math.max(tat, now - tonumber(ARGV[2]))
local finish = start + tonumber(ARGV[1])
redis.call('SET', KEYS[1], string.format('%.0f', finish), 'PX', tonumber(ARGV[3]))
return math.floor(finish - now)
`;

/** What the coordinator puts in `ChannelTask.limiter.options`. */
export interface RedisLimiterOptions {
  redis: string;
  runId: string;
}

/** Like core's bucket: a short burst lets a channel that was idle catch up a little. */
const BURST_US = 50_000;

const clients = new Map<string, Redis>();

function clientFor(url: string): Redis {
  let c = clients.get(url);
  if (!c) {
    c = redisClient(url, { name: 'ferry-limiter' });
    clients.set(url, c);
  }
  return c;
}

/** A limiter of `rate` units/s on the run's schedule of `kind`. */
export function redisLimiter(client: Redis, url: string, runId: string, kind: string, rate: number): ChannelLimiter {
  const key = keys.rate(runId, kind);
  const usPerUnit = 1e6 / rate;
  return {
    async take(n: number, signal?: AbortSignal) {
      if (n <= 0) return;
      const cost = Math.round(n * usPerUnit);
      let waitUs: number;
      try {
        waitUs = Number(await client.eval(GCRA_SCRIPT, 1, key, cost, BURST_US, 3_600_000));
      } catch (err) {
        throw redisError(url, err, `the job-wide ${kind}/s limit could not reach Redis`);
      }
      if (waitUs > 1000) await sleep(waitUs / 1000, undefined, signal ? { signal } : undefined);
    },
  };
}

const factory: LimiterFactory = (options, kind, rate) => {
  const o = options as RedisLimiterOptions;
  return redisLimiter(clientFor(o.redis), o.redis, o.runId, kind, rate);
};
export default factory;
