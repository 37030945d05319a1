import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The console built in this repository (apps/console-web/dist), from src/console or dist/console alike. */
export const BUILT_CONSOLE_DIR = fileURLToPath(new URL('../../../console-web/dist', import.meta.url));

/** A built console is ~100 KB; these bounds only stop a wrong CONSOLE_ASSETS_DIR from being read whole. */
const FILE_LIMIT = 200;
const BYTES_LIMIT = 20 * 1024 * 1024;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

/**
 * Vite puts a content hash in every asset name (`index-3fa1b2c4.js`): such a file never changes,
 * so browsers may keep it for a year; index.html names them and is checked on every load.
 */
const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';

export interface ConsoleAsset {
  body: Buffer;
  contentType: string;
  cacheControl: string;
}

/**
 * The built console, read into memory once at boot: serving it is a map lookup, and no request
 * path ever reaches the file system (no traversal to guard against).
 */
export class ConsoleAssets {
  private constructor(
    private readonly index: ConsoleAsset | undefined,
    private readonly assets: ReadonlyMap<string, ConsoleAsset>,
    readonly dir: string,
  ) {}

  static load(dir: string): ConsoleAssets {
    const indexPath = join(dir, 'index.html');
    if (!existsSync(indexPath)) return new ConsoleAssets(undefined, new Map(), dir);
    const assets = new Map<string, ConsoleAsset>();
    const assetsDir = join(dir, 'assets');
    let bytes = 0;
    if (existsSync(assetsDir)) {
      for (const name of readdirSync(assetsDir)) {
        const path = join(assetsDir, name);
        if (!statSync(path).isFile() || assets.size >= FILE_LIMIT) continue;
        const body = readFileSync(path);
        bytes += body.length;
        if (bytes > BYTES_LIMIT) throw new Error(`CONSOLE_ASSETS_DIR: ${dir} holds more than ${BYTES_LIMIT} bytes of assets; is it the built console?`);
        assets.set(name, { body, contentType: CONTENT_TYPES[extname(name)] ?? 'application/octet-stream', cacheControl: IMMUTABLE });
      }
    }
    const index = { body: readFileSync(indexPath), contentType: CONTENT_TYPES['.html']!, cacheControl: REVALIDATE };
    return new ConsoleAssets(index, assets, dir);
  }

  /** index.html; undefined when the console was not built. */
  page(): ConsoleAsset | undefined {
    return this.index;
  }

  asset(name: string): ConsoleAsset | undefined {
    return this.assets.get(name);
  }
}
