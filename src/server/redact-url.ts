/** A connection URL with its password masked, for logs and error messages; unchanged when it has none. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (!u.password) return url;
    u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}
