import { z } from 'zod';

/**
 * The version we report. PhotoMapAI gates features on InvokeAI's version (recall >= 6.13.0,
 * append >= 6.13.5), so we answer with the InvokeAI API level we implement.
 */
export const INVOKEAI_API_VERSION = '6.13.5';

export const zAppVersion = z.object({
  version: z.string().describe('InvokeAI API level implemented'),
  recall_version: z.string().describe("Recall's own version"),
  highlights: z.array(z.string()),
});
export type AppVersion = z.infer<typeof zAppVersion>;
