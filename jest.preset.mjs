import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const workspaceRoot = dirname(fileURLToPath(import.meta.url));

/**
 * Shared jest settings for every project: ESM through @swc/jest (Nest 12 is ESM only), `.js`
 * suffixes stripped so NodeNext-style imports resolve to the .ts sources, and workspace libs
 * mapped to their sources so tests never need a build.
 */
export function jestPreset(configUrl, overrides = {}) {
  return {
    rootDir: dirname(fileURLToPath(configUrl)),
    testEnvironment: 'node',
    extensionsToTreatAsEsm: ['.ts'],
    testMatch: ['<rootDir>/{src,test}/**/*.{spec,int-spec,e2e-spec}.ts'],
    transform: {
      '^.+\\.ts$': [
        '@swc/jest',
        {
          jsc: {
            target: 'es2023',
            parser: { syntax: 'typescript', decorators: true },
            transform: { legacyDecorator: true, decoratorMetadata: true },
          },
          module: { type: 'es6' },
          sourceMaps: 'inline',
        },
      ],
    },
    moduleNameMapper: {
      '^@tokenscope/([a-z-]+)$': join(workspaceRoot, 'libs/$1/src/index.ts'),
      '^(\\.{1,2}/.*)\\.js$': '$1',
    },
    setupFiles: [join(workspaceRoot, 'jest.setup.mjs')],
    testTimeout: 30_000,
    ...overrides,
  };
}
