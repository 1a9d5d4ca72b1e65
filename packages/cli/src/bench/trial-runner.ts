/**
 * Runs one trial in a child process (trial-child.ts) and waits for its
 * outcome. Stopping (Ctrl-C) sends the child SIGINT so the job aborts and
 * its writer drops what it staged; a hard stop kills it.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { failedTrial, type TrialOutcome, type TrialRequest } from './trial-types.js';

const CHILD = fileURLToPath(new URL('./trial-child.js', import.meta.url));
/** How much of a child's stderr is kept for messages. */
const STDERR_KEEP = 16 * 1024;

/** The outcome plus what the child printed on stderr (warnings). */
export interface TrialRun {
  outcome: TrialOutcome;
  stderr: string;
}

export interface TrialControl {
  /** Aborting asks the child to stop (SIGINT): the job aborts cleanly. */
  signal: AbortSignal;
  /** Aborting kills the child at once (a second Ctrl-C). */
  kill: AbortSignal;
}

/** Runs `req` in a fresh Node process; never rejects. */
export function runTrialProcess(req: TrialRequest, control: TrialControl): Promise<TrialRun> {
  return new Promise((resolve) => {
    // Inspector flags would make every child wait for a debugger on the same port.
    const execArgv = process.execArgv.filter((a) => !a.startsWith('--inspect'));
    const child = fork(CHILD, [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], execArgv });
    let outcome: TrialOutcome | undefined;
    let stderr = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (d: string) => {
      stderr = (stderr + d).slice(-STDERR_KEEP);
    });
    child.on('message', (m) => (outcome = m as TrialOutcome));
    const onStop = () => child.kill('SIGINT');
    const onKill = () => child.kill('SIGKILL');
    if (control.signal.aborted) onStop();
    else control.signal.addEventListener('abort', onStop, { once: true });
    if (control.kill.aborted) onKill();
    else control.kill.addEventListener('abort', onKill, { once: true });
    // A child that cannot start reports through 'error' and still emits 'close'.
    child.on('error', (err) => {
      stderr += `\n${err.message}`;
    });
    child.on('close', (code, sig) => {
      control.signal.removeEventListener('abort', onStop);
      control.kill.removeEventListener('abort', onKill);
      if (!outcome) {
        const last = stderr.trim().split('\n').slice(-3).join(' / ');
        outcome = failedTrial({ code: 'FERRY_ERR_INTERNAL', message: `the trial process ended (${sig ?? `exit ${code}`}) without a result${last ? `: ${last}` : ''}` });
      }
      resolve({ outcome, stderr });
    });
    child.send(req);
  });
}
