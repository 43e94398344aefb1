import { lookup } from 'node:dns/promises';
import type { LookupFunction } from 'node:net';
import { isMetadataAddress } from '@patchbay/core/node';
import { Agent } from 'undici';

/**
 * Where an alert may not be posted: a cloud metadata service (169.254.169.254 and the others the
 * address guard knows), which hands out the machine's credentials. Loopback and private addresses
 * stay allowed (people run receivers on their own machine and network).
 */
const NEVER = 'a cloud metadata address: alerts are never posted there';

/** A host's addresses as DNS answers them (tests give their own). */
export type HostResolver = (host: string) => Promise<{ address: string; family: number }[]>;
export const systemResolver: HostResolver = (host) => lookup(host, { all: true, verbatim: true });

/** The URL's host as an address or name to look up: an IPv6 literal without its brackets. */
const hostOf = (url: URL) => url.hostname.replace(/^\[|\]$/g, '');

/**
 * Why a webhook URL may not be posted to as written (its host a metadata address), or null. A URL
 * read from `variable` is named by it: the URL is the variable's value, never said (a secret).
 */
export function webhookHostProblem(url: URL, variable?: string): string | null {
  const host = hostOf(url);
  if (!isMetadataAddress(host)) return null;
  return variable === undefined ? `${host} is ${NEVER}` : `the variable ${variable} holds a URL at ${NEVER}`;
}

/** A refusal of the address guard: nothing was sent, and trying again would not change it. */
export class MetadataAddressRefused extends Error {
  override name = 'MetadataAddressRefused';
}

function refusal(host: string, addresses: { address: string }[]): MetadataAddressRefused | null {
  const found = addresses.find((a) => isMetadataAddress(a.address));
  return found ? new MetadataAddressRefused(`${host} resolves to ${found.address}, ${NEVER}`) : null;
}

/** Why the URL's host name resolves where no alert goes, or null (a name that does not resolve fails its attempts as before). */
export async function resolvedHostProblem(url: URL, resolve: HostResolver, variable?: string): Promise<string | null> {
  const host = hostOf(url);
  const addresses = await resolve(host).catch(() => []);
  const refused = refusal(host, addresses);
  return refused && variable !== undefined ? resolvedInVariable(variable) : (refused?.message ?? null);
}

/** A refusal of a URL read from `variable` (host or address said, the value would be). */
export const resolvedInVariable = (variable: string) => `the variable ${variable} holds a URL whose host resolves to ${NEVER}`;

/**
 * An HTTP client whose every connection checks what the name resolves to then: a name that resolved
 * elsewhere when the delivery began (DNS rebinding) is still never connected to a metadata address.
 */
export function guardedDispatcher(resolve: HostResolver): Agent {
  const guarded: LookupFunction = (host, options, callback) => {
    const answer = callback as (err: Error | null, address: string | { address: string; family: number }[], family?: number) => void;
    resolve(host).then(
      (addresses) => {
        const refused = refusal(host, addresses);
        if (refused) return answer(refused, '');
        const wanted = addresses.filter((a) => !options.family || a.family === options.family);
        if (wanted.length === 0) return answer(Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' }), '');
        if (options.all) answer(null, wanted);
        else answer(null, wanted[0].address, wanted[0].family);
      },
      (err: Error) => answer(err, ''),
    );
  };
  return new Agent({ connect: { lookup: guarded } });
}
