/**
 * The README a user reads in node_modules (or on npmjs.com) links only to what ships: every
 * relative link in every Markdown file of the tarball resolves to a file of the tarball, and an
 * anchor to a heading of its target. The package names where it lives (repository, homepage,
 * bugs), so npmjs.com can link back to it.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, normalize, resolve } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { anchors, links } from "./support/markdown.js";

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, "../..");
const REPOSITORY = "https://github.com/crisislen/observability";

let packed: string[] = [];

beforeAll(async () => {
  // --ignore-scripts: the file list does not depend on the prepack build.
  const { stdout } = await run("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
    cwd: ROOT,
    timeout: 60_000,
  });
  const [info] = JSON.parse(stdout) as { files: { path: string }[] }[];
  packed = (info?.files ?? []).map((file) => file.path);
}, 90_000);

describe("links in the shipped Markdown", () => {
  it("the tarball ships README.md and the documents it links to", () => {
    expect(packed).toEqual(
      expect.arrayContaining(["README.md", "RELIABILITY.md", "docs/tracing.md", "docs/runtime.md"]),
    );
  });

  it("every relative link of every shipped .md file resolves inside the tarball", () => {
    const dead: string[] = [];
    const shipped = new Set(packed);
    for (const file of packed.filter((path) => path.endsWith(".md"))) {
      const markdown = readFileSync(join(ROOT, file), "utf8");
      for (const { target, line } of links(markdown)) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
        const [path = "", anchor] = target.split("#");
        const resolved = path === "" ? file : normalize(join(dirname(file), decodeURI(path)));
        const isFolder = [...shipped].some((p) => p.startsWith(`${resolved.replace(/\/$/, "")}/`));
        if (!shipped.has(resolved) && !isFolder) {
          dead.push(`${file}:${line}: ${target} (${resolved} is not in the tarball)`);
        } else if (anchor !== undefined && resolved.endsWith(".md")) {
          const targets = anchors(readFileSync(join(ROOT, resolved), "utf8"));
          if (!targets.has(anchor))
            dead.push(`${file}:${line}: ${target} (no heading or anchor #${anchor})`);
        }
      }
    }
    expect(dead).toEqual([]);
  });
});

describe("package.json", () => {
  const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as Record<
    string,
    unknown
  >;

  it("names the repository, the homepage and where to report bugs", () => {
    expect(manifest.repository).toEqual({ type: "git", url: `git+${REPOSITORY}.git` });
    expect(manifest.homepage).toBe(`${REPOSITORY}#readme`);
    expect(manifest.bugs).toEqual({ url: `${REPOSITORY}/issues` });
  });
});
