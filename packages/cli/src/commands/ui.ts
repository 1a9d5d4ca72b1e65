/**
 * `ferry ui`: a read-only local web page over the workspace and its store
 * (workflows, instances, logs, tables, queries, bench reports), served
 * until Ctrl-C. See ../ui/server.ts.
 */
import { Command } from 'commander';
import { ErrorCodes, FerryError } from '@ferry/core';
import { resolveStoreDir } from '@ferry/writer-table';
import { createUiServer } from '../ui/server.js';
import { resolveTarget, targetOptions, type TargetOptions } from '../workspace-target.js';

interface UiOptions extends TargetOptions {
  port: string;
  host: string;
  queryRows: string;
  queryTimeout: string;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/i;

function wholeNumber(text: string, flag: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) throw new FerryError(ErrorCodes.USAGE, `${flag} ${text}: expected a whole number from ${min} to ${max}`);
  return n;
}

/** `ferry ui`. */
export function uiCommand(): Command {
  const cmd = new Command('ui')
    .description('a read-only web page on this machine: workflows, instances and node logs, tables and partitions, SQL queries, bench reports')
    .option('--port <port>', 'port to listen on (0: any free port)', '4321')
    .option('--host <address>', 'address to listen on; anything but 127.0.0.1 lets other machines in, with no login', '127.0.0.1')
    .option('--query-rows <n>', 'rows a query shows at most (per statement)', '1000')
    .option('--query-timeout <seconds>', 'time a query may take before it is stopped', '30');
  return targetOptions(cmd).action(async (opts: UiOptions) => {
    const port = wholeNumber(opts.port, '--port', 0, 65535);
    const rows = wholeNumber(opts.queryRows, '--query-rows', 1, 100_000);
    const timeout = wholeNumber(opts.queryTimeout, '--query-timeout', 1, 3600);
    const target = await resolveTarget(opts);
    const storeDir = resolveStoreDir(target.storeDir);
    const loopback = LOOPBACK.test(opts.host);
    const ui = createUiServer({
      ...(target.workspace ? { workspaceFile: target.workspace.file } : {}),
      env: target.env,
      storeDir,
      project: target.project.toLowerCase(),
      limits: { rows, timeoutMs: timeout * 1000 },
    });
    await new Promise<void>((resolvePromise, reject) => {
      ui.server.once('error', (err: NodeJS.ErrnoException) => {
        const why =
          err.code === 'EADDRINUSE'
            ? `port ${port} is in use (give another --port, or --port 0 for any free one)`
            : err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND'
              ? `${opts.host} is not an address of this machine`
              : err.message;
        reject(new FerryError(ErrorCodes.USAGE, `cannot listen on ${opts.host}:${port}: ${why}`));
      });
      ui.server.listen(port, opts.host, () => resolvePromise());
    });
    const addr = ui.server.address();
    const actual = typeof addr === 'object' && addr ? addr.port : port;
    const shown = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
    // Bound to loopback: the Host header must name it too, so a web page elsewhere cannot reach the server through DNS rebinding.
    if (loopback) {
      const ctxHosts = new Set([`127.0.0.1:${actual}`, `localhost:${actual}`, `[::1]:${actual}`, `${shown.toLowerCase()}:${actual}`]);
      ui.setAllowedHosts(ctxHosts);
    } else {
      process.stderr.write(
        `ferry ui: WARNING: listening on ${shown}:${actual}, not 127.0.0.1: there is no login; anyone who can reach this address can read the workflows, logs and tables (data source secrets are never shown)\n`,
      );
    }
    const where = target.workspace ? `workspace ${target.workspace.name}, env ${target.env}, store ${storeDir}` : `store ${storeDir}, project ${target.project}`;
    process.stdout.write(`ferry ui: http://${shown}:${actual}/ (${where}); Ctrl-C to stop\n`);
    await new Promise<void>((resolvePromise) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolvePromise();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    await ui.close();
    process.exitCode = 0;
  });
}
