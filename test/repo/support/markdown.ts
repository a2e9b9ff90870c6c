/** Small Markdown readers for the repository tests: links, headings' anchors and code blocks. */

/** A link target as written, with the line it is on (1-based). */
export interface MarkdownLink {
  target: string;
  line: number;
}

/** The text with fenced code blocks and inline code blanked out (line numbers kept). */
export function withoutCode(markdown: string): string {
  return withoutFences(markdown)
    .split("\n")
    .map((line) => line.replace(/(`+)[^`]*?\1/g, ""))
    .join("\n");
}

/** Inline links and images `[x](target)`, reference definitions `[x]: target`, HTML src/href. */
export function links(markdown: string): MarkdownLink[] {
  const found: MarkdownLink[] = [];
  withoutCode(markdown)
    .split("\n")
    .forEach((text, index) => {
      const line = index + 1;
      for (const match of text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
        found.push({ target: match[1] ?? "", line });
      }
      const reference = /^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/.exec(text);
      if (reference?.[1] !== undefined) found.push({ target: reference[1], line });
      for (const match of text.matchAll(/\b(?:src|href)="([^"]+)"/g)) {
        found.push({ target: match[1] ?? "", line });
      }
    });
  return found;
}

/**
 * The anchors of a document: those GitHub gives its headings (github-slugger's rules, duplicates
 * numbered) and HTML `id`/`name` attributes (TypeDoc's `<a id="property-x">`).
 */
export function anchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const text of withoutFences(markdown).split("\n")) {
    for (const match of text.matchAll(/<a\s[^>]*\b(?:id|name)="([^"]+)"/g))
      anchors.add(match[1] ?? "");
    const heading = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(text)?.[1];
    if (heading === undefined) continue;
    const base = heading
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
      .replace(/ /g, "-");
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** The text with fenced code blocks blanked out (line numbers kept). */
export function withoutFences(markdown: string): string {
  let fence: string | undefined;
  return markdown
    .split("\n")
    .map((line) => {
      const marker = /^\s*(```+|~~~+)/.exec(line)?.[1];
      if (fence === undefined && marker !== undefined) fence = marker;
      else if (fence !== undefined && line.trim().startsWith(fence)) fence = undefined;
      else if (fence === undefined) return line;
      return "";
    })
    .join("\n");
}

/** A fenced code block: its info string's language, its text, where it is and under which headings. */
export interface CodeBlock {
  lang: string;
  code: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The headings it sits under, outermost first (`["Quick start", "Express"]`). */
  headings: string[];
}

/** Every fenced code block of a document, in order. */
export function codeBlocks(markdown: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const trail: string[] = [];
  let open: { fence: string; lang: string; line: number; lines: string[] } | undefined;
  markdown.split("\n").forEach((text, index) => {
    if (open !== undefined) {
      if (text.trim() === open.fence || text.trim().startsWith(open.fence)) {
        blocks.push({
          lang: open.lang,
          code: open.lines.join("\n"),
          line: open.line,
          headings: [...trail],
        });
        open = undefined;
      } else open.lines.push(text);
      return;
    }
    const fence = /^\s{0,3}(```+|~~~+)\s*([^\s`]*)/.exec(text);
    if (fence !== null) {
      open = { fence: fence[1] ?? "```", lang: fence[2] ?? "", line: index + 1, lines: [] };
      return;
    }
    const heading = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(text);
    if (heading !== null) {
      const level = heading[1]?.length ?? 1;
      trail.splice(level - 1);
      while (trail.length < level - 1) trail.push("");
      trail.push(heading[2] ?? "");
    }
  });
  return blocks;
}

/** "README.md:42 (Quick start › Express)": where a block is, for failure messages. */
export function describeBlock(file: string, block: CodeBlock): string {
  const trail = block.headings.filter((heading) => heading !== "").slice(1);
  return `${file}:${block.line} (${trail.join(" › ") || "top"})`;
}
