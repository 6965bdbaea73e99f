/**
 * Bounds that keep a hostile file from costing more than a small, fixed amount of memory and time.
 * Real metadata is a few kilobytes; a large ComfyUI workflow is well under a megabyte.
 */
export const LIMITS = {
  /** Largest text one entry may hold once decompressed or decoded. */
  entryBytes: 16 * 1024 * 1024,
  /** Largest sum of all entries' text in one image. */
  totalTextBytes: 32 * 1024 * 1024,
  /** Most text entries kept from one image; more are ignored. */
  entries: 256,
  /** Most nodes a ComfyUI or InvokeAI graph walk visits. */
  graphSteps: 10_000,
} as const;
