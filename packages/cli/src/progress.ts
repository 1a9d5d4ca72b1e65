/** Live progress: a rewritten line on a terminal, plain periodic lines otherwise. */
import type { Progress } from '@ferry/core';
import { bytes, int } from './format.js';

export function progressLine(p: Progress): string {
  const secs = Math.max(p.elapsedMs / 1000, 0.001);
  return `${int(p.recordsRead)} records, ${bytes(p.bytesRead)}, ${int(p.recordsRead / secs)} rec/s, ${(p.bytesRead / secs / 1e6).toFixed(1)} MB/s, dirty ${int(p.dirtyRecords)}, splits ${p.splitsDone}/${p.splitsTotal}`;
}

export interface ProgressReporter {
  update(p: Progress): void;
  done(): void;
  /** How often the engine should call update. */
  intervalMs: number;
}

/** On a TTY: one line rewritten in place 4x a second; else a line every 10 s. */
export function createProgress(stream: NodeJS.WriteStream = process.stderr): ProgressReporter {
  if (stream.isTTY) {
    let shown = false;
    return {
      intervalMs: 250,
      update(p) {
        stream.write(`\r\x1b[K${progressLine(p)}`);
        shown = true;
      },
      done() {
        if (shown) stream.write('\r\x1b[K');
      },
    };
  }
  return {
    intervalMs: 10_000,
    update(p) {
      stream.write(`progress: ${progressLine(p)}\n`);
    },
    done() {},
  };
}
