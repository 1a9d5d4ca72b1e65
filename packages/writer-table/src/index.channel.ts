/**
 * What channel threads load of the `table` writer (see WriterChannel in
 * @ferry/core): its `open`, without the config schema and the catalog.
 */
import type { WriterChannel } from '@ferry/core/channel';
import type { DataFile } from './catalog.js';
import { openChannel } from './channel-sink.js';
import type { TableWriteHandle } from './writer.js';

export default {
  kind: 'writer',
  name: 'table',
  open: (handle, ctx) => openChannel(handle, ctx.splitIndex, ctx.batchesHandedOver === true),
} satisfies WriterChannel<TableWriteHandle, DataFile>;
