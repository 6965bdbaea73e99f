import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where the shared fixture images are: env RECALL_FIXTURES_DIR, else ../shared/fixtures/images beside the repository. */
export const FIXTURE_IMAGES_DIR = process.env.RECALL_FIXTURES_DIR ?? path.resolve(repoRoot, '..', 'shared', 'fixtures', 'images');

/**
 * Whether fixture tests should run. Absent fixtures skip them with a visible notice, except under CI,
 * where they run anyway and fail (the fixtures must be there).
 */
export function fixtureImagesAvailable(suite: string): boolean {
  const present = existsSync(FIXTURE_IMAGES_DIR);
  if (!present && !process.env.CI) {
    console.warn(`[${suite}] fixture images not found at ${FIXTURE_IMAGES_DIR}: skipping (set RECALL_FIXTURES_DIR to run them)`);
  }
  return present || Boolean(process.env.CI);
}
