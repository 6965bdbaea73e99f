import { z } from 'zod';

/*
 * The page's Content-Security-Policy forbids eval (script-src 'self'). Zod probes for it with a
 * caught `new Function("")` before compiling fast object parsers, and although the probe's throw
 * is swallowed, the browser still reports the blocked eval: Firefox logs it as a console error on
 * every load. Jitless mode skips the probe and parses the same way without compiling. Imported
 * first by main.tsx so it is set before any schema parses.
 */
z.config({ jitless: true });
