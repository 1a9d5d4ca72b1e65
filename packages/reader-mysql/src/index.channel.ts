/**
 * What channel threads load of the `mysql` reader (see ReaderChannel in
 * @ferry/core): its `read`, without the config schema, planning and checks.
 */
import type { ReaderChannel } from '@ferry/core/channel';
import type { MysqlConfig } from './config.js';
import { readSplit } from './read.js';
import type { MysqlSplit } from './splits.js';

export default {
  kind: 'reader',
  name: 'mysql',
  read: readSplit,
} satisfies ReaderChannel<MysqlConfig, MysqlSplit>;
