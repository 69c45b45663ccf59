// A URL written as `https://user:password@host/…` (a health endpoint behind Basic auth): fetch refuses to send
// such a URL, so the credentials become an Authorization header, and wherever the URL is shown the password is not.

/** The URL without its user and password, and the Basic Authorization they make (if any). */
export function splitUrlCredentials(url: URL): { url: URL; authorization?: string } {
  if (!url.username && !url.password) return { url };
  const bare = new URL(url.href);
  bare.username = '';
  bare.password = '';
  const basic = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  return { url: bare, authorization: `Basic ${Buffer.from(basic, 'utf8').toString('base64')}` };
}

/** `https://user:***@host/…` for messages and views; a text that is not a URL has its `user:password@` part masked. */
export function redactUrl(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/\s]*):[^@/\s]*@/i, '$1:***@');
}
