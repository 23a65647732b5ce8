// The schema is public: a request without a key may ask for introspection only (GraphiQL
// loads the schema and its docs before a key is pasted), under the same document limits
// as any other request. Everything else still needs a key.
import { type DocumentNode, Kind, parse, type SelectionSetNode } from 'graphql';
import type { Principal } from '../auth/apiKeys.ts';
import type { Scope } from '../auth/scopes.ts';

/** Who asks without a key: no group, no scopes. */
export const ANONYMOUS: Principal = Object.freeze({
  keyId: 'anonymous',
  keyName: 'anonymous',
  groupId: '',
  groupName: '',
  scopes: new Set<Scope>(),
  expiresAt: null,
});

/** Whether the request's operation selects only `__schema`, `__type` and `__typename` at its root. */
export function isIntrospectionOnly(params: { query?: string; operationName?: string | null }): boolean {
  if (!params.query) return false;
  let document: DocumentNode;
  try {
    document = parse(params.query, { maxTokens: 5000 });
  } catch {
    return false; // Yoga answers the syntax error itself, with a key or without
  }
  const fragments = new Map<string, SelectionSetNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION)
      fragments.set(definition.name.value, definition.selectionSet);
  }
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  const operation =
    operations.length === 1 ? operations[0] : operations.find((o) => o.name?.value === params.operationName);
  if (operation?.operation !== 'query') return false;
  const seen = new Set<string>();
  const onlyMeta = (set: SelectionSetNode): boolean =>
    set.selections.every((selection) => {
      if (selection.kind === Kind.FIELD) return selection.name.value.startsWith('__');
      if (selection.kind === Kind.INLINE_FRAGMENT) return onlyMeta(selection.selectionSet);
      const name = selection.name.value;
      if (seen.has(name)) return true;
      seen.add(name);
      const fragment = fragments.get(name);
      return fragment !== undefined && onlyMeta(fragment);
    });
  return onlyMeta(operation.selectionSet);
}
