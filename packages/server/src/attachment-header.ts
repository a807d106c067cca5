/** Characters RFC 8187 lets stand unencoded in `filename*`. */
const ATTR_CHAR = /^[A-Za-z0-9!#$&+\-.^_`|~]$/;

/**
 * `Content-Disposition` for a download: an ASCII file name from the title, and the exact one as UTF-8
 * (RFC 6266). Lone surrogates become U+FFFD instead of failing the request.
 */
export function attachmentHeader(title: string, extension: string): string {
  const slug =
    title
      .normalize('NFKD')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'export';
  const exact = `${title.replace(/[\r\n"]/g, ' ').slice(0, 100)}.${extension}`;
  const encoded = [...Buffer.from(exact, 'utf8')]
    .map((byte) => {
      const char = String.fromCharCode(byte);
      return byte < 128 && ATTR_CHAR.test(char)
        ? char
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
  return `attachment; filename="${slug}.${extension}"; filename*=UTF-8''${encoded}`;
}
