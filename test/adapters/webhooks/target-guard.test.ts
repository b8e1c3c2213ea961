import { checkTargetAddresses, checkTargetUrl, classifyAddress, WebhookTargetError } from '../../../lambdas/adapters/webhooks/target-guard.js';

const local = { allowLoopback: true };
const cloud = { allowLoopback: false };

describe('webhook target guard (SSRF)', () => {
  test('classifies public, loopback and internal addresses, including IPv4-mapped IPv6', () => {
    for (const ip of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111']) expect(classifyAddress(ip)).toBe('public');
    for (const ip of ['127.0.0.1', '127.9.9.9', '::1', '::ffff:127.0.0.1']) expect(classifyAddress(ip)).toBe('loopback');
    for (const ip of ['10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1',
      'fd00:ec2::254', 'fe80::1', '::', '::ffff:10.0.0.1', '::ffff:a9fe:a9fe', '64:ff9b::a9fe:a9fe']) {
      expect([ip, classifyAddress(ip)]).toEqual([ip, 'internal']);
    }
    expect(classifyAddress('172.32.0.1')).toBe('public');
  });

  test('IPv4-compatible, -mapped, -translated, NAT64 and 6to4 spellings of internal addresses are never public', () => {
    const metadata = ['::a9fe:a9fe', '::169.254.169.254', '::ffff:0:a9fe:a9fe', '::ffff:0:169.254.169.254', '0:0:0:0:0:ffff:a9fe:a9fe',
      '0000:0000:0000:0000:0000:FFFF:A9FE:A9FE', '::ffff:169.254.169.254', '64:ff9b::a9fe:a9fe', '64:ff9b::169.254.169.254',
      '64:ff9b:1::a9fe:a9fe', '2002:a9fe:a9fe::', '::7f00:1', '::127.0.0.1', '::ffff:0:7f00:1', '64:ff9b::7f00:1', '::a00:1', '::ffff:0:c0a8:101',
      '::8.8.8.8', '64:ff9b::808:808'];
    for (const ip of metadata) expect([ip, classifyAddress(ip)]).toEqual([ip, 'internal']);
    // Mapped loopback is loopback (allowed in local mode only); the forms above never are.
    for (const ip of ['::ffff:127.0.0.1', '::ffff:7f00:1', '0:0:0:0:0:ffff:7f00:1']) expect(classifyAddress(ip)).toBe('loopback');
    expect(classifyAddress('::ffff:808:808')).toBe('public');
    for (const host of ['[::a9fe:a9fe]', '[::ffff:0:a9fe:a9fe]', '[64:ff9b::a9fe:a9fe]', '[::169.254.169.254]', '[::ffff:0:169.254.169.254]', '[::7f00:1]']) {
      expect(() => checkTargetUrl(`https://${host}/latest/meta-data/`, cloud)).toThrow(WebhookTargetError);
      expect(() => checkTargetUrl(`http://${host}/`, local)).toThrow(WebhookTargetError);
    }
  });

  test('a name resolving to an embedded-IPv4 form of the metadata address is refused before the attempt', async () => {
    for (const address of ['::a9fe:a9fe', '::ffff:0:a9fe:a9fe', '64:ff9b::a9fe:a9fe']) {
      await expect(checkTargetAddresses('https://rebind.example.com/', local, async () => [address])).rejects.toThrow(WebhookTargetError);
    }
  });

  test('https is required except for loopback in local mode; no credentials or fragments', () => {
    expect(checkTargetUrl('https://hooks.example.com/mmdo', cloud).host).toBe('hooks.example.com');
    expect(checkTargetUrl('http://127.0.0.1:9000/hook', local).port).toBe('9000');
    expect(checkTargetUrl('http://localhost:9000/hook', local).hostname).toBe('localhost');
    expect(checkTargetUrl('http://[::1]:9000/', local).hostname).toBe('[::1]');
    const refused = (url: string, policy = local) => expect(() => checkTargetUrl(url, policy)).toThrow(WebhookTargetError);
    refused('http://hooks.example.com/mmdo');
    refused('http://127.0.0.1:9000/hook', cloud);
    refused('https://localhost/hook', cloud);
    refused('ftp://hooks.example.com/');
    refused('https://user:pw@hooks.example.com/');
    refused('https://hooks.example.com/#x');
    refused('not a url');
    for (const url of ['https://10.0.0.5/', 'https://169.254.169.254/latest/meta-data/', 'https://[fe80::1]/', 'https://[::ffff:169.254.169.254]/', 'https://0x7f000001/', 'https://2130706433/']) {
      // Numeric host spellings are normalised by the URL parser (0x7f000001 → 127.0.0.1), so they are caught too.
      expect(() => checkTargetUrl(url, cloud)).toThrow(WebhookTargetError);
    }
  });

  test('every resolved address must be allowed: a public name that resolves to a private address is refused', async () => {
    const resolveTo = (...addresses: string[]) => async () => addresses;
    await expect(checkTargetAddresses('https://hooks.example.com/', cloud, resolveTo('93.184.216.34'))).resolves.toBeInstanceOf(URL);
    await expect(checkTargetAddresses('https://hooks.example.com/', cloud, resolveTo('93.184.216.34', '10.0.0.7'))).rejects.toThrow(/resolves to 10\.0\.0\.7/);
    await expect(checkTargetAddresses('https://rebind.example.com/', local, resolveTo('169.254.169.254'))).rejects.toThrow(WebhookTargetError);
    await expect(checkTargetAddresses('https://loop.example.com/', cloud, resolveTo('127.0.0.1'))).rejects.toThrow(/loopback/);
    await expect(checkTargetAddresses('https://loop.example.com/', local, resolveTo('127.0.0.1'))).resolves.toBeInstanceOf(URL);
    // A failed lookup is transient (not a refusal), so the outbox retries it.
    const failing = checkTargetAddresses('https://nx.example.com/', cloud, async () => { throw new Error('ENOTFOUND'); });
    await expect(failing).rejects.toThrow('ENOTFOUND');
    await expect(failing).rejects.not.toBeInstanceOf(WebhookTargetError);
  });
});
