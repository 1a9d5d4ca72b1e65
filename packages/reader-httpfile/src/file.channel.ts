/**
 * What channel threads load of the `file` reader (see ReaderChannel in
 * @ferry/core): its `read`, without the config schema, planning and checks.
 */
import type { ReaderChannel } from '@ferry/core/channel';
import type { NormalizedFileConfig } from './file-config.js';
import { readFileSplit } from './file-read.js';
import type { FileRange } from './file-regions.js';
import type { ReadContext } from './read.js';

export default {
  kind: 'reader',
  name: 'file',
  read: (split, ctx) => readFileSplit(split, ctx.config, ctx.schema, ctx as ReadContext),
} satisfies ReaderChannel<NormalizedFileConfig, FileRange>;
