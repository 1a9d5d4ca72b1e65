/** Shared pieces of commands that run jobs: signal handling and scheduling expressions. */
import { cycleTimesForBizdate, evalDateExpression } from '@ferry/core';
import { type RunOptions } from '@ferry/core/engine';

/**
 * Runs `fn` with a signal that aborts on SIGINT/SIGTERM; a second signal
 * exits at once (130).
 */
export async function withSignals<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let count = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    count++;
    if (count > 1) process.exit(130);
    process.stderr.write(`\nferry: ${sig} received, stopping (the destination is left as it was)...\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await fn(controller.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/**
 * Scheduling expressions (${yyyymmdd-1}, $[hh24miss]) for a business date:
 * the run behaves as the instance scheduled on bizdate + 1 at `timeOfDay`.
 */
export function expressionResolver(bizdate: string | undefined, timeOfDay = '00:00:00'): RunOptions['expressions'] {
  if (bizdate === undefined) return undefined;
  const times = cycleTimesForBizdate(bizdate, timeOfDay);
  return (body, bracket) => evalDateExpression(body, bracket, times);
}
