import { embeddedIPv4, NetworkPolicy } from './network-policy';

describe('NetworkPolicy (SSRF guard)', () => {
  const closed = new NetworkPolicy();

  it('allows public addresses', () => {
    for (const ip of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8']) {
      expect(closed.check(ip, 443)).toBeUndefined();
    }
  });

  it('refuses loopback, private, link-local, unique-local, multicast, unspecified and reserved addresses', () => {
    for (const ip of [
      '127.0.0.1',
      '127.255.0.9',
      '10.1.2.3',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '::',
      '::1',
      'fe80::1',
      'fc00::1',
      'fd12:3456::1',
      'ff02::1',
    ]) {
      expect(closed.check(ip, 80)).toMatch(/^a (loopback|private|link-local|multicast|reserved) address/);
    }
    expect(closed.check('172.32.0.1', 80)).toBeUndefined();
  });

  it('names the kind of address, never the address itself', () => {
    expect(closed.check('127.0.0.1', 80)).toMatch(/^a loopback address/);
    expect(closed.check('::1', 80)).toMatch(/^a loopback address/);
    expect(closed.check('::ffff:127.0.0.1', 80)).toMatch(/^a loopback address/);
    expect(closed.check('10.1.2.3', 80)).toMatch(/^a private address/);
    expect(closed.check('fd12:3456::1', 80)).toMatch(/^a private address/);
    expect(closed.check('169.254.169.254', 80)).toMatch(/^a link-local address/);
    expect(closed.check('224.0.0.1', 80)).toMatch(/^a multicast address/);
    expect(closed.check('0.0.0.0', 80)).toMatch(/^a reserved address/);
    for (const ip of ['127.0.0.1', '10.1.2.3', '169.254.169.254', 'fd12:3456::1', '::ffff:7f00:1']) {
      expect(closed.check(ip, 80)).not.toContain(ip);
      expect(closed.check(ip, 80)).not.toMatch(/\d+\.\d+\.\d+|::/);
    }
  });

  it('judges IPv4-mapped, NAT64 and 6to4 IPv6 forms as the IPv4 address they reach', () => {
    expect(embeddedIPv4('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(embeddedIPv4('::ffff:7f00:1')).toBe('127.0.0.1');
    expect(embeddedIPv4('64:ff9b::a9fe:a9fe')).toBe('169.254.169.254');
    for (const ip of [
      '::ffff:127.0.0.1',
      '::FFFF:7f00:0001',
      '::ffff:10.0.0.1',
      '64:ff9b::169.254.169.254',
      '2002:7f00:1::1',
    ]) {
      expect(closed.check(ip, 80)).toBeDefined();
    }
  });

  it('allows what INGEST_ALLOW_PRIVATE_NETWORKS lists: everything, ranges, addresses or exact address:port', () => {
    expect(new NetworkPolicy({ all: true, entries: [] }).check('127.0.0.1', 80)).toBeUndefined();
    const listed = new NetworkPolicy({
      all: false,
      entries: ['10.20.0.0/16', '192.168.1.20', '127.0.0.1:8080', '[::1]:9000'],
    });
    expect(listed.check('10.20.4.5', 443)).toBeUndefined();
    expect(listed.check('10.21.0.1', 443)).toBeDefined();
    expect(listed.check('192.168.1.20', 1)).toBeUndefined();
    expect(listed.check('192.168.1.21', 1)).toBeDefined();
    expect(listed.check('127.0.0.1', 8080)).toBeUndefined();
    expect(listed.check('::ffff:127.0.0.1', 8080)).toBeUndefined();
    expect(listed.check('127.0.0.1', 8081)).toBeDefined();
    expect(listed.check('0:0:0:0:0:0:0:1', 9000)).toBeUndefined();
    expect(listed.check('::1', 9001)).toBeDefined();
  });
});
