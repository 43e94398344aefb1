import { describe, expect, it } from 'vitest';
import { atOrigin, parseHeaderOrigin, type HeaderOrigin } from '../../src/node/tools/header-origins';

const origin = (key: string): HeaderOrigin => {
  const parsed = parseHeaderOrigin(key);
  if (typeof parsed === 'string') throw new Error(`${key}: ${parsed}`);
  return parsed;
};

describe('tools.http.headers keys: the hosts a URL has', () => {
  it('takes a Docker Compose service name with "_", as allowHosts and a URL do', () => {
    expect(origin('http://auth_service:8080')).toEqual({ scheme: 'http', host: 'auth_service', port: 8080 });
    expect(origin('auth_service')).toEqual({ scheme: 'https', host: 'auth_service', port: 443 });
    expect(atOrigin(new URL('http://auth_service:8080/token'), origin('http://auth_service:8080'))).toBe(true);
  });

  it('takes an internationalised name and matches the URL for it, which is punycode', () => {
    expect(origin('bücher.example').host).toBe('xn--bcher-kva.example');
    expect(atOrigin(new URL('https://BÜCHER.example/x'), origin('bücher.example'))).toBe(true);
    expect(atOrigin(new URL('https://shop.bücher.example/x'), origin('*.bücher.example'))).toBe(true);
  });

  it('refuses a host with a trailing dot, which no request URL would match, saying what to write', () => {
    expect(parseHeaderOrigin('api.github.com.')).toBe('a host ending in "." matches no request: write "api.github.com"');
    expect(parseHeaderOrigin('http://svc.:8080')).toBe('a host ending in "." matches no request: write "svc"');
  });

  it('still refuses what is no origin', () => {
    for (const key of ['https://api.github.com/repos', 'token@api.github.com', 'api.github.com:99999', 'a b.example', 'xn--a.example', '*.']) {
      expect(parseHeaderOrigin(key), key).toMatch(/^not an origin: /);
    }
  });
});
