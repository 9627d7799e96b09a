// A self-signed certificate for 127.0.0.1 and localhost, made once per test file.
import { generate } from 'selfsigned';

let made: Promise<{ key: string; cert: string }> | undefined;

/** A key and certificate for TLS tests on 127.0.0.1. */
export function testCertificate(): Promise<{ key: string; cert: string }> {
  made ??= generate([{ name: 'commonName', value: 'localhost' }], {
    notAfterDate: new Date(Date.now() + 86_400_000),
    keyType: 'ec',
    extensions: [
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  }).then((pems) => ({ key: pems.private, cert: pems.cert }));
  return made;
}
