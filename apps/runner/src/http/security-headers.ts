import type { MiddlewareHandler } from 'hono';
import { secureHeaders } from 'hono/secure-headers';

/**
 * Headers on every response (editor, API, docs, errors): the editor cannot be framed by
 * another page (clickjacking), runs only its own scripts, and leaks no referrer.
 * - script-src 'self': the built editor has no inline script (see preload-editor.ts).
 * - style-src 'unsafe-inline': React Flow and Recharts set style attributes, and /api/docs
 *   (a self-contained page that must work offline) carries its own <style> block.
 * - img-src data: the favicon is a data: URL.
 * - no HSTS: the runner speaks plain HTTP, usually on loopback.
 */
export function securityHeaders(): MiddlewareHandler {
  return secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      fontSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'none'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
    xFrameOptions: 'DENY',
    xContentTypeOptions: true,
    referrerPolicy: 'no-referrer',
    strictTransportSecurity: false,
  });
}
