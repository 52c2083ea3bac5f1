import { TidingsError } from '../../core/errors.js';

/**
 * Turns a feed's bytes into text. The byte order mark wins, then the encoding the document
 * declares (`<?xml … encoding="…"?>`), then the HTTP `charset`, then UTF-8. The declaration is
 * preferred over HTTP because servers label feeds with a default charset far more often than
 * publishers mis-declare their own files. Bytes that are not valid UTF-8 although read as UTF-8
 * are decoded as windows-1252 instead, the usual mistake behind such feeds.
 *
 * Decoding is the WHATWG Encoding Standard's, through the runtime's own `TextDecoder` (Node's
 * ICU): the encodings and labels a browser knows, with a browser's reading of them (`iso-8859-1`
 * is windows-1252, `gb2312` is GBK). No character-set tables ship in the function.
 */

export class FeedEncodingError extends TidingsError {
  override readonly name = 'FeedEncodingError';
  override readonly kind = 'invalid-input';
}

export interface DecodedText {
  text: string;
  /** The encoding actually used, lower-case. */
  encoding: string;
  /** Why that encoding: `bom`, `declaration`, `http`, `default` or `fallback`. */
  from: 'bom' | 'declaration' | 'http' | 'default' | 'fallback';
}

/** The `charset` parameter of a Content-Type header, lower-case, if any. */
export function charsetOf(contentType: string | undefined | null): string | undefined {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '');
  return match?.[1]?.toLowerCase();
}

function declaredEncoding(bytes: Uint8Array): string | undefined {
  // The declaration is ASCII by definition; look at the first bytes only.
  const head = Buffer.from(bytes.subarray(0, 512)).toString('latin1');
  const match = /^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']/.exec(head);
  return match?.[1]?.toLowerCase();
}

/** One decoder per label seen (a handful per ingest run); `undefined` marks a label refused. */
const decoders = new Map<string, TextDecoder | undefined>();

function decoderFor(label: string): TextDecoder | undefined {
  if (decoders.has(label)) return decoders.get(label);
  let decoder: TextDecoder | undefined;
  try {
    decoder = new TextDecoder(label);
  } catch {
    decoder = undefined;
  }
  // Labels of encodings the standard retires (ISO-2022-KR, HZ…) decode to one U+FFFD: refused.
  if (decoder?.encoding === 'replacement') decoder = undefined;
  decoders.set(label, decoder);
  return decoder;
}

function decodeWith(bytes: Uint8Array, encoding: string): string {
  const decoder = decoderFor(encoding);
  if (!decoder) throw new FeedEncodingError(`unsupported character encoding "${encoding}"`);
  return decoder.decode(bytes);
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Decodes a document's bytes following the order above; throws {@link FeedEncodingError} for an unknown encoding. */
export function decodeFeedBytes(
  bytes: Uint8Array,
  options: { contentType?: string | undefined } = {},
): DecodedText {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return { text: decodeWith(bytes, 'utf-8'), encoding: 'utf-8', from: 'bom' };
  }
  if (bytes[0] === 0xff && bytes[1] === 0xfe) {
    return { text: decodeWith(bytes, 'utf-16le'), encoding: 'utf-16le', from: 'bom' };
  }
  if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    return { text: decodeWith(bytes, 'utf-16be'), encoding: 'utf-16be', from: 'bom' };
  }
  const declared = declaredEncoding(bytes);
  const http = charsetOf(options.contentType);
  const chosen = declared ?? http;
  const from = declared ? 'declaration' : http ? 'http' : 'default';
  if (chosen && !/^utf-?8$/.test(chosen)) {
    return { text: decodeWith(bytes, chosen), encoding: chosen, from };
  }
  try {
    return { text: UTF8.decode(bytes), encoding: 'utf-8', from };
  } catch {
    return { text: decodeWith(bytes, 'windows-1252'), encoding: 'windows-1252', from: 'fallback' };
  }
}
