/**
 * What channel threads load of the `httpfile` reader (see ReaderChannel in
 * @ferry/core): its `read`, without the config schema, planning and checks.
 */
import type { ReaderChannel } from '@ferry/core/channel';
import type { ReaderConfig } from './config.js';
import { readSplit, type ReadContext } from './read.js';
import type { HttpSplit } from './split.js';

export default {
  kind: 'reader',
  name: 'httpfile',
  read: (split, ctx) => readSplit(split, ctx.config, ctx.schema, ctx as ReadContext),
} satisfies ReaderChannel<ReaderConfig, HttpSplit>;
