import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { ModelHashAlgorithm } from '../../shared/metadata.js';
import type { ModelBase, ModelConfig, ModelHashKind, ModelListQuery, ModelScanSummary, ModelType } from '../../shared/models.js';
import type { ModelRepository, RegistryEntry } from '../db/store.js';
import { AppError } from '../errors.js';
import { scanModels } from './scanner.js';

/** How each type is named in log lines (the spec's "Resolved ControlNet model name ..."). */
export const TYPE_LABELS: Record<ModelType, string> = {
  main: 'main',
  vae: 'VAE',
  lora: 'LoRA',
  control_lora: 'Control LoRA',
  controlnet: 'ControlNet',
  t2i_adapter: 'T2I Adapter',
  ip_adapter: 'IP Adapter',
  flux_redux: 'FLUX Redux',
  clip_vision: 'CLIP Vision',
};

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface ResolveRequest {
  /** A model name, or a model key. */
  name: string;
  /** Types to try, in order; the first type with a match wins. */
  types: readonly ModelType[];
  /** The base the model should fit (the main model's), used to choose between same-named models. */
  preferBase?: ModelBase | undefined;
  /** Hashes an image gave for this model; a registry model with one of them wins over the name. */
  hashes?: readonly HashRef[] | undefined;
  /** Where the note on a choice among same-named models goes (the server log when left out). */
  note?: ((message: string) => void) | undefined;
}

export interface HashRef {
  hash: string;
  algorithm: ModelHashAlgorithm;
}

/**
 * Which registry hashes an image's hash is compared with, as a prefix. A1111's short hashes are
 * prefixes of a full one: AutoV2 of the SHA-256; a LoRA hash of the AutoV3 (safetensors) or, for
 * other files, of the SHA-256. A hash of unknown kind is compared with all of them.
 */
export const HASH_KINDS_FOR: Record<ModelHashAlgorithm, readonly ModelHashKind[]> = {
  blake3: ['blake3'],
  sha256: ['sha256'],
  autov2: ['autov2', 'sha256'],
  autov3: ['autov3', 'sha256'],
  autov1: ['autov1'],
  unknown: ['blake3', 'sha256', 'autov3', 'autov2', 'autov1'],
};
/** Shorter hashes would match by chance; AutoV1's 8 digits are the shortest real one. */
const MIN_HASH_DIGITS = 8;

/** Anything that hashes the registry after a scan (the background hasher). */
export interface ScanFollower {
  kick(fresh?: boolean): void;
}

/** The registry's rules: scanning the models folder, the read routes, and name-to-key resolution. */
export class ModelService {
  constructor(
    private readonly repo: ModelRepository,
    private readonly modelsDir: string,
    private readonly log: Logger,
    private readonly hasher?: ScanFollower,
  ) {}

  async scan(): Promise<ModelScanSummary> {
    const started = Date.now();
    const outcome = await scanModels(this.modelsDir);
    const summary = await this.repo.applyScan(outcome.found, new Date().toISOString(), randomUUID);
    summary.skipped = outcome.skipped;
    for (const s of outcome.skipped) this.log.warn(`Skipped model file ${s.path}: ${s.reason}`);
    this.log.info(
      `Model scan of ${this.modelsDir}: ${summary.added} added, ${summary.updated} updated, ${summary.unchanged} unchanged, ` +
        `${summary.missing} missing, ${summary.skipped.length} skipped (${Date.now() - started} ms)`,
    );
    this.hasher?.kick(true);
    return summary;
  }

  list(q: ModelListQuery & { include_missing?: boolean }): Promise<ModelConfig[]> {
    const bases = q.base_models === undefined ? undefined : Array.isArray(q.base_models) ? q.base_models : [q.base_models];
    return this.repo.list({
      types: q.model_type ? [q.model_type] : undefined,
      bases,
      name: q.model_name,
      format: q.model_format,
      includeMissing: q.include_missing,
    });
  }

  async get(key: string): Promise<ModelConfig> {
    const m = await this.repo.get(key);
    if (!m) throw new AppError('RECALL_ERR_MODEL_NOT_FOUND', `No model with key ${key}`);
    return m;
  }

  async getByAttrs(name: string, type: ModelType, base: ModelBase): Promise<ModelConfig> {
    const [m] = await this.repo.list({ name, types: [type], bases: [base] });
    if (!m) throw new AppError('RECALL_ERR_MODEL_NOT_FOUND', `No ${type} model named '${name}' with base ${base}`);
    return m;
  }

  /**
   * Resolves a name (or key) to a present model of one of the given types, trying types in order.
   * With several same-named candidates, the one whose base fits `preferBase` wins (then base `any`,
   * then the oldest), and the choice is logged. A model whose content hash matches one of
   * `req.hashes` is preferred to any name match: the image says which file it was made with.
   */
  async resolve(req: ResolveRequest): Promise<RegistryEntry | null> {
    for (const ref of req.hashes ?? []) {
      const byHash = await this.findByHash(req, ref);
      if (byHash) return byHash;
    }
    if (UUID_RE.test(req.name)) {
      const byKey = await this.refByKey(req.name);
      if (byKey && req.types.includes(byKey.type)) return byKey;
    }
    const named = this.repo.findRefsByName ? await this.repo.findRefsByName(req.name) : null;
    for (const type of req.types) {
      const candidates = named ? named.filter((m) => m.type === type) : await this.repo.findByName(req.name, [type]);
      if (candidates.length === 0) continue;
      const chosen =
        (req.preferBase && candidates.find((c) => c.base === req.preferBase)) ||
        (req.preferBase && candidates.find((c) => c.base === 'any')) ||
        candidates[0]!;
      if (candidates.length > 1) {
        const note = req.note ?? ((message: string) => this.log.info(message));
        note(
          `${candidates.length} ${TYPE_LABELS[type]} models are named '${req.name}' (bases ${candidates.map((c) => c.base).join(', ')}); ` +
            `chose key '${chosen.key}' (base ${chosen.base})${req.preferBase ? ` to fit base ${req.preferBase}` : ''}`,
        );
      }
      return chosen;
    }
    return null;
  }

  /** Tells the store that `resolve` is about to be asked for each of these names (see ModelRepository.prefetchNames). */
  prefetch(names: readonly string[]): void {
    this.repo.prefetchNames?.(names);
  }

  /** See ModelRepository.registryGeneration: undefined when the store cannot tell. */
  registryGeneration(): number | undefined {
    return this.repo.registryGeneration?.();
  }

  private async findByHash(req: ResolveRequest, ref: HashRef): Promise<ModelConfig | null> {
    const hash = ref.hash.toLowerCase().replace(/^(blake3:|sha256:|0x)/, '');
    if (!/^[0-9a-f]+$/.test(hash) || hash.length < MIN_HASH_DIGITS) return null;
    const found = await this.repo.findByHash(hash, HASH_KINDS_FOR[ref.algorithm]);
    for (const type of req.types) {
      const candidates = found.filter((m) => m.type === type);
      if (candidates.length === 0) continue;
      const chosen = (req.preferBase && candidates.find((c) => c.base === req.preferBase)) || candidates[0]!;
      const label = ref.algorithm === 'unknown' ? 'hash' : `${ref.algorithm} hash`;
      this.log.info(
        `Matched ${TYPE_LABELS[type]} model '${req.name}' by ${label} ${hash} to '${chosen.name}' (key '${chosen.key}')` +
          (chosen.name === req.name ? '' : '; the names differ, the hash decides'),
      );
      return chosen;
    }
    return null;
  }

  private async refByKey(key: string): Promise<RegistryEntry | null> {
    if (this.repo.findRefByKey) return this.repo.findRefByKey(key);
    const m = await this.repo.get(key);
    return m && !m.missing ? m : null;
  }
}
