/**
 * deploy/scripts/deploy.sh run against stand-in kubectl and helm: they log their arguments and
 * succeed. With RECORD_BUILDS=1 the kubectl stand-in also saves what each `apply -k <dir>` would
 * send (the real kubectl's `kustomize <dir>`). It answers `get deployment …
 * last-applied-configuration` with $LAST_APPLIED. `helm template` is real: deploy.sh renders the
 * SLO rules for another NAMESPACE with it.
 */
import { chmod, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseManifests, type KubeObject } from "./manifests.js";
import { deployScript } from "./paths.js";
import { run, toolPath, type RunResult } from "./tools.js";

export const GOOD_SECRETS = "SECRET_KEY=0123456789abcdef\n";
export const GOOD_DB_PASSWORDS = ["POSTGRES_PASSWORD=s3cret", "REDIS_PASSWORD=r3dis"].join("\n");
export const GOOD_RECEIVERS = [
  "pagerduty-routing-key=0123456789abcdef0123456789abcdef",
  "slack-webhook-url=https://hooks.slack.com/services/T000/B000/XXXX",
].join("\n");

let sandbox: Promise<string> | undefined;

function standIns(): Promise<string> {
  sandbox ??= (async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "crisislen-deploy-sh-"));
    await writeFile(
      path.join(dir, "helm"),
      `#!/usr/bin/env bash\nif [ "$1" = template ]; then exec "${toolPath("helm")}" "$@"; fi\necho "helm $*" >> "$CALL_LOG"\n`,
    );
    await writeFile(
      path.join(dir, "kubectl"),
      [
        "#!/usr/bin/env bash",
        'echo "kubectl $*" >> "$CALL_LOG"',
        'args=("$@")',
        'for i in "${!args[@]}"; do',
        '  if [ -n "$RECORD_BUILDS" ] && [ "${args[$i]}" = -k ] && [[ "${args[$((i + 1))]}" == */app* ]]; then',
        '    echo "--- # apply -k ${args[$((i + 1))]}" >> "$BUILDS"',
        `    "${toolPath("kubectl")}" kustomize "\${args[$((i + 1))]}" >> "$BUILDS"`,
        "  fi",
        "done",
        'if [ "${args[0]}" = kustomize ]; then exec "' + toolPath("kubectl") + '" "$@"; fi',
        'case "$*" in *"get deployment"*last-applied*) printf %s "${LAST_APPLIED:-}" ;; esac',
        "",
      ].join("\n"),
    );
    for (const name of ["kubectl", "helm"]) await chmod(path.join(dir, name), 0o755);
    return dir;
  })();
  return sandbox;
}

export interface DeployRun extends RunResult {
  /** Every stand-in call, with the script's temp dir written as $WORK/. */
  calls: string[];
  /** Every object the `apply -k` calls would have sent (with RECORD_BUILDS=1 in the env). */
  builds: KubeObject[];
}

/**
 * Runs deploy.sh with `args`, a secrets file holding `secrets` (none when undefined), `extraEnv`,
 * the receivers' credentials and the database passwords file (none when null).
 */
export async function runDeploy(
  args: string[],
  secrets: string | undefined,
  extraEnv: NodeJS.ProcessEnv = {},
  receivers = GOOD_RECEIVERS,
  dbPasswords: string | null = GOOD_DB_PASSWORDS,
): Promise<DeployRun> {
  const bin = await standIns();
  const dir = await mkdtemp(path.join(bin, "run-"));
  const callLog = path.join(dir, "calls.log");
  const builds = path.join(dir, "builds.yaml");
  await writeFile(callLog, "");
  await writeFile(builds, "");
  const env: NodeJS.ProcessEnv = {
    PATH: `${bin}:/usr/bin:/bin`,
    CALL_LOG: callLog,
    BUILDS: builds,
    SECRETS_FILE: path.join(dir, "secrets.env"),
    DB_PASSWORDS_FILE: path.join(dir, "db-passwords.env"),
    ALERTMANAGER_SECRETS_FILE: path.join(dir, "receivers.env"),
    ...extraEnv,
  };
  if (secrets !== undefined) await writeFile(path.join(dir, "secrets.env"), secrets);
  if (dbPasswords !== null) await writeFile(path.join(dir, "db-passwords.env"), dbPasswords);
  await writeFile(path.join(dir, "receivers.env"), receivers);
  const result = await run("bash", [deployScript, ...args], { env, timeoutMs: 30_000 });
  // The generated kustomization lives in a temp dir that deploy.sh removes; name it for comparisons.
  const calls = (await readFile(callLog, "utf8"))
    .split("\n")
    .filter(Boolean)
    .map((c) => c.replace(/\/tmp\/tmp\.[A-Za-z0-9]+\//g, "$WORK/"));
  return { ...result, calls, builds: parseManifests(await readFile(builds, "utf8")) };
}
