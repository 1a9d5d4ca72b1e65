/** The source schema: one Arrow Utf8 field per column, the declared type kept as a hint. */
import { Field, Schema, Utf8 } from 'apache-arrow';
import { ferryField } from '@ferry/core';
import type { ReaderConfig } from './config.js';

/** Metadata key holding the type a column declared in the job (`long`, `date`, ...). */
export const SOURCE_TYPE_KEY = 'ferry.sourceType';

/**
 * Every column is text here: the engine's convert step casts it to the
 * destination type and turns what does not parse into dirty records.
 */
export function buildSchema(cfg: ReaderConfig): Schema {
  return new Schema(
    cfg.columns.map((c) => {
      const base = ferryField(c.name, 'string');
      return new Field(c.name, new Utf8(), true, new Map([...base.metadata, [SOURCE_TYPE_KEY, c.type]]));
    }),
  );
}
