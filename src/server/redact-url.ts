/**
 * A connection URL with its password masked, for logs and error messages; unchanged when it has
 * none. Something that does not parse as a URL with a host has everything before its `@` masked.
 */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) {
      u.password = '***';
      return u.toString();
    }
    if (u.host || !url.includes('@')) return url;
  } catch {
    // not a URL: fall through
  }
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)?.*@/i, (_m, scheme: string | undefined) => `${scheme ?? ''}***@`);
}
