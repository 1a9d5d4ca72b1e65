/** Writer `null`: consumes batches and counts them, like DataX's streamwriter with print off. */
import { t } from '../config-schema.js';
import { defineWriter } from '../plugin.js';

interface Counted {
  rows: number;
  batches: number;
}

export default defineWriter({
  name: 'null',
  description: 'discards rows, counting them (tests, benchmarks)',
  config: t.object({}),
  schema: () => null,
  prepare: () => ({}),
  open() {
    const counted: Counted = { rows: 0, batches: 0 };
    return {
      write(batch) {
        counted.rows += batch.numRows;
        counted.batches++;
      },
      close: () => [counted],
    };
  },
  commit(_handle, segments: Counted[]) {
    return { rows: segments.reduce((n, s) => n + s.rows, 0), batches: segments.reduce((n, s) => n + s.batches, 0) };
  },
  abort() {},
});
