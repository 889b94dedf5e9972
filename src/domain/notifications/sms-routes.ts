/*
 * Which SMS provider takes a number: `SMS_ROUTES=+91=msg91,*=twilio`. India's DLT rules bind only
 * +91 numbers, so they go to a DLT provider and the rest of the world to another.
 */

/** Numbers starting with `prefix` go to `provider`; `*` takes every number no other route takes. */
export interface SmsRoute {
  prefix: string;
  provider: string;
}

export const DEFAULT_SMS_ROUTE = '*';
const PREFIX = /^\+\d{1,15}$/;

/** The route for a number: the longest matching prefix, else `*`; undefined when no route takes it. */
export function smsRouteFor(routes: readonly SmsRoute[], to: string): SmsRoute | undefined {
  let best: SmsRoute | undefined;
  for (const route of routes) {
    if (route.prefix === DEFAULT_SMS_ROUTE || !to.startsWith(route.prefix)) continue;
    if (!best || route.prefix.length > best.prefix.length) best = route;
  }
  return best ?? routes.find((route) => route.prefix === DEFAULT_SMS_ROUTE);
}

/**
 * Every route some number starting with `prefix` may take: the one for the prefix itself and any
 * longer route inside it (`+9198` inside `+91`).
 */
export function smsRoutesWithin(routes: readonly SmsRoute[], prefix: string): SmsRoute[] {
  const inside = routes.filter((route) => route.prefix !== DEFAULT_SMS_ROUTE && route.prefix.startsWith(prefix) && route.prefix !== prefix);
  const own = smsRouteFor(routes, prefix);
  return own ? [own, ...inside] : inside;
}

/** `prefix=provider` entries separated by commas; every malformed or repeated entry is one problem. */
export function parseSmsRoutes(text: string, knownProviders: readonly string[]): { routes: SmsRoute[]; problems: string[] } {
  const routes: SmsRoute[] = [];
  const problems: string[] = [];
  const entries = text.split(',').map((entry) => entry.trim()).filter(Boolean);
  entries.forEach((entry, i) => {
    const at = `entry ${i + 1}`;
    const parts = entry.split('=').map((part) => part.trim());
    if (parts.length !== 2 || !parts[0] || !parts[1]) return problems.push(`${at} must be <prefix>=<provider>, such as +91=msg91 or *=twilio`);
    const [prefix, provider] = parts as [string, string];
    if (prefix !== DEFAULT_SMS_ROUTE && !PREFIX.test(prefix)) return problems.push(`${at}: the prefix must be * or + and 1-15 digits`);
    if (!knownProviders.includes(provider)) return problems.push(`${at}: "${provider}" is not an SMS provider (${knownProviders.join(', ')})`);
    if (routes.some((route) => route.prefix === prefix)) return problems.push(`${at}: ${prefix} is routed twice`);
    routes.push({ prefix, provider });
    return undefined;
  });
  if (entries.length === 0) problems.push('names no route');
  return { routes, problems };
}
