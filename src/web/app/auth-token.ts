/**
 * The access token the page sends (docs/security.md, "Access control"). It lives here and in the
 * browser's storage only, never in the Redux store (which devtools and state dumps expose) and
 * never in a log: the store only knows whether a token is set.
 */
export interface TokenStore {
  get(): string | null;
  /** Keeps the token: in localStorage with `remember` (survives closing the browser), else in sessionStorage (this tab only). */
  set(token: string, remember: boolean): void;
  clear(): void;
  /** Whether the token in use was stored to outlive the tab. */
  remembered(): boolean;
}

export const TOKEN_STORAGE_KEY = 'recall.token';

/** Storage may throw (disabled cookies, private modes): the token then lives in memory only. */
function attempt<T>(f: () => T, fallback: T): T {
  try {
    return f();
  } catch {
    return fallback;
  }
}

export function createTokenStore(storage: { local: Storage; session: Storage } | null): TokenStore {
  const read = (s: Storage | undefined) => (s ? attempt(() => s.getItem(TOKEN_STORAGE_KEY), null) : null);
  // The tab's own choice first: a token entered without "remember" replaces a remembered one here.
  let token: string | null = read(storage?.session) || read(storage?.local) || null;
  let remember = token !== null && token === read(storage?.local) && !read(storage?.session);
  const removeAll = () => {
    for (const s of [storage?.local, storage?.session]) if (s) attempt(() => s.removeItem(TOKEN_STORAGE_KEY), undefined);
  };
  return {
    get: () => token,
    set(next, rememberIt) {
      token = next;
      remember = rememberIt;
      removeAll();
      const target = rememberIt ? storage?.local : storage?.session;
      if (target) attempt(() => target.setItem(TOKEN_STORAGE_KEY, next), undefined);
    },
    clear() {
      token = null;
      remember = false;
      removeAll();
    },
    remembered: () => remember,
  };
}
