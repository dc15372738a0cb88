// A document of a scanned file with source positions: its plain value, and where a property path is
// written in it, so that a finding points at the line of the field. YAML (yaml-source.ts) and JSON
// (json-source.ts) documents both come as this.

/** 1-based, as editors and SARIF count. */
export interface Location {
    /** As shown to the user: relative to the working directory, `<stdin>` for standard input. */
    readonly file: string;
    readonly line: number;
    readonly column: number;
}

/** A property path: `spec.template.spec.containers[1].env` is `["spec", "template", "spec", "containers", 1, "env"]`. */
export type PropertyPath = ReadonlyArray<string | number>;

/**
 * A node of the source: a mapping's children are its keys and values in turn, a sequence's its
 * items. An alias (`*name`) has no children: its value is what it stands for.
 */
export interface SourceNode {
    readonly kind: "mapping" | "sequence" | "scalar" | "alias" | null;
    /** Offset of the node's first character in the document's text; for a value after `key:`, right after the colon. */
    readonly offset: number;
    readonly line: number;
    readonly column: number;
    /** A scalar's value (keys are scalars); an alias's target. */
    readonly value?: unknown;
    readonly children: SourceNode[];
}

/** What a file holds at a place: the document can't be read (a syntax error, an alias bomb, too deep, too large). */
export class SourceError extends Error {
    constructor(
        readonly location: Location,
        message: string,
        /** `not valid YAML` / `not valid JSON` for a syntax error; undefined for what the scan refuses to read. */
        readonly language?: "YAML" | "JSON",
    ) {
        super(message);
    }
}

/** Nesting deeper than this is refused: no manifest comes near it, and the parsers recurse. */
export const maxDepth = 1000;

export interface SourceDocument {
    /** The document as plain JavaScript values. */
    readonly value: unknown;
    readonly root: SourceNode | undefined;
    /** The node written at `path` below `from` (the root by default); undefined where it isn't written. */
    nodeAt(path: PropertyPath, from?: SourceNode): SourceNode | undefined;
    /**
     * Where `path` below `from` is written: the key of a map entry, the start of a list item; the
     * nearest written ancestor when the path isn't written, and `fallback` (where `from` is) when
     * none of it is.
     */
    locate(path: PropertyPath, from?: SourceNode, fallback?: Location): Location;
    /** The first line of a block scalar's content (`|`, `>`), from which its lines count; undefined for other nodes. */
    blockScalarStart(node: SourceNode | undefined): number | undefined;
}

/** A document's value and node tree as the place to look things up. `text` is the document's own text, which node offsets index. */
export function sourceDocument(file: string, text: string, value: unknown, root: SourceNode | undefined): SourceDocument {
    const at = (node: SourceNode): Location => ({ file, line: node.line, column: node.column });
    /** Follows `path` as far as it is written: the last node reached, and the node that says where. */
    const walk = (path: PropertyPath, from: SourceNode | undefined) => {
        let node = from;
        let where: SourceNode | undefined;
        for (const segment of path) {
            let next: SourceNode | undefined;
            let key: SourceNode | undefined;
            if (node?.kind === "mapping") {
                // The last entry of a key wins, as in JSON.parse (YAML refuses duplicates).
                for (let i = node.children.length - 2 - (node.children.length % 2); i >= 0; i -= 2) {
                    if (String(node.children[i].value) === String(segment)) {
                        key = node.children[i];
                        next = node.children[i + 1];
                        break;
                    }
                }
            } else if (node?.kind === "sequence" && typeof segment === "number") {
                next = key = node.children[segment];
            }
            if (!next || !key) {
                return { node: undefined, where };
            }
            node = next;
            where = key;
        }
        return { node, where };
    };
    return {
        value,
        root,
        nodeAt: (path, from = root) => walk(path, from).node,
        locate: (path, from = root, fallback) => {
            const { where } = walk(path, from);
            return where ? at(where) : (fallback ?? (from ? at(from) : { file, line: 1, column: 1 }));
        },
        blockScalarStart(node) {
            if (node?.kind !== "scalar") {
                return undefined;
            }
            let i = node.offset;
            while (text[i] === " " || text[i] === "\t") {
                i++;
            }
            // `|` or `>` on the key's line; the content starts on the next line.
            return text[i] === "|" || text[i] === ">" ? node.line + 1 : undefined;
        },
    };
}
