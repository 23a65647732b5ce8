// Assembles the schema from the domain type files.
import { lexicographicSortSchema, printSchema } from 'graphql';
import { builder } from './builder.ts';
import './apiKey.ts';
import './device.ts';
import './geofence.ts';
import './location.ts';
import './webhook.ts';

export const schema = builder.toSchema();

/** The SDL committed as schema.graphql (sorted, so diffs stay small). */
export const printedSchema = () => `${printSchema(lexicographicSortSchema(schema))}\n`;
