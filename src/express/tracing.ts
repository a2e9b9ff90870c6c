/**
 * Express: route names come from `@opentelemetry/instrumentation-express`, which patches
 * `Router.route/use` when express is required. Here we only check that the patch reached this
 * app and say clearly what to do when it did not.
 */
import type { ExpressLike } from "../kernel/frameworks.js";
import { PACKAGE_NAME, warnOnce } from "../kernel/logger.js";
import { sharedSymbol } from "../kernel/global-state.js";

const TRACED = sharedSymbol("traced-app");
const PRELOAD_HINT = `start the process with \`node --import ${PACKAGE_NAME}/register app.js\` (ESM) or \`node --require ${PACKAGE_NAME}/register app.js\` (CommonJS)`;

interface Layer {
  route?: unknown;
  name?: string;
}
interface RouterLike {
  stack?: Layer[];
  route?: unknown;
}
/** The router parts of an Express 4 or 5 app read here. */
interface ExpressApp extends ExpressLike {
  lazyrouter?: () => void;
  _router?: RouterLike;
  router?: RouterLike;
}

function routerOf(app: ExpressApp): RouterLike | undefined {
  // Express 4 throws from the `app.router` getter; it creates its router lazily instead.
  if (typeof app.lazyrouter === "function") {
    app.lazyrouter();
    return app._router;
  }
  return app.router;
}

const wrapped = (fn: unknown): boolean =>
  typeof fn === "function" && (fn as { __wrapped?: boolean }).__wrapped === true;

/** Checks the instrumentation reached `app`; warns once otherwise. `hookedLate`: the hooks were installed after express loaded. */
export function instrumentExpress(app: ExpressLike, hookedLate: boolean): void {
  const marked = app as unknown as Record<symbol, unknown>;
  if (marked[TRACED] === true) return;
  marked[TRACED] = true;
  const router = routerOf(app);
  const proto = router ? (Object.getPrototypeOf(router) as RouterLike) : undefined;
  if (!wrapped(proto?.route)) {
    warnOnce(
      "express:unhooked",
      `express is not instrumented (it was loaded in a way the require hook cannot patch, e.g. bundled, or a second copy): server spans carry no route name. To fix it, ${PRELOAD_HINT}.`,
    );
    return;
  }
  const hasRoutes = (router?.stack ?? []).some(
    (layer) => layer.route !== undefined || layer.name === "router",
  );
  if (hookedLate && hasRoutes) {
    warnOnce(
      "express:late",
      `instrumentApp(app) was called after routes were defined; those routes get no route name on their server spans. Call instrumentApp right after creating the app, or ${PRELOAD_HINT}.`,
    );
  }
}
