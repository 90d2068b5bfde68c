/**
 * Limits on what a peer may send, checked before a message is parsed or echoed: JSON.parse and
 * JSON.stringify recurse, so a deeply nested value would overflow the stack of whoever touches it.
 */

/** Deeper JSON is refused unparsed. Real messages nest a handful of levels. */
export const MAX_JSON_DEPTH = 64;
/** A request id longer than this is refused (the reply would echo it). */
export const MAX_ID_LENGTH = 256;
/** How much of a peer's value (a method name, a param) an error message quotes. */
export const MAX_ECHO_CHARS = 100;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACKET = 0x5d;
const CLOSE_BRACE = 0x7d;

/**
 * Whether the JSON text nests arrays/objects deeper than `maxDepth`, by one linear scan that counts
 * brackets outside strings. Works on UTF-8 bytes: no multi-byte character contains an ASCII byte.
 * Invalid JSON may pass; JSON.parse refuses it next.
 */
export function jsonDepthExceeds(text: Buffer, maxDepth = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const byte = text[i];
    if (inString) {
      if (byte === BACKSLASH) i += 1;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (byte === OPEN_BRACKET || byte === OPEN_BRACE) {
      depth += 1;
      if (depth > maxDepth) return true;
    } else if (byte === CLOSE_BRACKET || byte === CLOSE_BRACE) {
      depth -= 1;
    }
  }
  return false;
}

/** JSON-RPC ids we answer to: a short string, a finite number, or null. Anything else is not echoed. */
export function isValidRequestId(id: unknown): id is string | number | null {
  return id === null || (typeof id === 'string' && id.length <= MAX_ID_LENGTH) || (typeof id === 'number' && Number.isFinite(id));
}

/** A short, safe rendering of a peer's value for an error message: JSON, cut at `maxChars`. */
export function preview(value: unknown, maxChars = MAX_ECHO_CHARS): string {
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value.slice(0, maxChars + 1)) : (JSON.stringify(value) ?? String(value));
  } catch {
    text = Array.isArray(value) ? 'an array' : typeof value;
  }
  return text.length > maxChars ? `${text.slice(0, maxChars)}…` : text;
}
