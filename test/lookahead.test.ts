import { type FieldNode, type FragmentDefinitionNode, type GraphQLResolveInfo, Kind, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { maySelect } from '../src/schema/lookahead.ts';

/** The resolve info of the query's first root field, as far as maySelect reads it. */
function infoOf(query: string): GraphQLResolveInfo {
  const document = parse(query);
  const fragments: Record<string, FragmentDefinitionNode> = {};
  let root: FieldNode | undefined;
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
    else if (definition.kind === Kind.OPERATION_DEFINITION)
      root = definition.selectionSet.selections[0] as FieldNode;
  }
  return { fieldNodes: [root!], fragments } as unknown as GraphQLResolveInfo;
}

const path = ['edges', 'node', 'lastLocation'];

describe('maySelect', () => {
  it('finds a field by name, under an alias, in inline and named fragments', () => {
    expect(maySelect(infoOf('{ devices { edges { node { lastLocation { latitude } } } } }'), path)).toBe(
      true,
    );
    expect(
      maySelect(infoOf('{ devices { e: edges { n: node { last: lastLocation { latitude } } } } }'), path),
    ).toBe(true);
    expect(
      maySelect(
        infoOf(
          '{ devices { edges { ... on DeviceEdge { node { ...F } } } } } fragment F on Device { lastLocation { latitude } }',
        ),
        path,
      ),
    ).toBe(true);
    expect(
      maySelect(
        infoOf(
          '{ devices { ...C } } fragment C on DeviceConnection { edges { node { ... { lastLocation { latitude } } } } }',
        ),
        path,
      ),
    ).toBe(true);
  });

  it('says no when the path is not there, or only in part, or elsewhere', () => {
    expect(maySelect(infoOf('{ devices { edges { node { deviceId } } } }'), path)).toBe(false);
    expect(maySelect(infoOf('{ devices { edges { cursor } } }'), path)).toBe(false);
    expect(maySelect(infoOf('{ devices { lastLocation: pageInfo { hasNextPage } } }'), path)).toBe(false);
    expect(
      maySelect(infoOf('{ devices { edges { node { device { lastLocation { latitude } } } } } }'), path),
    ).toBe(false);
    expect(maySelect(infoOf('{ devices { ...Missing } }'), path)).toBe(false);
  });
});
