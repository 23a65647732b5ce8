// Applies the per-key rate limits to every operation on every transport (HTTP, SSE,
// graphql-sse and WebSocket all execute through these hooks).
import { type DocumentNode, getOperationAST, Kind } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Budget, RateLimits } from '../auth/rateLimits.ts';
import type { Context } from '../schema/context.ts';

const REPORT_FIELDS = new Set(['reportLocation', 'reportLocations', '__typename']);

/** reports: a mutation of only reportLocation(s); manage: any other mutation; reads: the rest. */
export function budgetOf(document: DocumentNode, operationName?: string | null): Exclude<Budget, 'device'> {
  const operation = getOperationAST(document, operationName);
  if (operation?.operation !== 'mutation') return 'reads';
  const fields = operation.selectionSet.selections.map((s) => (s.kind === Kind.FIELD ? s.name.value : ''));
  return fields.every((name) => REPORT_FIELDS.has(name)) ? 'reports' : 'manage';
}

export function useRateLimits(limits: RateLimits): Plugin<Context> {
  const take = (args: { document: DocumentNode; operationName?: string | null; contextValue: unknown }) =>
    limits.consume(
      (args.contextValue as Context).principal.keyId,
      budgetOf(args.document, args.operationName),
    );
  return {
    onExecute: async ({ args }) => {
      await take(args);
    },
    onSubscribe: async ({ args }) => {
      await take(args);
    },
  };
}
