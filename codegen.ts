// Typed documents (client preset) for the operations of the tests and of the client
// (src/client, and the simulator that uses it): npm run codegen
import type { CodegenConfig } from '@graphql-codegen/cli';

const config = {
  scalars: { DateTime: 'string', GeoJSON: 'unknown' },
  enumsAsTypes: true,
  useTypeImports: true,
  avoidOptionals: false,
};

const codegen: CodegenConfig = {
  schema: 'schema.graphql',
  ignoreNoDocuments: true,
  generates: {
    'test/gql/': {
      documents: ['test/**/*.ts', '!test/gql/**'],
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config,
    },
    // Documents as plain strings: the client needs no GraphQL parser at run time.
    'src/client/gql/': {
      documents: ['src/client/**/*.ts', 'src/simulator/**/*.ts', '!src/client/gql/**'],
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: { ...config, documentMode: 'string' },
    },
  },
};

export default codegen;
