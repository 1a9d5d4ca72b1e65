/** Arrow schemas cross threads as IPC bytes: exact, metadata included. */
import { type Schema, Table, tableFromIPC, tableToIPC } from 'apache-arrow';

export function schemaToBytes(schema: Schema): Uint8Array {
  return tableToIPC(new Table(schema), 'stream');
}

export function schemaFromBytes(bytes: Uint8Array): Schema {
  return tableFromIPC(bytes).schema;
}
