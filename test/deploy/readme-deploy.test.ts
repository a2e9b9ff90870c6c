/**
 * Issue #16 item 5: the README's deploy command failed as pasted (`missing in charts/ directory:
 * postgresql, redis`). Each shell block of README.md's "Deploy" section is run as written, with bash,
 * in a project whose node_modules holds this package's deploy/ folder (as npm installs it), with:
 * - helm: the real binary, except that `dependency build` places the upstream packages
 *   (../shared/charts) where the registry download would, and `upgrade --install` of a local chart
 *   becomes `helm template` with the same arguments (there is no cluster; deploy.sh's registry
 *   charts are only recorded);
 * - kubectl: a stand-in that records its calls.
 * Skipped, with the reason, where the upstream packages are absent.
 */
import { chmod, cp, mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { IDeployment } from "kubernetes-models/apps/v1/Deployment";
import { beforeAll, describe, expect, it } from "vitest";
import { readableSecretKeys } from "./support/cross-reference.js";
import { findOne, parseManifests } from "./support/manifests.js";
import { deployDir, repoRoot } from "./support/paths.js";
import { run, toolPath } from "./support/tools.js";
import { upstreamMissing, upstreamPackage } from "./support/upstream.js";

const missing = upstreamMissing();

/** The ```sh blocks between "## Deploy" and the next "## " heading of README.md. */
function deployBlocks(): string[] {
  const readme = readFileSync(path.join(repoRoot, "README.md"), "utf8");
  const section = readme.slice(
    readme.indexOf("\n## Deploy\n"),
    readme.indexOf("\n## ", readme.indexOf("\n## Deploy\n") + 5),
  );
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

let project: string;
let bin: string;

async function runBlock(script: string) {
  const log = path.join(project, "calls.log");
  await writeFile(log, "");
  const result = await run("bash", ["-euo", "pipefail", "-c", script], {
    cwd: project,
    env: {
      PATH: `${bin}:/usr/bin:/bin`,
      HOME: project,
      // Bash reads /etc/bash.bashrc when its stdin is a socket (vitest's) at the first shell level.
      SHLVL: "1",
      CALL_LOG: log,
      RENDERED: path.join(project, "rendered.yaml"),
      HELM_CACHE_HOME: path.join(project, ".helm/cache"),
      HELM_CONFIG_HOME: path.join(project, ".helm/config"),
      HELM_DATA_HOME: path.join(project, ".helm/data"),
    },
    timeoutMs: 60_000,
  });
  return { ...result, calls: (await readFile(log, "utf8")).split("\n").filter(Boolean) };
}

const title = "README.md's Deploy section, run as pasted";
describe.skipIf(missing !== undefined)(missing ? `${title} (skipped: ${missing})` : title, () => {
  beforeAll(async () => {
    project = await mkdtemp(path.join(tmpdir(), "crisislen-readme-deploy-"));
    await cp(deployDir, path.join(project, "node_modules/@crisislen/observability/deploy"), {
      recursive: true,
    });
    bin = path.join(project, "bin");
    await mkdir(bin);
    const packages = ["postgresql", "redis"].map((c) =>
      upstreamPackage(c as "postgresql" | "redis"),
    );
    await writeFile(
      path.join(bin, "helm"),
      [
        "#!/usr/bin/env bash",
        'echo "helm $*" >> "$CALL_LOG"',
        'if [ "$1 $2" = "dependency build" ]; then',
        '  mkdir -p "$3/charts"',
        ...packages.map((p) => `  cp "${p}" "$3/charts/"`),
        "  exit 0",
        "fi",
        // A local chart is rendered; deploy.sh's registry charts are only recorded.
        'if [ "$1 $2" = "upgrade --install" ]; then',
        "  shift 2",
        '  [ -d "$2" ] || exit 0',
        `  exec "${toolPath("helm")}" template "$@" --kube-version 1.30.0 > "$RENDERED"`,
        "fi",
        `exec "${toolPath("helm")}" "$@"`,
        "",
      ].join("\n"),
    );
    await writeFile(
      path.join(bin, "kubectl"),
      '#!/usr/bin/env bash\necho "kubectl $*" >> "$CALL_LOG"\n',
    );
    await Promise.all(["helm", "kubectl"].map((name) => chmod(path.join(bin, name), 0o755)));
  });

  it("has the Helm block and the deploy.sh block", () => {
    const blocks = deployBlocks();
    expect(blocks).toHaveLength(2);
    expect(blocks[0]).toContain("helm dependency build");
    expect(blocks[1]).toContain("scripts/deploy.sh");
  });

  it("Helm: every command succeeds, and the release reads the Secrets the block creates, each database only its own", async () => {
    const { code, stderr, calls } = await runBlock(deployBlocks()[0]!);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(calls.map((c) => c.split(" ").slice(0, 3).join(" "))).toEqual([
      "helm dependency build",
      "kubectl create namespace",
      "kubectl -n crisislen",
      "kubectl -n crisislen",
      "kubectl -n crisislen",
      "helm upgrade --install",
    ]);
    // Secret name → the keys the block gives it, each an openssl 64-hex-digit value.
    const created = new Map<string, string[]>();
    for (const call of calls.slice(2, 5)) {
      const name = /^kubectl -n crisislen create secret generic (\S+) /.exec(call)?.[1];
      const pairs = [...call.matchAll(/--from-literal=(\w+)=(\S*)/g)];
      expect(name, call).toBeDefined();
      for (const [, key, value] of pairs) expect(value, `${name} ${key}`).toMatch(/^[0-9a-f]{64}$/);
      created.set(
        name!,
        pairs.map((m) => m[1]!),
      );
    }
    expect(Object.fromEntries(created)).toEqual({
      "crisislen-api-secrets": ["SECRET_KEY"],
      "crisislen-api-postgresql-password": ["POSTGRES_PASSWORD"],
      "crisislen-api-redis-password": ["REDIS_PASSWORD"],
    });
    const keysOf = (name: string) => {
      const keys = created.get(name);
      if (!keys)
        throw new Error(`the release reads Secret ${name}, which the block does not create`);
      return keys;
    };
    const objects = parseManifests(await readFile(path.join(project, "rendered.yaml"), "utf8"));
    expect(objects.filter((o) => o.kind === "Secret")).toEqual([]);
    const deployment = findOne<IDeployment>(objects, "Deployment", "crisislen-api");
    expect(readableSecretKeys(deployment as never, keysOf)).toEqual([
      "crisislen-api-postgresql-password/POSTGRES_PASSWORD",
      "crisislen-api-redis-password/REDIS_PASSWORD",
      "crisislen-api-secrets/SECRET_KEY",
    ]);
    const database = (chart: string) =>
      objects.find(
        (o) => o.kind === "StatefulSet" && o.metadata.labels?.["app.kubernetes.io/name"] === chart,
      );
    expect(readableSecretKeys(database("postgresql") as never, keysOf)).toEqual([
      "crisislen-api-postgresql-password/POSTGRES_PASSWORD",
    ]);
    expect(readableSecretKeys(database("redis") as never, keysOf)).toEqual([
      "crisislen-api-redis-password/REDIS_PASSWORD",
    ]);
  });

  it("deploy.sh: refuses the copied templates as pasted, runs once they are filled in", async () => {
    const block = deployBlocks()[1]!;
    const refused = await runBlock(block);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /SECRET_KEY in secrets\.env is still a placeholder; refusing to deploy/,
    );
    expect(refused.calls).toEqual([]);
    // The user fills the three files in; the cp lines would overwrite them, so run the rest.
    for (const file of ["secrets.env", "db-passwords.env", "alertmanager-receivers.env"]) {
      const text = await readFile(path.join(project, file), "utf8");
      await writeFile(
        path.join(project, file),
        text.replaceAll("CHANGE_ME", "filled-in-0123456789"),
      );
    }
    const filled = await runBlock(block.replace(/^cp .*$/gm, ""));
    expect(filled.stderr).toBe("");
    expect(filled.code).toBe(0);
    expect(filled.calls).toContain(
      "kubectl -n crisislen rollout status deployment/crisislen-api --timeout=300s",
    );
  });
});
