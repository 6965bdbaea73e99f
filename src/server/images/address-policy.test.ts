import { describe, expect, it } from 'vitest';
import { createAddressCheck } from './address-policy.js';

const strict = createAddressCheck({ allowPrivate: false, allowList: [] });

describe('address check', () => {
  it.each([
    ['8.8.8.8'],
    ['93.184.215.14'],
    ['2606:4700:4700::1111'],
    ['::ffff:8.8.8.8'],
  ])('lets the public address %s through', (addr) => {
    expect(strict(addr)).toBeNull();
  });

  it.each([
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.254', 'private'],
    ['192.168.1.1', 'private'],
    ['127.0.0.1', 'loopback'],
    ['127.9.9.9', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'link-local'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456::1', 'unique-local'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['64:ff9b::7f00:1', 'non-public'],
    ['2002:7f00:1::', 'non-public'],
  ])('refuses %s as a %s address', (addr, word) => {
    expect(strict(addr)).toContain(word);
  });

  it('lets allow-listed addresses and ranges through, and only those', () => {
    const check = createAddressCheck({ allowPrivate: false, allowList: ['127.0.0.1', '10.0.0.0/8', 'fd00::/8'] });
    expect(check('127.0.0.1')).toBeNull();
    expect(check('::ffff:127.0.0.1')).toBeNull();
    expect(check('10.200.1.1')).toBeNull();
    expect(check('fd00::5')).toBeNull();
    expect(check('127.0.0.2')).toContain('loopback');
    expect(check('192.168.0.1')).toContain('private');
    expect(check('::1')).toContain('loopback');
  });

  it('lets everything through with allowPrivate, but still refuses what is not an address', () => {
    const open = createAddressCheck({ allowPrivate: true, allowList: [] });
    expect(open('127.0.0.1')).toBeNull();
    expect(open('fe80::1')).toBeNull();
    expect(open('example.com')).toContain('not an IP address');
  });
});
