/** Live progress: a rewritten line on a terminal, plain periodic lines otherwise. */
import { formatProgress } from '@ferry/core';
import { type Progress } from '@ferry/core/engine';

/** The live line: records (with % and ETA when the total is known), bytes, rates, dirty, splits. */
export function progressLine(p: Progress): string {
  return formatProgress(p);
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
