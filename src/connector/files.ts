/**
 * Reading apiProperties.json from disk the way paconn would see it: UTF-8 (a BOM is kept in the text so that
 * `invalid-json` reports it); UTF-16 is decoded so the user gets a sentence instead of mojibake, and marked so the
 * rules report it, since paconn's plain JSON loader cannot read it.
 */
export interface DecodedFile {
  readonly text: string;
  readonly encoding: 'utf-8' | 'utf-16le' | 'utf-16be';
}

export const UTF16_MESSAGE = 'The file is UTF-16: paconn reads apiProperties.json as UTF-8. Save it as UTF-8 without BOM';

export function decodeFile(bytes: Uint8Array): DecodedFile {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) {
    return { text: new TextDecoder('utf-16le', { ignoreBOM: true }).decode(bytes), encoding: 'utf-16le' };
  }
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) {
    return { text: new TextDecoder('utf-16be', { ignoreBOM: true }).decode(bytes), encoding: 'utf-16be' };
  }
  return { text: new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes), encoding: 'utf-8' };
}
