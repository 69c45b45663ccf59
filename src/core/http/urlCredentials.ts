// A URL written as `https://user:password@host/…` (a health endpoint behind Basic auth, a CI clone with a token):
// fetch refuses to send such a URL, so the credentials become an Authorization header, and wherever the URL is
// shown or published they are left out.

/** The URL without its user and password, and the Basic Authorization they make (if any). */
export function splitUrlCredentials(url: URL): { url: URL; authorization?: string } {
  if (!url.username && !url.password) return { url };
  const bare = new URL(url.href);
  bare.username = '';
  bare.password = '';
  const basic = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  return { url: bare, authorization: `Basic ${Buffer.from(basic, 'utf8').toString('base64')}` };
}

/** `https://oauth2:TOKEN@gitlab.com/acme/app.git` → `https://gitlab.com/acme/app.git`; text in other forms as it is. */
export function withoutCredentials(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/\s]*@/i, '$1');
}
