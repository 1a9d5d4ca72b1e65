// `ferry run ... --json` as a child process, for the benchmarks: resolves to its wall time and its
// --json result; rejects with the error when the run did not succeed.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const CLI = join(new URL('..', import.meta.url).pathname, 'packages/cli/bin/ferry.js');

/** Runs `ferry run <args> --json`; resolves to `{ ms, result }`. */
export function ferryRunJson(args) {
  return new Promise((res, rej) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [CLI, 'run', ...args, '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', rej);
    child.on('close', (code) => {
      const ms = performance.now() - t0;
      let result;
      try {
        result = JSON.parse(out);
      } catch {
        return rej(new Error(`ferry run exited ${code}: ${out.slice(0, 500)}`));
      }
      if (code !== 0 || result.status !== 'succeeded') return rej(new Error(`ferry run failed: ${result.error?.message ?? code}`));
      res({ ms, result });
    });
  });
}
