#!/usr/bin/env node
// Enforces the project boundaries of the house style from the tags in each package.json (`nx.tags`):
//  - apps never import other apps; libs never import apps (only `type:lib` projects are importable);
//  - a lib is imported only through its entry point, `@tokenscope/<name>`, and is declared as a dependency;
//  - no relative import leaves its project;
//  - `runtime:pure` libs import no Nest, no I/O client and no non-pure workspace lib;
//  - only test files (`*.spec.ts`, `*-spec.ts`, `test/`) import `@tokenscope/testing`.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const root = resolve(process.argv[2] ?? '.');
const PURE_FORBIDDEN = [/^@nestjs\//, /^ioredis$/, /^bullmq$/, /^undici$/, /^fastify$/, /^node:(fs|net|http|https|child_process|dgram)$/];
const IMPORT = /(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g;

function projectsIn(folder) {
  const dir = join(root, folder);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => existsSync(join(dir, name, 'package.json')))
    .map((name) => {
      const pkg = JSON.parse(readFileSync(join(dir, name, 'package.json'), 'utf8'));
      return {
        dir: join(dir, name),
        packageName: pkg.name,
        tags: pkg.nx?.tags ?? [],
        declared: new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})]),
      };
    });
}

function sourceFiles(dir) {
  const out = [];
  for (const sub of ['src', 'test']) {
    const start = join(dir, sub);
    if (!existsSync(start)) continue;
    const stack = [start];
    while (stack.length > 0) {
      const current = stack.pop();
      for (const entry of readdirSync(current)) {
        const path = join(current, entry);
        if (statSync(path).isDirectory()) stack.push(path);
        else if (path.endsWith('.ts')) out.push(path);
      }
    }
  }
  return out;
}

const projects = [...projectsIn('apps'), ...projectsIn('libs')];
const byPackage = new Map(projects.map((p) => [p.packageName, p]));
const problems = [];

for (const project of projects) {
  const isPure = project.tags.includes('runtime:pure');
  for (const file of sourceFiles(project.dir)) {
    const isTestFile = /(\.spec|-spec)\.ts$/.test(file) || relative(project.dir, file).startsWith(`test${sep}`);
    const text = readFileSync(file, 'utf8');
    const where = relative(root, file);
    for (const match of text.matchAll(IMPORT)) {
      const specifier = match[1] ?? match[2] ?? match[3];
      if (specifier.startsWith('.')) {
        const target = resolve(dirname(file), specifier);
        if (!target.startsWith(project.dir + sep)) problems.push(`${where}: relative import '${specifier}' leaves ${relative(root, project.dir)}`);
        continue;
      }
      if (specifier.startsWith('@tokenscope/')) {
        const packageName = specifier.split('/').slice(0, 2).join('/');
        const target = byPackage.get(packageName);
        if (specifier !== packageName) problems.push(`${where}: '${specifier}' reaches past the entry point of ${packageName}`);
        if (!target) {
          problems.push(`${where}: '${specifier}' is not a project of this workspace`);
          continue;
        }
        if (!target.tags.includes('type:lib')) problems.push(`${where}: imports ${packageName}, which is not a lib (apps never import apps)`);
        if (packageName === '@tokenscope/testing' && !isTestFile && project.packageName !== packageName) {
          problems.push(`${where}: only test files may import @tokenscope/testing`);
        }
        if (!project.declared.has(packageName) && target !== project) problems.push(`${where}: imports ${packageName} without declaring it in package.json`);
        if (isPure && !target.tags.includes('runtime:pure')) problems.push(`${where}: a runtime:pure lib imports ${packageName}, which is not pure`);
        continue;
      }
      if (isPure && !isTestFile && PURE_FORBIDDEN.some((pattern) => pattern.test(specifier))) {
        problems.push(`${where}: a runtime:pure lib imports '${specifier}'`);
      }
    }
  }
}

if (problems.length > 0) {
  console.error(`Project boundaries broken (${problems.length}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  process.exit(1);
}
console.log(`Project boundaries hold (${projects.length} projects checked).`);
