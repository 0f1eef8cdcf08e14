import { lookup as dnsLookup } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { NetworkPolicy } from './network-policy';

/**
 * A `lookup` for http(s).request that resolves the host once and refuses it when any of its addresses
 * is not allowed by the policy (the SSRF guard), so a rebinding DNS cannot answer differently between
 * the check and the connection. `refused` builds the error from the host name and the kind of address
 * (never the address itself: it would tell a caller what an internal name resolves to).
 */
export function guardedLookup(
  policy: NetworkPolicy,
  port: number,
  refused: (hostname: string, problem: string) => Error,
  noAddress: (hostname: string) => Error,
): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      if (!addresses.length) return callback(noAddress(hostname), '', 0);
      for (const { address } of addresses) {
        const problem = policy.check(address, port);
        if (problem) return callback(refused(hostname, problem), '', 0);
      }
      if (options.all) callback(null, addresses);
      else callback(null, addresses[0].address, addresses[0].family);
    });
  };
}
