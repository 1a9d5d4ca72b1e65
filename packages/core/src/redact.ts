/**
 * The one place that decides what a secret is and keeps it out of output.
 *
 * Two layers, because neither alone is enough:
 * - by shape: URL userinfo, secret-looking query parameters (also inside
 *   jdbc: URLs and URLs that do not parse), auth headers written as text,
 *   values of secret-looking keys in config objects;
 * - by value: every secret a loaded config holds (whatever its key's
 *   spelling or its type, a number too) is remembered for this process, and
 *   every output path (loggers, run.log, node logs, errors, summaries,
 *   --json) replaces it, so a message that echoes it (a validator, a
 *   server) still prints `***`.
 */
import { levenshtein } from './levenshtein.js';

/** What replaces a secret. */
export const MASK = '***';

/** Secrets shorter than this are not replaced inside free text (a password `1` would blank every digit); their shapes still are. */
const MIN_SECRET_LENGTH = 4;

// On the key lowercased and stripped of separators: `api_key`, `X-Api-Key`, `apiKey` all become `apikey`.
const SECRET_KEY = /pass|pasw|pword|pwd|pswd|secret|token|credential|auth|cookie|signature|privatekey|accesskey|apikey|key$|^sig$|^pw$/;

/**
 * True when a config key, header name or query parameter names a secret:
 * password in any spelling (`pasword`, `passwd`, `pwd`), token, secret,
 * credential, *key, Authorization, Proxy-Authorization, Cookie, X-Api-Key...
 */
export function isSecretKey(key: string): boolean {
  const k = key.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (k === '') return false;
  if (SECRET_KEY.test(k) || /passphrase/.test(k)) return true;
  // Typos of the usual words (`pasword`, `passwrod`, `tokn`) are secrets too.
  const letters = k.replace(/[0-9]/g, '');
  return SECRET_WORDS.some((w) => Math.abs(w.length - letters.length) <= 2 && levenshtein(letters, w) <= 2);
}

const SECRET_WORDS = ['password', 'passwd', 'secret', 'token', 'credential', 'credentials', 'apikey', 'privatekey', 'authorization', 'cookie'];

/** A whole-value `${env:NAME}` reference: names where the secret is, is not one. */
const ENV_REF = /^\$\{env:[A-Za-z_][A-Za-z0-9_]*\}$/;

// scheme://authority... up to whitespace, a quote or a bracket that ends prose.
const URL_TOKEN = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]+/gi;
// name=value in a query string (`?`, `&` or JDBC's `;`).
const QUERY_PARAM = /([?&;])([^=&;#\s]+)=([^&;#\s]*)/g;

/**
 * A URL (or URL-looking text that may not parse) with its userinfo password
 * and secret query parameters masked: `mysql://u:***@host/db?password=***`.
 * The password is everything up to the last `@`, so a password holding `@`
 * or `/` is masked whole.
 */
export function redactUrl(text: string): string {
  const m = /^([a-z][a-z0-9+.-]*:)*\/\//i.exec(text);
  let out = text;
  if (m) {
    const start = m[0].length;
    const at = userinfoEnd(out, start);
    if (at !== undefined) {
      const userinfo = out.slice(start, at);
      const colon = userinfo.indexOf(':');
      // Without a password, http(s) userinfo is usually a token (https://TOKEN@host); a database user name is kept.
      const masked = colon >= 0 ? `${userinfo.slice(0, colon)}:${MASK}` : /^https?:/i.test(m[0]) ? MASK : userinfo;
      out = out.slice(0, start) + masked + out.slice(at);
    }
  }
  return out.replace(QUERY_PARAM, (all, sep: string, name: string) => (isSecretKey(safeDecode(name)) ? `${sep}${name}=${MASK}` : all));
}

/**
 * Where the userinfo of `url` ends (its `@`), or undefined. A password may
 * hold `@ / ? #` (then the URL does not parse): the last `@` ends it, unless
 * what comes before it is clearly `host:port/path` (an `@` in a path or query).
 */
function userinfoEnd(url: string, start: number): number | undefined {
  const at = url.lastIndexOf('@');
  if (at <= start) return undefined;
  // A URL that parses ends its authority at the first `/?#`, and its userinfo at the last `@` before that.
  const authorityEnd = firstOf(url, start, '/?#') ?? url.length;
  if (parses(url)) {
    const inner = url.lastIndexOf('@', authorityEnd);
    return inner > start ? inner : undefined;
  }
  const cand = url.slice(start, at);
  if (!/[/?#]/.test(cand)) return at;
  const colon = cand.indexOf(':');
  if (colon >= 0 && !/^\d*(?:[/?#]|$)/.test(cand.slice(colon + 1))) return at;
  // The `@` is in the path or query: userinfo, if any, ends before the first `/?#`.
  const inner = url.lastIndexOf('@', authorityEnd);
  return inner > start ? inner : undefined;
}

function parses(url: string): boolean {
  try {
    new URL(url.replace(/^jdbc:/i, ''));
    return true;
  } catch {
    return false;
  }
}

function firstOf(text: string, from: number, chars: string): number | undefined {
  for (let i = from; i < text.length; i++) if (chars.includes(text[i]!)) return i;
  return undefined;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

// `Authorization: Bearer x`, `Cookie: a=b`, `X-Api-Key: x` written as text (a header line, a curl -H).
const HEADER_TEXT =
  /\b((?:proxy-)?authorization|x-[a-z0-9-]*(?:key|token|secret|auth)[a-z0-9-]*)\s*[:=]\s*(?:(?:bearer|basic|token|digest|negotiate)\s+)?("[^"]*"|[^\s,;}"]+)|\b(set-cookie|cookie)\s*:\s*[^\r\n"]+/gi;

const known = new Set<string>();
let knownSorted: string[] = [];

/** Remembers secret values for this process: every output path replaces them. */
export function rememberSecret(value: unknown): void {
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'bigint') return;
  const text = String(value);
  if (text.length < MIN_SECRET_LENGTH || known.has(text) || ENV_REF.test(text)) return;
  // As written in a URL and inside a JSON string too.
  for (const variant of [text, encodeURIComponent(text), JSON.stringify(text).slice(1, -1)]) known.add(variant);
  // Longest first, so a secret that contains another is replaced whole.
  knownSorted = [...known].sort((a, b) => b.length - a.length);
}

/**
 * Walks a config (a job, a plugin block, a data source's settings) and
 * remembers every secret in it: values of secret-looking keys whatever
 * their type, `${env:NAME}` they refer to, URL passwords and secret query
 * parameters, Basic/Bearer credentials of auth headers.
 */
export function rememberSecrets(config: unknown, depth = 0): void {
  if (depth > 50 || config === null || typeof config !== 'object') {
    if (typeof config === 'string') rememberUrlSecrets(config);
    return;
  }
  for (const [key, value] of Object.entries(config as Record<string, unknown>)) {
    if (isSecretKey(key) && (typeof value !== 'object' || value === null)) rememberSecretValue(value);
    else if (Array.isArray(value) && isSecretKey(key)) value.forEach((v) => rememberSecretValue(v));
    else rememberSecrets(value, depth + 1);
  }
}

function rememberSecretValue(value: unknown): void {
  if (typeof value === 'string') {
    for (const m of value.matchAll(/\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g)) rememberSecret(process.env[m[1]!]);
    if (ENV_REF.test(value)) return;
    rememberSecret(value);
    // `Bearer x` / `Basic base64(user:pass)`: the credential alone may be echoed too.
    const scheme = /^\s*(bearer|basic|token|digest)\s+(\S+)\s*$/i.exec(value);
    if (scheme) {
      rememberSecret(scheme[2]);
      if (scheme[1]!.toLowerCase() === 'basic') {
        const decoded = Buffer.from(scheme[2]!, 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        if (colon >= 0) rememberSecret(decoded.slice(colon + 1));
      }
    }
    rememberUrlSecrets(value);
  } else rememberSecret(value);
}

function rememberUrlSecrets(text: string): void {
  const resolved = text.replace(/\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g, (all, name: string) => process.env[name] ?? all);
  for (const token of resolved.match(URL_TOKEN) ?? []) {
    const masked = redactUrl(token);
    if (masked === token) continue;
    // Whatever the shape redaction masks is a secret: remember the original text at those places.
    const start = /^([a-z][a-z0-9+.-]*:)*\/\//i.exec(token)![0].length;
    const at = userinfoEnd(token, start);
    if (at !== undefined) {
      const userinfo = token.slice(start, at);
      const colon = userinfo.indexOf(':');
      const pw = colon >= 0 ? userinfo.slice(colon + 1) : /^https?:/i.test(token) ? userinfo : '';
      if (pw) {
        rememberSecret(pw);
        rememberSecret(safeDecode(pw));
      }
    }
    for (const m of token.matchAll(QUERY_PARAM)) {
      if (isSecretKey(safeDecode(m[2]!))) {
        rememberSecret(m[3]);
        rememberSecret(safeDecode(m[3]!));
      }
    }
  }
}

/**
 * Text made safe to print: every remembered secret, URL userinfo passwords,
 * secret query parameters and auth headers written as text become `***`.
 */
export function redactText(text: string): string {
  let out = text;
  for (const secret of knownSorted) if (out.includes(secret)) out = out.split(secret).join(MASK);
  out = out.replace(URL_TOKEN, (url) => redactUrl(url));
  return out.replace(HEADER_TEXT, (_all, name: string | undefined, _v: string | undefined, cookie: string | undefined) => `${name ?? cookie}: ${MASK}`);
}

/**
 * A copy of a config for display: values of secret-looking keys (any type)
 * become `***` (a `${env:NAME}` reference is kept: it says where the secret
 * is, not what), strings are redacted as text.
 */
export function redactConfig<T>(config: T, depth = 0): T {
  if (typeof config === 'string') return redactText(config) as T;
  if (depth > 50 || config === null || typeof config !== 'object') return config;
  if (Array.isArray(config)) return config.map((v) => redactConfig(v, depth + 1)) as T;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config as Record<string, unknown>)) {
    if (isSecretKey(key) && value !== null && value !== undefined && typeof value !== 'object' && typeof value !== 'boolean') {
      out[key] = typeof value === 'string' && ENV_REF.test(value) ? value : MASK;
    } else out[key] = redactConfig(value, depth + 1);
  }
  return out as T;
}

/** An error's message redacted in place (it may be printed, logged or sent to another thread); returns it. */
export function redactError<E>(err: E): E {
  if (err instanceof Error) {
    try {
      err.message = redactText(err.message);
      if (err.stack) err.stack = redactText(err.stack);
    } catch {
      // a frozen error stays as it is
    }
  }
  return err;
}
