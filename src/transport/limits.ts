// Limits on what one GraphQL document may ask for, on every transport (they hook into
// parse and validate, which HTTP, SSE, graphql-sse and WebSocket all go through).
// GraphQL Armor's plugins do the counting; the numbers come from the configuration.
import { blockFieldSuggestionsPlugin } from '@escape.tech/graphql-armor-block-field-suggestions';
import { costLimitPlugin } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import type { GraphQLError, ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { QueryLimits } from '../config.ts';

// Armor's rules throw by default, which turns a refusal into an unexpected error; report
// it as a validation error instead (HTTP 400, GRAPHQL_VALIDATION_FAILED, like any invalid document).
const asValidationError = {
  propagateOnRejection: false,
  onReject: [(context: ValidationContext | null, error: GraphQLError) => context?.reportError(error)],
};

export function queryLimitPlugins(limits: QueryLimits): Plugin[] {
  const plugins = [
    maxTokensPlugin({ n: limits.maxTokens }), // at parse time: a syntax error
    maxDepthPlugin({
      n: limits.maxDepth,
      ignoreIntrospection: true,
      flattenFragments: true,
      ...asValidationError,
    }),
    maxAliasesPlugin({ n: limits.maxAliases, ...asValidationError }),
    maxDirectivesPlugin({ n: limits.maxDirectives, ...asValidationError }),
    costLimitPlugin({ maxCost: limits.maxCost, ignoreIntrospection: true, ...asValidationError }),
  ];
  if (limits.blockSuggestions) plugins.push(blockFieldSuggestionsPlugin());
  return plugins as Plugin[];
}
