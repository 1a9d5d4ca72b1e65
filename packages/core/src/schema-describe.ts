/**
 * A config schema as documentation (`ferry plugin describe`): each field's
 * path, what it expects, whether it is required, its default, description
 * and an example, read from zod's JSON Schema of the config.
 */
import { z } from 'zod';
import type { Schema } from './schema-builders.js';

/** One documented field. */
export interface FieldDoc {
  path: string;
  expected: string;
  required: boolean;
  description?: string;
  default?: unknown;
  example?: unknown;
}

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  description?: string;
  default?: unknown;
  examples?: unknown[];
  expected?: string;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  items?: JsonSchema;
  minimum?: number;
}

/** The JSON Schema (draft 2020-12) of a config, as zod writes it (input side: fields with defaults are optional). */
export function configJsonSchema(schema: Schema<unknown>): Record<string, unknown> {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}

/** Lists the fields of an object schema (nested objects too) with what they expect. */
export function describeSchema(schema: Schema<unknown>): FieldDoc[] {
  return fields(configJsonSchema(schema) as JsonSchema, '');
}

function fields(s: JsonSchema, prefix: string): FieldDoc[] {
  const rows: FieldDoc[] = [];
  for (const [key, f] of Object.entries(s.properties ?? {})) {
    const path = prefix ? `${prefix}.${key}` : key;
    const row: FieldDoc = { path, expected: f.expected ?? words(f), required: (s.required ?? []).includes(key) && f.default === undefined };
    if (f.description) row.description = f.description;
    if (f.default !== undefined) row.default = f.default;
    const example = f.examples?.[0] ?? f.default ?? f.enum?.[0];
    if (example !== undefined) row.example = example;
    rows.push(row, ...fields(f, path));
  }
  return rows;
}

function words(f: JsonSchema): string {
  if (f.enum) return `one of ${f.enum.map((v) => JSON.stringify(v)).join(', ')}`;
  if (f.anyOf) return f.anyOf.map(words).join(' or ');
  switch (f.type) {
    case 'integer':
      return 'an integer';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'true or false';
    case 'string':
      return 'a string';
    case 'array':
      return `a list of ${f.items ? words(f.items) : 'values'}`;
    case 'object':
      return 'an object';
    default:
      return 'a value';
  }
}
