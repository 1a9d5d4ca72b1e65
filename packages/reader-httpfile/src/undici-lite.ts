/**
 * The three pieces of undici the reader uses (Agent, the redirect
 * interceptor, request), loaded from undici's own files instead of its
 * index, which also loads fetch, WebSocket, the mock and proxy agents, the
 * cache stores and more: 30-40 ms instead of 65-95 ms in every thread that
 * reads (the CLI's and each channel's). `request(url, opts)` is what
 * undici's index makes of `Dispatcher.request`: the same call on the given
 * dispatcher with `origin` and `path` taken from the URL.
 *
 * These are undici's internal paths (undici has no `exports` map and keeps
 * them); the catalog pins undici to a minor version, and every httpfile test
 * goes through here.
 */
import { createRequire } from 'node:module';
import type * as Undici from 'undici';

const require = createRequire(import.meta.url);

export const Agent = require('undici/lib/dispatcher/agent.js') as typeof Undici.Agent;
export const redirect = require('undici/lib/interceptor/redirect.js') as typeof Undici.interceptors.redirect;
const apiRequest = (require('undici/lib/api/index.js') as { request: (this: Undici.Dispatcher, opts: object) => Promise<Undici.Dispatcher.ResponseData> }).request;

export type RequestOptions = Omit<Undici.Dispatcher.RequestOptions, 'origin' | 'path' | 'method'> & { method?: Undici.Dispatcher.HttpMethod; dispatcher: Undici.Dispatcher };

/** `undici.request(url, opts)` with an explicit dispatcher. */
export function request(url: string | URL, opts: RequestOptions): Promise<Undici.Dispatcher.ResponseData> {
  const u = typeof url === 'string' ? new URL(url) : url;
  const { dispatcher, ...rest } = opts;
  return apiRequest.call(dispatcher, { ...rest, origin: u.origin, path: `${u.pathname}${u.search}`, method: opts.method ?? 'GET' });
}
