import { describe, expect, it } from 'vitest';
import { createTokenStore, TOKEN_STORAGE_KEY } from './auth-token.js';

/** A Storage backed by a Map: Node has no localStorage, and this one is the whole interface. */
class MapStorage implements Storage {
  private readonly map = new Map<string, string>();
  get length() {
    return this.map.size;
  }
  clear() {
    this.map.clear();
  }
  getItem(key: string) {
    return this.map.get(key) ?? null;
  }
  key(i: number) {
    return [...this.map.keys()][i] ?? null;
  }
  removeItem(key: string) {
    this.map.delete(key);
  }
  setItem(key: string, value: string) {
    this.map.set(key, value);
  }
}

const storages = () => ({ local: new MapStorage(), session: new MapStorage() });

describe('token store', () => {
  it('keeps a remembered token in localStorage only, and a new store reads it back', () => {
    const s = storages();
    createTokenStore(s).set('tok-remembered-0123', true);
    expect(s.local.getItem(TOKEN_STORAGE_KEY)).toBe('tok-remembered-0123');
    expect(s.session.getItem(TOKEN_STORAGE_KEY)).toBeNull();
    const again = createTokenStore(s);
    expect(again.get()).toBe('tok-remembered-0123');
    expect(again.remembered()).toBe(true);
  });

  it('keeps a token that is not remembered in sessionStorage, and drops a remembered one', () => {
    const s = storages();
    const tokens = createTokenStore(s);
    tokens.set('tok-old-remembered-0', true);
    tokens.set('tok-this-tab-only-01', false);
    expect(s.local.getItem(TOKEN_STORAGE_KEY)).toBeNull();
    expect(s.session.getItem(TOKEN_STORAGE_KEY)).toBe('tok-this-tab-only-01');
    expect(tokens.remembered()).toBe(false);
    expect(createTokenStore({ local: s.local, session: new MapStorage() }).get()).toBeNull();
  });

  it('forgets the token everywhere', () => {
    const s = storages();
    s.local.setItem(TOKEN_STORAGE_KEY, 'a-remembered-token-0');
    s.session.setItem(TOKEN_STORAGE_KEY, 'a-tab-token-0123456');
    const tokens = createTokenStore(s);
    expect(tokens.get()).toBe('a-tab-token-0123456');
    tokens.clear();
    expect(tokens.get()).toBeNull();
    expect(s.local.getItem(TOKEN_STORAGE_KEY)).toBeNull();
    expect(s.session.getItem(TOKEN_STORAGE_KEY)).toBeNull();
  });

  it('still holds the token in memory when storage refuses to write', () => {
    const broken = new MapStorage();
    broken.setItem = () => {
      throw new DOMException('quota', 'QuotaExceededError');
    };
    const tokens = createTokenStore({ local: broken, session: broken });
    tokens.set('tok-in-memory-01234', true);
    expect(tokens.get()).toBe('tok-in-memory-01234');
    expect(createTokenStore(null).get()).toBeNull();
  });
});
