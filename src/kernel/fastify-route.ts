/**
 * The matched route's config of a Fastify request, cheaply. Fastify puts the route `url` (the
 * template, prefix included) in it, and it is undefined for requests that matched no route.
 * `request.routeOptions` builds a new object on every access, so the route context is read
 * directly under Fastify's own symbol when it is there, and through the getter otherwise (a
 * second Fastify copy in the process has its own symbol, and takes the getter).
 */

/** The fields of a route config this package reads. */
export interface FastifyRouteConfig {
  url?: string;
  metrics?: boolean;
}

interface RequestWithRouteOptions {
  routeOptions: { url?: string; config?: object };
}

let contextSymbol: symbol | null | undefined;

export function fastifyRouteConfig(request: object): FastifyRouteConfig | undefined {
  if (contextSymbol === undefined) {
    contextSymbol =
      Object.getOwnPropertySymbols(request).find(
        (symbol) => symbol.description === "fastify.context",
      ) ?? null;
  }
  if (contextSymbol !== null) {
    const context = (request as Record<symbol, { config?: FastifyRouteConfig } | undefined>)[
      contextSymbol
    ];
    if (context !== undefined) return context.config;
  }
  const route = (request as RequestWithRouteOptions).routeOptions;
  return { ...route.config, url: route.url } as FastifyRouteConfig;
}
