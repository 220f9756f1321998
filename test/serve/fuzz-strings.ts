/**
 * Hostile strings for the request fuzz test: injection probes for the key and expression syntax of the
 * store (and SQL/NoSQL habits), unicode that trips naive handling, and raw percent-encodings no
 * well-behaved client would send (traversal, lone surrogates, overlong UTF-8, NUL).
 */
export const INJECTIONS = [
  "' OR 1=1 --",
  "' OR '1'='1",
  '" OR ""="',
  '{"$ne":null}',
  '{"$gt":""}',
  '[$ne]=1',
  '#',
  ':',
  '::',
  '#DIM#',
  'PK = :pk OR SK > :a',
  'SELECT * FROM "results" WHERE PK=\'POINTER\'',
  'begins_with(SK, :x)',
  '"; DROP TABLE results; --',
  'RUN#2026-03-04T020000000Z#DIM#acquisition_channel',
  'CUST#p00001',
  'SEGHIST#acquisition_channel#ads',
  'POINTER',
  '*',
  '%',
  '\\',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a Log4Shell-style lookup, meant literally
  '${jndi:ldap://127.0.0.1/a}',
  '<script>alert(1)</script>',
  '__proto__',
  'constructor',
  'null',
];

export const UNICODE = [
  '\u202eads',
  'ads\u200f',
  '\u05e2\u05d1\u05e8\u05d9\u05ea',
  '😀',
  '👨‍👩‍👧',
  'ａｄｓ',
  'e\u0301',
  'a\u0000b',
  '\u0000',
  ' ',
  'ads ',
  '\ud800',
  'a\udc00b',
  '\udfff\ud800',
  '\ufeffads',
  '\u2028',
];

/** Raw pieces put into a target as they are: traversal and percent-encodings no encoder would emit. */
export const RAW_PIECES = [
  '..',
  '.',
  '../',
  '..%2F',
  '%2e%2e',
  '%2e%2e%2f',
  '%2E%2E%2F..%2F..%2Fetc%2Fpasswd',
  '..%5C..%5C',
  '..\\',
  '%2F',
  '%252e%252e%252f',
  '%c0%ae%c0%ae%c0%af',
  '%ED%A0%80',
  '%ED%BF%BF',
  '%C0%AF',
  '%FF%FE',
  '%00',
  '%E2%80%AE',
  '%uD800',
  '%',
  '%2',
  '%zz',
];

/** Percent-encodes every code point; a lone surrogate becomes its 3 (invalid UTF-8) bytes, as a client might send. */
export function percentEncode(value: string): string {
  let out = '';
  for (const ch of value) {
    const code = ch.codePointAt(0) ?? 0;
    if (code < 0xd800 || code > 0xdfff) {
      out += encodeURIComponent(ch);
      continue;
    }
    const bytes = [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)];
    out += bytes.map((b) => `%${b.toString(16).toUpperCase()}`).join('');
  }
  return out;
}
