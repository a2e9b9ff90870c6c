// The arrows between the folders of src/ (ARCHITECTURE.md draws them), enforced on every import.
// Every src file sits one folder deep, so an import of another folder reads `../<folder>/…` and
// an import of an entry point reads `../index.js`; the rules below match those specifiers.
// test/layering.test.ts lints deliberately wrong imports against this config.

/** The src folders each folder may import (besides its own files). */
const ALLOWED = {
  kernel: [],
  metrics: ["kernel"],
  http: ["kernel", "metrics"],
  exposition: ["kernel", "metrics", "http"],
  health: ["kernel"],
  shutdown: ["kernel", "health"],
  tracing: ["kernel"],
  fastify: ["kernel", "metrics", "http", "exposition", "health", "shutdown", "tracing"],
  express: ["kernel", "metrics", "http", "exposition", "health", "shutdown", "tracing"],
};

const FASTIFY_PACKAGES = "^(fastify|fastify-plugin|@fastify/.*)$";
const EXPRESS_PACKAGES = "^express$";
const FRAMEWORK_PACKAGES = `${FASTIFY_PACKAGES}|${EXPRESS_PACKAGES}`;
// The SDK and its instrumentations load only when tracing starts; the API is a no-op until then.
const SDK_PACKAGES = "^(@opentelemetry/(?!api$).*|import-in-the-middle|require-in-the-middle)$";

/** Folders that must load no framework and no SDK: the core and the framework-neutral parts. */
const CORE = ["kernel", "metrics", "http", "exposition", "health", "shutdown"];

function otherFolders(folder, allowed) {
  const ok = [folder, ...allowed].join("|");
  return {
    regex: `^\\.\\./(?!(${ok})/)`,
    message: `src/${folder}/ may import only ${allowed.length ? allowed.map((f) => `src/${f}/`).join(", ") : "its own files"} (see ARCHITECTURE.md).`,
  };
}

function layer(folder, { files = [`src/${folder}/**/*.ts`], ignores = [], extra = [] } = {}) {
  const patterns = [otherFolders(folder, ALLOWED[folder]), ...extra];
  if (CORE.includes(folder)) {
    patterns.push(
      { regex: FRAMEWORK_PACKAGES, message: `src/${folder}/ must not load Fastify or Express.` },
      { regex: SDK_PACKAGES, message: `src/${folder}/ must not load the OpenTelemetry SDK.` },
    );
  }
  return { files, ignores, rules: { "no-restricted-imports": ["error", { patterns }] } };
}

// The two integrations never import each other's folder (ALLOWED), nor each other's framework.
const noFastify = [
  { regex: FASTIFY_PACKAGES, message: "The Express integration never loads Fastify." },
];
const noExpress = [
  { regex: EXPRESS_PACKAGES, message: "The Fastify integration never loads Express." },
];

export const layers = [
  ...CORE.map((folder) => layer(folder)),
  layer("tracing", {
    ignores: [
      "src/tracing/instrument-app.ts",
      "src/tracing/trace-function.ts",
      "src/tracing/log-correlation.ts",
    ],
    extra: [{ regex: FRAMEWORK_PACKAGES, message: "src/tracing/ must not load a framework." }],
  }),
  {
    // instrumentApp picks the integration for the app it is given: the one arrow into them.
    files: ["src/tracing/instrument-app.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: "^\\.\\./(?!(kernel/|fastify/tracing\\.js$|express/tracing\\.js$))",
              message:
                "instrumentApp may import only src/kernel/ and the two tracing adapters (fastify/tracing.ts, express/tracing.ts).",
            },
            { regex: FRAMEWORK_PACKAGES, message: "src/tracing/ must not load a framework." },
          ],
        },
      ],
    },
  },
  {
    // Decorating a class, or configuring a logger, must cost nothing until tracing starts: the
    // API and the kernel only.
    files: ["src/tracing/trace-function.ts", "src/tracing/log-correlation.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: "^(?!(@opentelemetry/api|node:.*|\\.\\./kernel/.*)$)",
              message:
                "traceFunction and traceLogFields import only @opentelemetry/api and src/kernel/.",
            },
          ],
        },
      ],
    },
  },
  layer("fastify", { extra: noExpress }),
  layer("express", { extra: noFastify }),
];
