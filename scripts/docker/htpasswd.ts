// An htpasswd line for the registry, which accepts only bcrypt hashes. No npm dependency and no
// apache2-utils: Debian's libcrypt (libxcrypt) makes bcrypt hashes, and perl (always installed) calls it.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const BCRYPT_BASE64 = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** The lowest cost bcrypt allows: the registry checks the hash on every request, and these are test passwords. */
const COST = '05';

export function htpasswdLine(user: string, password: string): string {
  if (user.includes(':')) {
    throw new Error(`htpasswd user names cannot contain ':' (${user})`);
  }
  return `${user}:${bcrypt(password)}\n`;
}

function bcrypt(password: string): string {
  const setting = `$2b$${COST}$${bcryptSalt()}`;
  // The password travels in the environment, not on a command line that `ps` shows.
  const hash = execFileSync('perl', ['-e', 'print crypt($ENV{CNV_HTPASSWD_PASSWORD}, $ENV{CNV_HTPASSWD_SETTING})'], {
    encoding: 'utf8',
    env: { ...process.env, CNV_HTPASSWD_PASSWORD: password, CNV_HTPASSWD_SETTING: setting },
  });
  if (!hash.startsWith(setting)) {
    throw new Error(
      "the system crypt() made no bcrypt hash: libcrypt1 (libxcrypt) with bcrypt support is needed for the registry's htpasswd",
    );
  }
  return hash;
}

/** 16 random bytes in bcrypt's own base64 alphabet (same bit order as standard base64, other characters). */
function bcryptSalt(): string {
  return [...randomBytes(16).toString('base64').slice(0, 22)].map((char) => BCRYPT_BASE64[BASE64.indexOf(char)]).join('');
}
