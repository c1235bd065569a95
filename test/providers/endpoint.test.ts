import { describe, expect, it } from 'vitest';
import { endpointOf } from '../../src/providers/endpoint.js';

describe('endpointOf: the base URL an intent records', () => {
  it('keeps scheme, host, port and path; drops credentials, query, fragment and trailing slashes', () => {
    expect(endpointOf('http://user:pw@host:1/v1?token=x#f')).toBe('http://host:1/v1');
    expect(endpointOf('https://api.openai.com/v1/')).toBe('https://api.openai.com/v1');
    expect(endpointOf('http://127.0.0.1:3000')).toBe('http://127.0.0.1:3000');
  });

  it('drops credentials from a URL without a scheme too, which parses as one of scheme `user:`', () => {
    expect(endpointOf('user:s3cretPW@127.0.0.1:39587/v1')).toBe('127.0.0.1:39587/v1');
    expect(endpointOf('localhost:4000/v1?key=k')).toBe('localhost:4000/v1');
  });
});
