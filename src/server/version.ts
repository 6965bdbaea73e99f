import fs from 'node:fs';

/** Recall's own version, from package.json (two levels up from both src/server and dist/server). */
export const RECALL_VERSION: string = (() => {
  try {
    const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
})();
