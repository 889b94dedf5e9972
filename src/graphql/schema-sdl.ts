import { lexicographicSortSchema, printSchema } from 'graphql';
import { schema } from './schema/index.ts';

/** The schema as committed in schema.graphql: sorted, so the file changes only when the API does. */
export const renderSchemaSdl = (): string => `${printSchema(lexicographicSortSchema(schema))}\n`;
