/**
 * Where a provider's requests go, as an intent records it: the SDK's base URL without credentials, query or
 * fragment (a proxy's URL may carry a token), and without a trailing slash. A resume that asks another place cannot
 * see batches created at this one: recorded, it is told apart from a batch that was never created.
 */
export function endpointOf(baseURL: string): string {
  try {
    const url = new URL(baseURL);
    if (url.protocol === 'http:' || url.protocol === 'https:') {
      url.username = '';
      url.password = '';
      url.search = '';
      url.hash = '';
      return url.toString().replace(/\/+$/, '');
    }
  } catch {
    // Not a URL: cut by hand below.
  }
  // `user:secret@host/v1` parses as a URL of scheme `user:`: whatever precedes an `@` before the path goes.
  return baseURL
    .replace(/[?#].*$/, '')
    .replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^/]*@/i, '$1')
    .replace(/\/+$/, '');
}
