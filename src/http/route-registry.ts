/**
 * Every route the app registers, collected with Fastify's onRoute hook as it is added: the
 * security tests (authorisation matrix, CSRF, fuzzing) enumerate this list, so a route another
 * module adds is covered without anyone remembering to list it.
 */
import type { FastifyInstance, RouteOptions } from 'fastify';

export interface RegisteredRoute {
  readonly method: string;
  readonly url: string;
  /** The route's zod body schema, when it has one (fuzzing). */
  readonly bodySchema: unknown;
  readonly hidden: boolean;
}

const registries = new WeakMap<FastifyInstance, RegisteredRoute[]>();

/** Installs the hook; call right after creating the instance, before any route. */
export function collectRoutes(app: FastifyInstance): void {
  const routes: RegisteredRoute[] = [];
  registries.set(app, routes);
  app.addHook('onRoute', (route: RouteOptions) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const schema = route.schema as { body?: unknown; hide?: boolean } | undefined;
    for (const method of methods) {
      routes.push({ method, url: route.url, bodySchema: schema?.body, hidden: schema?.hide === true });
    }
  });
}

export function registeredRoutes(app: FastifyInstance): readonly RegisteredRoute[] {
  // Child plugin instances share the root's hook; the list lives on the root.
  const routes = registries.get(app);
  if (!routes) throw new Error('collectRoutes was not installed on this app');
  return routes;
}
