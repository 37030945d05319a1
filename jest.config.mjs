import { existsSync, readdirSync } from 'node:fs';

// One jest run over every project, so `npm test` starts jest once and spreads files over workers.
const projects = [
  ...['apps', 'libs'].flatMap((folder) =>
    readdirSync(folder)
      .filter((name) => existsSync(`${folder}/${name}/jest.config.mjs`))
      .map((name) => `<rootDir>/${folder}/${name}/jest.config.mjs`),
  ),
  // the operator stack: promtool, amtool, docker-compose checks and the monitoring end-to-end test
  ...(existsSync('infra/jest.config.mjs') ? ['<rootDir>/infra/jest.config.mjs'] : []),
];

// testTimeout is a global option: project configs cannot set it when jest runs them together
export default { projects, testTimeout: 30_000 };
