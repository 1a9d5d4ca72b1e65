/**
 * Is the process that recorded something still the one running? A pid alone
 * is not enough (pids are reused, machines reboot): Linux gives the boot id
 * and the process start time, kept next to the pid. The store's pending
 * writes and leases, and the engine's run records, use this one check.
 */
import { readFileSync } from 'node:fs';

/** Linux: the boot id and the process start time (clock ticks since boot). */
export interface ProcIdentity {
  boot?: string;
  start?: string;
}

function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The start time of a process (field 22 of /proc/<pid>/stat), when the platform has /proc. */
function procStart(pid: number): string | undefined {
  const stat = readProc(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  // The command name may hold spaces and parentheses: count fields after its closing ')'.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}

let self: ProcIdentity | undefined;

/** This process's identity. */
export function selfIdentity(): ProcIdentity {
  self ??= { boot: readProc('/proc/sys/kernel/random/boot_id')?.trim(), start: procStart(process.pid) };
  return self;
}

/**
 * True when the process that recorded `pid` (and `proc`) still runs: the pid
 * exists, the machine has not rebooted since, and the pid was not reused.
 */
export function ownerAlive(pid: number, proc?: ProcIdentity): boolean {
  if (pid === process.pid) return true;
  if (proc?.boot && selfIdentity().boot && proc.boot !== selfIdentity().boot) return false;
  if (!isAlive(pid)) return false;
  const start = proc?.start ? procStart(pid) : undefined;
  return !(start && start !== proc!.start);
}

/** True when a process with this pid exists (EPERM: exists, owned by someone else). */
export function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
