/**
 * Where a provider's requests go, as an intent records it: the SDK's base URL without credentials, query or
 * fragment (a proxy's URL may carry a token), and without a trailing slash. A resume that asks another place cannot
 * see batches created at this one: recorded, it is told apart from a batch that was never created.
 */
export function endpointOf(baseURL: string): string {
  try {
    const url = new URL(baseURL);
    url.username = '';
    url.password = '';
    url.search = '';
    url.hash = '';
    return url.toString().replace(/\/+$/, '');
  } catch {
    return baseURL.replace(/[?#].*$/, '').replace(/\/+$/, '');
  }
}
