import { mkdtemp, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { KubeObject } from "./manifests.js";
import { repoRoot } from "./paths.js";
import { run } from "./tools.js";

/**
 * API versions the assets may use: current, non-deprecated ones only. kubernetes-models would accept
 * an autoscaling/v2beta1 HPA, so removed APIs are caught here.
 */
export const ALLOWED_API_VERSIONS = new Set([
  "v1",
  "apps/v1",
  "autoscaling/v2",
  "networking.k8s.io/v1",
  "policy/v1",
  "monitoring.coreos.com/v1",
  "cert-manager.io/v1",
]);

const CRD_PACKAGES: Record<string, string> = {
  "monitoring.coreos.com": "@kubernetes-models/prometheus-operator",
  "cert-manager.io": "@kubernetes-models/cert-manager",
};

/** The kubernetes-models module that defines this apiVersion/kind. */
export function modelModule(apiVersion: string, kind: string): string {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  const crdPackage = CRD_PACKAGES[group ?? ""];
  if (crdPackage) return `${crdPackage}/${group}/${version}/${kind}`;
  return group
    ? `kubernetes-models/${group}/${version}/${kind}`
    : `kubernetes-models/${version}/${kind}`;
}

interface Model {
  validate(): void;
}
type ModelClass = new (data: unknown) => Model;

/** Validates one object against its JSON schema; returns the errors as text ("" when valid). */
export async function schemaErrors(object: KubeObject): Promise<string> {
  const where = `${object.kind}/${object.metadata.name}`;
  if (!ALLOWED_API_VERSIONS.has(object.apiVersion)) {
    return `${where}: apiVersion ${object.apiVersion} is not allowed`;
  }
  const loaded = (await import(modelModule(object.apiVersion, object.kind))) as Record<
    string,
    unknown
  >;
  const Model = loaded[object.kind] as ModelClass | undefined;
  if (!Model) return `${where}: no model for ${object.apiVersion} ${object.kind}`;
  try {
    new Model(object).validate();
    return "";
  } catch (error) {
    return `${where}: ${(error as Error).message}`;
  }
}

export interface TypedDocument {
  /** A label for error messages. */
  name: string;
  /** Module and exported type name to check the value against. */
  typeModule: string;
  typeName: string;
  value: unknown;
}

/** The kubernetes-models interface (IDeployment, …) for an object. */
export function kubeTypedDocument(source: string, object: KubeObject): TypedDocument {
  return {
    name: `${source} ${object.kind}/${object.metadata.name}`,
    typeModule: modelModule(object.apiVersion, object.kind),
    typeName: `I${object.kind}`,
    value: object,
  };
}

/**
 * JSON schemas don't reject unknown fields (`spec.replica: 3` validates), but TypeScript's
 * excess-property check does: each document becomes a typed object literal in a generated file,
 * compiled with the repo's tsc. Returns tsc's diagnostics, mapped back to document names.
 */
export async function excessPropertyErrors(documents: TypedDocument[]): Promise<string[]> {
  const dir = await mkdtemp(path.join(tmpdir(), "crisislen-typecheck-"));
  const lines = documents.map(
    (doc, i) => `import type { ${doc.typeName} as T${i} } from "${doc.typeModule}";`,
  );
  const starts: { line: number; name: string }[] = [];
  documents.forEach((doc, i) => {
    starts.push({ line: lines.length + 1, name: doc.name });
    lines.push(
      ...`export const doc${i}: T${i} = ${JSON.stringify(doc.value, null, 1)};`.split("\n"),
    );
  });
  const file = path.join(dir, "documents.ts");
  await writeFile(file, lines.join("\n"));
  await writeFile(
    path.join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        module: "NodeNext",
        moduleResolution: "NodeNext",
        target: "ES2022",
        types: [],
      },
      files: [file],
    }),
  );
  // Module resolution walks up from the generated file; a symlinked node_modules lets it find the
  // repo's packages from the temp dir.
  await symlink(path.join(repoRoot, "node_modules"), path.join(dir, "node_modules"), "dir");
  const tsc = path.join(repoRoot, "node_modules/.bin/tsc");
  const result = await run(tsc, ["-p", path.join(dir, "tsconfig.json")], { timeoutMs: 60_000 });
  if (result.code === 0) return [];
  const diagnostics = result.stdout.split("\n").filter((l) => l.includes("error TS"));
  if (diagnostics.length === 0)
    return [`tsc exited ${result.code}: ${result.stdout}${result.stderr}`];
  // Only unknown properties (TS2353, and TS2561 "did you mean"): value types are the JSON schemas'
  // job, and Grafana's string enums reject plain string literals that are perfectly valid JSON.
  const errors = diagnostics.filter((l) => /error TS(2353|2561):/.test(l));
  return errors.map((l) => {
    const at = Number(/\((\d+),\d+\)/.exec(l)?.[1] ?? 0);
    const owner = [...starts].reverse().find((d) => d.line <= at);
    return `${owner?.name ?? "?"}: ${l.replace(/^.*?error /, "error ")}`;
  });
}
