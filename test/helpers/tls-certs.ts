/**
 * Certificates for the TLS tests, made at test time with `openssl` (Debian package `openssl`): a
 * CA, a server certificate it signs for 127.0.0.1, and a second CA that signed nothing (the
 * "wrong CA" a client may be given).
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ServerCertificates } from './redis.ts';

/** Whether `openssl` is on the PATH. */
export const hasOpenssl: boolean = spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;

function openssl(dir: string, args: readonly string[]): void {
  const run = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${run.stderr}`);
}

/** Writes the certificates into `dir` (short-lived, 2 days) and returns their paths. */
export function makeCertificates(dir: string): ServerCertificates & { readonly wrongCa: string; readonly wrongCert: string } {
  const subject = (cn: string) => ['-subj', `/CN=${cn}`];
  openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', ...subject('cortado test CA')]);
  openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'wrong-ca.key', '-out', 'wrong-ca.pem', '-days', '2', ...subject('some other CA')]);
  openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', ...subject('127.0.0.1')]);
  openssl(dir, ['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', writeExt(dir)]);
  // The same key's certificate signed by the other CA: a server a client given `ca` does not trust.
  openssl(dir, ['x509', '-req', '-in', 'server.csr', '-CA', 'wrong-ca.pem', '-CAkey', 'wrong-ca.key', '-CAcreateserial', '-out', 'wrong-server.pem', '-days', '2', '-extfile', writeExt(dir)]);
  return { cert: join(dir, 'server.pem'), key: join(dir, 'server.key'), ca: join(dir, 'ca.pem'), wrongCa: join(dir, 'wrong-ca.pem'), wrongCert: join(dir, 'wrong-server.pem') };
}

function writeExt(dir: string): string {
  const path = join(dir, 'server.ext');
  // The name clients check: they connect to 127.0.0.1.
  writeFileSync(path, 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  return path;
}
