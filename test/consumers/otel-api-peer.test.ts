/**
 * `@opentelemetry/api` as a user's project already has it. The OpenTelemetry SDK 2.x packages cap
 * their API peer below 1.10, and so do we; npm's `latest` is 1.10. So: the tarball installs
 * cleanly next to the highest API version we claim, a plain install next to 1.10 fails with
 * ERESOLVE, and the install command the README gives works in that project.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, childEnv, npmInstall, packTarball, run } from "./support/tarball.js";

const API = "@opentelemetry/api";
const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  peerDependencies: Record<string, string>;
};
const claimed = manifest.peerDependencies[API] ?? "";
const promClient = manifest.peerDependencies["prom-client"] ?? "";

let work = "";
let tarball = "";

function byVersion(a: string, b: string): number {
  const [x, y] = [a, b].map((v) => v.split(".").map(Number));
  for (let i = 0; i < 3; i++)
    if ((x?.[i] ?? 0) !== (y?.[i] ?? 0)) return (x?.[i] ?? 0) - (y?.[i] ?? 0);
  return 0;
}

/** A project whose package.json already depends on the API at `version`, installed. */
async function projectWithApi(name: string, version: string): Promise<string> {
  const dir = join(work, name);
  mkdirSync(dir);
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name, private: true }));
  const installed = await npmInstall(dir, [`${API}@${version}`]);
  expect(installed.ok, installed.output).toBe(true);
  return dir;
}

/** The distinct API versions `npm ls --all` shows: one copy means one version. */
function installedApiVersions(tree: string): string[] {
  const versions = new Set<string>();
  for (const match of tree.matchAll(/@opentelemetry\/api@(\d+\.\d+\.\d+)/g))
    versions.add(match[1] ?? "");
  return [...versions];
}

/** The README's install command (section "Install"), with the package replaced by the tarball. */
function readmeInstallArgs(): string[] {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const install = readme.slice(readme.indexOf("## Install"));
  const line = /^npm install @crisislen\/observability (.+)$/m.exec(install)?.[1];
  if (line === undefined) throw new Error("README's Install section has no `npm install` line");
  return [
    tarball,
    ...line
      .replace(/#.*/, "")
      .trim()
      .split(/\s+/)
      .map((arg) => arg.replace(/^"|"$/g, "")),
  ];
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "crisislen-otel-api-"));
  tarball = await packTarball(work);
}, 60_000);

afterAll(() => {
  if (work !== "") rmSync(work, { recursive: true, force: true });
});

describe(`the tarball next to ${API}`, () => {
  it(`installs without a warning next to the highest version of ${claimed}, sharing that one copy`, async () => {
    const { stdout } = await run(
      "npm",
      ["view", `${API}@${claimed}`, "version", "--json", "--prefer-offline"],
      {
        env: childEnv,
      },
    );
    const highest = ([JSON.parse(stdout)].flat() as string[]).sort(byVersion).at(-1) ?? "";
    expect(highest).toMatch(/^1\.9\.\d+$/);
    const dir = await projectWithApi("api-highest", highest);
    const installed = await npmInstall(dir, [tarball, `prom-client@${promClient}`]);
    expect(installed.ok, installed.output).toBe(true);
    expect(installed.output).not.toMatch(/ERESOLVE|peer dep/i);
    const { stdout: tree } = await run("npm", ["ls", "--all", API], { cwd: dir, env: childEnv });
    expect(installedApiVersions(tree)).toEqual([highest]);
  }, 240_000);

  it("1.10: a plain install fails with ERESOLVE; the README's install command works", async () => {
    const dir = await projectWithApi("api-1.10", "1.10.0");
    const plain = await npmInstall(dir, [tarball, `prom-client@${promClient}`]);
    expect(plain.ok).toBe(false);
    expect(plain.output).toContain("ERESOLVE unable to resolve dependency tree");
    expect(plain.output).toContain(`peer ${API}@"${claimed}" from @crisislen/observability`);

    const readme = await npmInstall(dir, readmeInstallArgs());
    expect(readme.ok, readme.output).toBe(true);
    expect(readme.output).not.toMatch(/ERESOLVE/);
    const { stdout: tree } = await run("npm", ["ls", "--all", API], { cwd: dir, env: childEnv });
    expect(installedApiVersions(tree)).toEqual([expect.stringMatching(/^1\.9\.\d+$/)]);
  }, 240_000);
});
