import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zInspectReport } from '../shared/metadata.js';
import { baseJpeg, basePng, tEXt, withPngChunks } from '../../test/helpers/metadata-images.js';
import { formatInspectEntry, formatInspectReport, inspectBytes, inspectExitCode, inspectFailure } from './inspect.js';

const run = promisify(execFile);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const A1111 =
  'a lighthouse <lora:film_grain:0.4>\nNegative prompt: blurry\n' +
  'Steps: 24, Sampler: Euler a, CFG scale: 6, Seed: 1234, Size: 640x960, Model hash: 31e35c80fc, Model: dreamshaper_8, Lora hashes: "film_grain: 0123456789ab", Version: v1.10.1, ENSD: 31337';

describe('inspect, without I/O', () => {
  it('reports what an image holds, in the recall API field names', async () => {
    const e = await inspectBytes('a.png', withPngChunks(await basePng(), [tEXt('parameters', A1111)]));
    expect(e).toMatchObject({
      file: 'a.png',
      status: 'found',
      format: 'png',
      source: { tool: 'automatic1111', version: 'v1.10.1' },
      parameters: { positive_prompt: 'a lighthouse', seed: 1234, scheduler: 'euler_a', loras: [{ model_name: 'film_grain', weight: 0.4 }] },
      unmapped: { ENSD: '31337' },
      error: null,
    });
    const text = formatInspectEntry(e);
    expect(text).toContain('a.png (PNG 64×48): automatic1111 v1.10.1');
    expect(text).toMatch(/positive_prompt\s+a lighthouse\n/);
    expect(text).toMatch(/model\s+dreamshaper_8 {2}\(autov2 31e35c80fc\)/);
    expect(text).toMatch(/loras\s+film_grain \[weight 0\.4\] {2}\(autov3 0123456789ab\)/);
    expect(text).toContain('not mapped        ENSD: 31337');
  });

  it('reports an image without metadata as such, and a damaged one as an error', async () => {
    const none = await inspectBytes('plain.jpg', await baseJpeg());
    expect(none).toMatchObject({ status: 'none', format: 'jpeg', message: 'no generation metadata found', error: null });
    expect(formatInspectEntry(none)).toBe('plain.jpg (JPEG 64×48): no generation metadata found\n');
    const png = await basePng();
    const bad = await inspectBytes('cut.png', png.subarray(0, 50));
    expect(bad).toMatchObject({ status: 'error', error: { code: 'TRUNCATED' }, parameters: {}, source: null });
    expect(formatInspectEntry(bad)).toMatch(/^cut\.png: error TRUNCATED: /);
  });

  it('exits 0 only when every file was read; a file without metadata is not a failure', async () => {
    const none = await inspectBytes('plain.jpg', await baseJpeg());
    expect(inspectExitCode([none])).toBe(0);
    expect(inspectExitCode([none, inspectFailure('x', 'FILE_UNREADABLE', 'cannot read the file (ENOENT)')])).toBe(1);
  });

  it('prints one JSON document that the shared schema accepts', async () => {
    const entries = [await inspectBytes('a.png', withPngChunks(await basePng(), [tEXt('parameters', A1111)])), inspectFailure('b.png', 'NOT_AN_IMAGE', 'file is empty')];
    const doc: unknown = JSON.parse(formatInspectReport(entries, { json: true }));
    expect(zInspectReport.safeParse(doc).success).toBe(true);
    expect(doc).toHaveLength(2);
  });
});

describe('recall inspect, run as a command', () => {
  let dir: string;
  let harness: string;
  const files: Record<string, string> = {};

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'recall-inspect-'));
    // A stand-in for src/cli/main.ts, which registers the command the same way.
    harness = path.join(dir, 'harness.mts');
    await writeFile(harness, `import { inspectCommand } from ${JSON.stringify(pathToFileURL(path.join(repoRoot, 'src/cli/inspect.ts')).href)};\nawait inspectCommand().parseAsync(process.argv);\n`);
    const png = await basePng();
    const images: Record<string, Uint8Array> = {
      'a1111.png': withPngChunks(png, [tEXt('parameters', A1111)]),
      'plain.jpg': await baseJpeg(),
      'cut.png': png.subarray(0, 60),
      'notes.txt': new TextEncoder().encode('not an image'),
    };
    for (const [name, bytes] of Object.entries(images)) {
      files[name] = path.join(dir, name);
      await writeFile(files[name] as string, bytes);
    }
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const inspect = async (...args: string[]): Promise<{ code: number; stdout: string }> => {
    try {
      const { stdout } = await run('npx', ['tsx', harness, ...args], { cwd: repoRoot, timeout: 60_000 });
      return { code: 0, stdout };
    } catch (err) {
      const e = err as { code?: number; stdout?: string };
      return { code: e.code ?? -1, stdout: e.stdout ?? '' };
    }
  };

  it('reports every file in one JSON document and exits 1 when some could not be read', async () => {
    const missing = path.join(dir, 'missing.png');
    const { code, stdout } = await inspect('--json', files['a1111.png'] as string, files['cut.png'] as string, missing, files['notes.txt'] as string, files['plain.jpg'] as string);
    expect(code).toBe(1);
    const report = zInspectReport.parse(JSON.parse(stdout));
    expect(report.map((e) => [path.basename(e.file), e.status, e.error?.code ?? null])).toEqual([
      ['a1111.png', 'found', null],
      ['cut.png', 'error', 'TRUNCATED'],
      ['missing.png', 'error', 'FILE_UNREADABLE'],
      ['notes.txt', 'error', 'NOT_AN_IMAGE'],
      ['plain.jpg', 'none', null],
    ]);
    expect(report[0]?.parameters).toMatchObject({ model: 'dreamshaper_8', width: 640, height: 960, loras: [{ model_name: 'film_grain', weight: 0.4 }] });
  }, 60_000);

  it('prints a readable summary and exits 0 when every file was read', async () => {
    const { code, stdout } = await inspect(files['a1111.png'] as string, files['plain.jpg'] as string);
    expect(code).toBe(0);
    expect(stdout).toContain(`${files['a1111.png']} (PNG 64×48): automatic1111 v1.10.1`);
    expect(stdout).toMatch(/scheduler\s+euler_a/);
    expect(stdout).toContain(`${files['plain.jpg']} (JPEG 64×48): no generation metadata found`);
  }, 60_000);
});
