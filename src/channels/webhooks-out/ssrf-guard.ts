import { lookup } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';
import { err, ok, type Result } from '../../domain/result.ts';
import { allowedWithPrivate, classifyAddress, type AddressRange } from './address-ranges.ts';

/*
 * The guard in front of every webhook request (issue 21): run when an endpoint is created, and again
 * before every attempt, because what a name resolves to can change between them (DNS rebinding).
 * It judges the addresses the name resolves to, every one of them, never the name: a name is anything
 * its owner's DNS says, and one public answer beside a private one is exactly how rebinding is set up.
 *
 * How the caller uses the answer: connect to `address`, and only to it. Resolving the name again at
 * connect time would ask the DNS a second question whose answer nobody checked. Keep the URL as it is
 * (the Host header, TLS's SNI and the certificate check all want the name) and give the connection a
 * lookup that answers the checked address, e.g. with undici:
 *
 *   const dispatcher = new Agent({ connect: { lookup: pinnedLookup(target) } });
 *   await request(target.url, { method: 'POST', dispatcher, headers, body });
 *
 * and follow no redirect: a Location is a new target that this guard has not seen.
 */

/** Resolves a host name to every address it has; injected in tests so that no query leaves the machine. */
export type ResolveHostname = (hostname: string) => Promise<string[]>;

export interface WebhookTargetOptions {
  /** WEBHOOK_ALLOW_PRIVATE: allows http, and private, loopback, link-local, unique-local and CGNAT addresses. */
  allowPrivate: boolean;
  /** Default: the system resolver (getaddrinfo, so /etc/hosts too), every address of both families. */
  resolve?: ResolveHostname;
}

/** A target that passed: where to connect, and what to tell TLS and the Host header. */
export interface WebhookTarget {
  url: URL;
  /** The name (or literal) from the URL, without IPv6 brackets. */
  hostname: string;
  /** The checked address to connect to. */
  address: string;
  family: 4 | 6;
  port: number;
}

/** Why a target is refused; none of them quotes the URL, which may carry a token in its path or query. */
export type WebhookTargetRefusal =
  | { reason: 'invalid-url' }
  | { reason: 'scheme-not-allowed'; scheme: string }
  | { reason: 'credentials-in-url' }
  | { reason: 'unresolvable'; hostname: string; code?: string }
  | { reason: 'address-not-allowed'; hostname: string; address: string; range: AddressRange };

export const resolveWithSystem: ResolveHostname = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((answer) => answer.address);

export async function checkWebhookTarget(
  url: string | URL,
  options: WebhookTargetOptions,
): Promise<Result<WebhookTarget, WebhookTargetRefusal>> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return err({ reason: 'invalid-url' });
  }
  const scheme = parsed.protocol.replace(/:$/, '');
  if (scheme !== 'https' && !(options.allowPrivate && scheme === 'http')) return err({ reason: 'scheme-not-allowed', scheme });
  // Credentials in the URL would be sent to whoever answers, and logged wherever the URL is.
  if (parsed.username !== '' || parsed.password !== '') return err({ reason: 'credentials-in-url' });

  // The URL parser has already turned 0x7f.1, 2130706433 and 127.1 into 127.0.0.1.
  const hostname = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: string[];
  if (isIP(hostname) !== 0) {
    addresses = [hostname];
  } else {
    try {
      addresses = await (options.resolve ?? resolveWithSystem)(hostname);
    } catch (error) {
      // ENOTFOUND, EAI_AGAIN...: kept so the delivery log can tell a typo from a DNS outage.
      const code = error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
      return err({ reason: 'unresolvable', hostname, ...(code === undefined ? {} : { code }) });
    }
  }
  if (addresses.length === 0) return err({ reason: 'unresolvable', hostname });

  for (const address of addresses) {
    if (isIP(address.replace(/%.*$/, '')) === 0) return err({ reason: 'unresolvable', hostname });
    const range = classifyAddress(address);
    if (range !== 'public' && !(options.allowPrivate && allowedWithPrivate[range])) {
      return err({ reason: 'address-not-allowed', hostname, address, range });
    }
  }
  const address = addresses[0]!;
  return ok({
    url: parsed,
    hostname,
    address,
    family: isIP(address.replace(/%.*$/, '')) === 6 ? 6 : 4,
    port: parsed.port === '' ? (scheme === 'https' ? 443 : 80) : Number(parsed.port),
  });
}

/**
 * A `lookup` for net, tls or undici's `connect` that answers only the checked address, whatever it is
 * asked: the connection goes where the guard looked, with no second DNS question in between. Node asks
 * for a list (`all`) when it races address families, and for one address otherwise; both get the same.
 */
export function pinnedLookup(target: Pick<WebhookTarget, 'address' | 'family'>): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
}

/** A refusal in words for the admin who gave the URL: what is wrong, never the URL itself. */
export function describeRefusal(refusal: WebhookTargetRefusal): string {
  switch (refusal.reason) {
    case 'invalid-url':
      return 'must be an absolute URL';
    case 'scheme-not-allowed':
      return `must use https (not ${refusal.scheme.replace(/:$/, '')}); http is allowed only with WEBHOOK_ALLOW_PRIVATE=true`;
    case 'credentials-in-url':
      return 'must not carry a user name or password';
    case 'unresolvable':
      return `its host ${refusal.hostname} does not resolve${refusal.code ? ` (${refusal.code})` : ''}`;
    case 'address-not-allowed':
      return `its host ${refusal.hostname} resolves to a ${refusal.range} address, which the service never calls (WEBHOOK_ALLOW_PRIVATE=true allows private networks)`;
  }
}
