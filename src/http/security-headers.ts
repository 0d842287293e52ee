/**
 * Security headers (@fastify/helmet) and the web app's Content-Security-Policy.
 *
 * The built Vite app is one module script and one stylesheet from /assets, so the policy needs
 * no 'unsafe-inline' and no 'unsafe-eval': scripts, styles, fonts and fetches come from this
 * origin only; images also from data: URLs (the QR codes are SVG data URLs); nothing may frame
 * the app (clickjacking) and no plugin may load. React's `style={…}` props set styles through the
 * CSSOM, which style-src does not govern. Swagger UI (/docs) keeps the same policy except that
 * its own bundle sets inline styles, so its pages also allow 'unsafe-inline' styles.
 */
import fastifyHelmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

export function contentSecurityPolicy(options: { https: boolean }): Record<string, string[]> {
  return {
    'default-src': ["'self'"],
    'base-uri': ["'self'"],
    'script-src': ["'self'"],
    'style-src': ["'self'"],
    'img-src': ["'self'", 'data:'],
    'font-src': ["'self'"],
    'connect-src': ["'self'"],
    'manifest-src': ["'self'"],
    'worker-src': ["'self'"],
    'object-src': ["'none'"],
    'frame-src': ["'none'"],
    'frame-ancestors': ["'none'"],
    'form-action': ["'self'"],
    // Only behind HTTPS: on plain-HTTP localhost (demo) it would send every request to https://.
    ...(options.https ? { 'upgrade-insecure-requests': [] } : {}),
  };
}

export async function installSecurityHeaders(
  app: FastifyInstance,
  options: { https: boolean },
): Promise<void> {
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: { useDefaults: false, directives: contentSecurityPolicy(options) },
    // HSTS only means something over HTTPS; a year, subdomains included (ASVS V3.4.1).
    strictTransportSecurity: options.https ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    crossOriginEmbedderPolicy: false,
    referrerPolicy: { policy: 'no-referrer' },
  });
}

/** Swagger UI's own pages: the same policy with inline styles allowed (its bundle needs them). */
export function docsContentSecurityPolicy(header: string): string {
  return header.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'");
}
