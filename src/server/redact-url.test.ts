import { describe, expect, it } from 'vitest';
import { redactUrl } from './redact-url.js';

describe('redactUrl', () => {
  it('masks the password and keeps the rest', () => {
    expect(redactUrl('postgres://recall:s3cret@db:5432/recall?sslmode=require')).toBe('postgres://recall:***@db:5432/recall?sslmode=require');
    expect(redactUrl('redis://:s3cret@cache:6379')).toBe('redis://:***@cache:6379');
  });

  it('returns a URL without a password as given', () => {
    expect(redactUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
  });

  it('never echoes something it cannot parse, which might hold a password', () => {
    expect(redactUrl('user:pass@ no scheme')).toBe('***@ no scheme');
    expect(redactUrl('postgres://u:p@[bad')).toBe('postgres://***@[bad');
    expect(redactUrl('not a url')).toBe('not a url');
  });
});
