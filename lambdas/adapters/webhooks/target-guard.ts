import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { MmdoError } from '../../domain/errors.js';

/**
 * SSRF guard for webhook targets. A subscriber URL is chosen by a caller but fetched from inside our network, so
 * it must not reach private, link-local (cloud metadata at 169.254.169.254), loopback or other special ranges.
 * Loopback is allowed only in local development mode (a receiver on the same machine). Checked when a
 * subscription is created (the URL as written) and again before every attempt (every address the host resolves
 * to, since DNS can change). Redirects are never followed by the sender.
 */
export interface TargetPolicy {
  /** Local development: http(s)://localhost / 127.0.0.0/8 / [::1] targets are accepted. Never in the cloud. */
  readonly allowLoopback: boolean;
}

export class WebhookTargetError extends MmdoError {
  constructor(message: string, url: string) {
    super('webhook_target_refused', message, 422, { url });
  }
}

type AddressClass = 'public' | 'loopback' | 'internal';

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** Everything not routable on the public internet, or special-purpose (IANA registries), besides loopback. */
const INTERNAL = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.0.0.0', 24],
  ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24],
  ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) INTERNAL.addSubnet(net, prefix, 'ipv4');
// IPv4-compatible (::a.b.c.d, deprecated) and IPv4-translated (::ffff:0:a.b.c.d, SIIT) forms can carry any IPv4
// address, the metadata service's included; NAT64 (64:ff9b::/96, 64:ff9b:1::/48) and 6to4 (2002::/16) likewise.
// None is a public target, whatever IPv4 address they embed. IPv4-mapped (::ffff:a.b.c.d) is classified by its IPv4.
for (const [net, prefix] of [
  ['::', 96], ['::ffff:0:0:0', 96], ['64:ff9b::', 96], ['64:ff9b:1::', 48], ['100::', 64], ['2001::', 23], ['2001:db8::', 32], ['2002::', 16],
  ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8],
] as const) INTERNAL.addSubnet(net, prefix, 'ipv6');

export function classifyAddress(address: string): AddressClass {
  const family = isIP(address);
  if (family === 0) throw new Error(`not an IP address: ${address}`);
  const mapped = family === 6 ? ipv4Mapped(address) : undefined;
  if (mapped) return classifyAddress(mapped);
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (LOOPBACK.check(address, type)) return 'loopback';
  return INTERNAL.check(address, type) ? 'internal' : 'public';
}

/** Syntax and literal-address checks of a subscriber URL; returns it parsed. */
export function checkTargetUrl(raw: string, policy: TargetPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookTargetError(`'${raw}' is not an absolute URL.`, raw);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new WebhookTargetError('A webhook URL is https://...', raw);
  if (url.username || url.password) throw new WebhookTargetError('A webhook URL must not carry credentials; the signature authenticates us.', raw);
  if (url.hash) throw new WebhookTargetError('A webhook URL has no #fragment.', raw);
  const host = hostOf(url);
  const literal = isIP(host) ? classifyAddress(host) : isLocalhostName(host) ? 'loopback' : undefined;
  if (literal === 'internal') throw new WebhookTargetError(`${host} is a private, link-local or reserved address.`, raw);
  if (literal === 'loopback' && !policy.allowLoopback) throw new WebhookTargetError(`${host} is a loopback address (allowed only by the local service).`, raw);
  // Plain http only to this machine: anything crossing a network gets TLS.
  if (url.protocol === 'http:' && literal !== 'loopback') throw new WebhookTargetError('A webhook URL must use https (http is accepted only for loopback in local mode).', raw);
  return url;
}

export type Resolver = (host: string) => Promise<readonly string[]>;

const systemResolver: Resolver = async (host) => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

/** Before an attempt: the URL checks, then every address the host resolves to must be allowed. */
export async function checkTargetAddresses(raw: string, policy: TargetPolicy, resolve: Resolver = systemResolver): Promise<URL> {
  const url = checkTargetUrl(raw, policy);
  const host = hostOf(url);
  // A failed lookup is not a refusal (DNS may recover): it propagates as an ordinary, retryable error.
  const addresses = isIP(host) ? [host] : await resolve(host);
  if (addresses.length === 0) throw new Error(`${host} does not resolve`);
  for (const address of addresses) {
    const kind = classifyAddress(address);
    if (kind === 'internal' || (kind === 'loopback' && !policy.allowLoopback)) {
      throw new WebhookTargetError(`${host} resolves to ${address}, a ${kind === 'loopback' ? 'loopback' : 'private, link-local or reserved'} address.`, raw);
    }
  }
  return url;
}

function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

function isLocalhostName(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}

/** The IPv4 address inside an IPv4-mapped IPv6 address (::ffff:a.b.c.d, in any spelling), else undefined. */
function ipv4Mapped(address: string): string | undefined {
  const words = ipv6Words(address);
  if (!words || words.slice(0, 5).some((w) => w !== 0) || words[5] !== 0xffff) return undefined;
  const [hi, lo] = [words[6]!, words[7]!];
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** The eight 16-bit words of an IPv6 address (zero compression and a trailing dotted quad expanded). */
export function ipv6Words(address: string): number[] | undefined {
  if (isIP(address) !== 6) return undefined;
  let text = address.replace(/%.*$/, '').toLowerCase(); // zone id
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') as [string, string] : [text, undefined];
  const parse = (part: string | undefined) => (part ? part.split(':').map((h) => parseInt(h, 16)) : []);
  const left = parse(head);
  const right = parse(tail);
  const words = tail === undefined ? left : [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  return words.length === 8 && words.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffff) ? words : undefined;
}
