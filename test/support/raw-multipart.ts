/**
 * multipart/form-data bodies written byte by byte (RFC 7578), for tests that need parts a form library
 * will not make: unnamed files, text in a file field, bodies cut short.
 */
export function rawMultipart(boundary: string) {
  const part = (disposition: string, body: string | Buffer, type?: string): Buffer =>
    Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; ${disposition}\r\n${type ? `Content-Type: ${type}\r\n` : ''}\r\n`),
      Buffer.from(body),
      Buffer.from('\r\n'),
    ]);
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    part,
    /** The parts, then the closing delimiter. */
    body: (...parts: Buffer[]): Buffer => Buffer.concat([...parts, Buffer.from(`--${boundary}--\r\n`)]),
  };
}
