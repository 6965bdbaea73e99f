import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, postJson } from '../helpers/http.js';
import { startApp, type InProcessServer } from '../helpers/server.js';

let srv: InProcessServer;
beforeAll(async () => {
  srv = await startApp({ scan: false });
});
afterAll(() => srv?.close());

const cs = (queue: string, route: string) => `${srv.url}/api/v1/client_state/${queue}/${route}`;

describe('client state routes (InvokeAI-compatible, scoped by queue)', () => {
  it('sets a value and reads it back as a JSON string', async () => {
    const set = await postJson(cs('default', 'set_by_key?key=ui.params'), JSON.stringify('{"steps":30}'));
    expect(set).toMatchObject({ status: 200, body: '{"steps":30}' });
    expect((await getJson(cs('default', 'get_by_key?key=ui.params'))).body).toBe('{"steps":30}');
  });

  it('answers null for a key never set', async () => {
    const res = await fetch(cs('default', 'get_by_key?key=missing'));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('null');
  });

  it('scopes values by queue: another queue never sees them', async () => {
    await postJson(cs('q1', 'set_by_key?key=shared'), JSON.stringify('one'));
    await postJson(cs('q2', 'set_by_key?key=shared'), JSON.stringify('two'));
    expect((await getJson(cs('q1', 'get_by_key?key=shared'))).body).toBe('one');
    expect((await getJson(cs('q2', 'get_by_key?key=shared'))).body).toBe('two');
    expect((await getJson(cs('q3', 'get_by_key?key=shared'))).body).toBeNull();
  });

  it('lists keys by prefix, newest first, and treats _ and % in the prefix literally', async () => {
    for (const k of ['p_a', 'p_b', 'pXc', 'p%d']) await postJson(cs('prefix', `set_by_key?key=${encodeURIComponent(k)}`), JSON.stringify(k));
    await postJson(cs('prefix', 'set_by_key?key=p_a'), JSON.stringify('again'));
    expect((await getJson(cs('prefix', 'get_keys_by_prefix?prefix=p_'))).body).toEqual(['p_a', 'p_b']);
    expect((await getJson(cs('prefix', `get_keys_by_prefix?prefix=${encodeURIComponent('p%')}`))).body).toEqual(['p%d']);
  });

  it('deletes one key, then the whole queue, leaving other queues alone', async () => {
    await postJson(cs('del', 'set_by_key?key=a'), JSON.stringify('1'));
    await postJson(cs('del', 'set_by_key?key=b'), JSON.stringify('2'));
    await postJson(cs('keep', 'set_by_key?key=a'), JSON.stringify('3'));
    expect((await postJson(cs('del', 'delete_by_key?key=a'), '')).status).toBe(200);
    expect((await getJson(cs('del', 'get_keys_by_prefix?prefix='))).body).toEqual(['b']);
    expect((await postJson(cs('del', 'delete'), '')).status).toBe(200);
    expect((await getJson(cs('del', 'get_keys_by_prefix?prefix='))).body).toEqual([]);
    expect((await getJson(cs('keep', 'get_by_key?key=a'))).body).toBe('3');
  });

  it('rejects a value that is not a JSON string, a missing key and a bad queue id', async () => {
    expect((await postJson(cs('default', 'set_by_key?key=x'), { not: 'a string' })).body.detail[0].loc).toEqual(['body']);
    expect((await getJson(cs('default', 'get_by_key'))).body.detail[0].loc).toEqual(['query', 'key']);
    expect((await getJson(cs('bad%20queue', 'get_by_key?key=a'))).body.detail[0].loc).toEqual(['path', 'queue_id']);
  });
});
