/**
 * Config schemas: ferry's builders on zod 4 (`t`), validation with ferry's
 * messages, and the schema as documentation. Each field carries a
 * description, so the schema is also the documentation (`ferry plugin describe`).
 */
export { z } from 'zod';
export { t, expecting, expectedOf, type Infer, type Schema, type FieldMeta, type ObjectOptions } from './schema-builders.js';
export { validate, showValue, type Issue } from './schema-validate.js';
export { describeSchema, configJsonSchema, type FieldDoc } from './schema-describe.js';
