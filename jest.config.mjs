import { existsSync, readdirSync } from 'node:fs';

// One jest run over every project, so `npm test` starts jest once and spreads files over workers.
const projects = ['apps', 'libs'].flatMap((folder) =>
  readdirSync(folder)
    .filter((name) => existsSync(`${folder}/${name}/jest.config.mjs`))
    .map((name) => `<rootDir>/${folder}/${name}/jest.config.mjs`),
);

export default { projects };
