// Looking ahead into a query: whether a field below the one resolving is asked for, so a
// resolver can fetch it in the same statement instead of a second one.
import type { GraphQLResolveInfo, SelectionSetNode } from 'graphql';

/**
 * Whether the query may select `path` (field names, aliases ignored) below the field being
 * resolved, through inline and named fragments. Errs on yes: `@skip`/`@include` and type
 * conditions are not evaluated, so use it only to fetch ahead what a resolver would
 * otherwise fetch itself.
 */
export function maySelect(info: GraphQLResolveInfo, path: readonly string[]): boolean {
  const visit = (set: SelectionSetNode | undefined, depth: number): boolean => {
    if (!set) return false;
    for (const selection of set.selections) {
      if (selection.kind === 'Field') {
        if (selection.name.value !== path[depth]) continue;
        if (depth === path.length - 1 || visit(selection.selectionSet, depth + 1)) return true;
      } else if (selection.kind === 'InlineFragment') {
        if (visit(selection.selectionSet, depth)) return true;
      } else if (visit(info.fragments[selection.name.value]?.selectionSet, depth)) return true;
    }
    return false;
  };
  return info.fieldNodes.some((node) => visit(node.selectionSet, 0));
}
