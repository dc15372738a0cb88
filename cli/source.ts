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

/** A node of a document's source, by its number in the document's tree (SourceTree). */
export type SourceNode = number;

export type NodeKind = "mapping" | "sequence" | "scalar" | "alias";
const kinds: ReadonlyArray<NodeKind | null> = [null, "mapping", "sequence", "scalar", "alias"];

/** A growable list of 32-bit integers. */
class Ints {
    private data = new Int32Array(32);
    length = 0;

    push(value: number): void {
        if (this.length === this.data.length) {
            const grown = new Int32Array(this.data.length * 2);
            grown.set(this.data);
            this.data = grown;
        }
        this.data[this.length++] = value;
    }

    get(i: number): number {
        return this.data[i];
    }

    set(i: number, value: number): void {
        this.data[i] = value;
    }
}

/**
 * The nodes of a document with their positions: a mapping's children are its keys and values in
 * turn, a sequence's its items; a scalar has its value, an alias (`*name`) what it stands for.
 * Kept in columns of integers, about 40 bytes a node (an object per node took three times the
 * memory of the document's values).
 */
export class SourceTree {
    private readonly kinds = new Ints();
    /** Offset of the node's first character in the document's text; for a value after `key:`, right after the colon. */
    private readonly offsets = new Ints();
    private readonly lines = new Ints();
    private readonly columns = new Ints();
    private readonly firstChild = new Ints();
    private readonly childCounts = new Ints();
    /** Each node's children, one after another. */
    private readonly childList = new Ints();
    private readonly values: unknown[] = [];

    /** A node, starting at `offset` (`line` and `column` 1-based); its kind and children come when it closes. */
    open(offset: number, line: number, column: number): SourceNode {
        const node = this.kinds.length;
        this.kinds.push(0);
        this.offsets.push(offset);
        this.lines.push(line);
        this.columns.push(column);
        this.firstChild.push(0);
        this.childCounts.push(0);
        this.values.push(undefined);
        return node;
    }

    close(node: SourceNode, kind: NodeKind | null, value: unknown, children: readonly SourceNode[]): void {
        this.kinds.set(node, kinds.indexOf(kind));
        this.values[node] = value;
        this.firstChild.set(node, this.childList.length);
        this.childCounts.set(node, children.length);
        for (const child of children) {
            this.childList.push(child);
        }
    }

    kind(node: SourceNode): NodeKind | null {
        return kinds[this.kinds.get(node)];
    }

    /** A scalar's value (keys are scalars); an alias's target. */
    value(node: SourceNode): unknown {
        return this.values[node];
    }

    offset(node: SourceNode): number {
        return this.offsets.get(node);
    }

    line(node: SourceNode): number {
        return this.lines.get(node);
    }

    column(node: SourceNode): number {
        return this.columns.get(node);
    }

    childCount(node: SourceNode): number {
        return this.childCounts.get(node);
    }

    child(node: SourceNode, i: number): SourceNode {
        return this.childList.get(this.firstChild.get(node) + i);
    }
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

/** A mapping key written twice (or more) in one mapping: the later one, and the first. */
export interface DuplicateKey {
    /** The key's property path: `spec.template.spec.containers[0].image` is `["spec", "template", "spec", "containers", 0, "image"]`. */
    readonly path: PropertyPath;
    readonly at: Location;
    readonly first: Location;
}

export interface SourceDocument {
    /** The document as plain JavaScript values; of a key written twice in a mapping, the last value. */
    readonly value: unknown;
    readonly root: SourceNode | undefined;
    /** The keys written twice, each after its first; empty for almost every document. */
    readonly duplicateKeys: readonly DuplicateKey[];
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

const noDuplicates: readonly DuplicateKey[] = [];

/** `merge` keys (`<<`), which YAML lets a mapping repeat. */
const mergeKey = "<<";

/**
 * The keys written more than once in a mapping of the document, in document order. Each node
 * visited keeps its parent and its key or index, and a path is built only for a duplicate: memory
 * in proportion to the document, however deep.
 */
function findDuplicateKeys(tree: SourceTree, root: SourceNode, at: (node: SourceNode) => Location): DuplicateKey[] {
    const found: DuplicateKey[] = [];
    const parents: number[] = [-1];
    const segments: Array<string | number> = [""];
    const pathOf = (entry: number): PropertyPath => {
        const path: Array<string | number> = [];
        for (let e = entry; e > 0; e = parents[e]) {
            path.push(segments[e]);
        }
        return path.reverse();
    };
    const pending: Array<{ node: SourceNode; entry: number }> = [{ node: root, entry: 0 }];
    const visit = (node: SourceNode, parent: number, segment: string | number) => {
        parents.push(parent);
        segments.push(segment);
        pending.push({ node, entry: parents.length - 1 });
    };
    while (pending.length > 0) {
        const { node, entry } = pending.pop()!;
        const count = tree.childCount(node);
        if (tree.kind(node) === "mapping") {
            const firsts = new Map<string, SourceNode>();
            for (let i = 0; i + 1 < count; i += 2) {
                const key = tree.child(node, i);
                const name = String(tree.value(key));
                const first = firsts.get(name);
                if (first === undefined) {
                    firsts.set(name, key);
                } else if (name !== mergeKey) {
                    found.push({ path: [...pathOf(entry), name], at: at(key), first: at(first) });
                }
                visit(tree.child(node, i + 1), entry, name);
            }
        } else if (tree.kind(node) === "sequence") {
            for (let i = 0; i < count; i++) {
                visit(tree.child(node, i), entry, i);
            }
        }
    }
    return found.sort((a, b) => a.at.line - b.at.line || a.at.column - b.at.column);
}

/**
 * A document's value and node tree as the place to look things up. `text` is the document's own
 * text, which node offsets index; `hasDuplicateKeys` when the parser met a key written twice in a
 * mapping (they are then found in the tree).
 */
export function sourceDocument(file: string, text: string, value: unknown, tree: SourceTree, root: SourceNode | undefined, hasDuplicateKeys = false): SourceDocument {
    const at = (node: SourceNode): Location => ({ file, line: tree.line(node), column: tree.column(node) });
    /** Follows `path` as far as it is written: the last node reached, and the node that says where. */
    const walk = (path: PropertyPath, from: SourceNode | undefined) => {
        let node = from;
        let where: SourceNode | undefined;
        for (const segment of path) {
            let next: SourceNode | undefined;
            let key: SourceNode | undefined;
            const kind = node === undefined ? undefined : tree.kind(node);
            if (node !== undefined && kind === "mapping") {
                // The last entry of a key wins, as in JSON.parse and the API server's decoding.
                const count = tree.childCount(node);
                for (let i = count - 2 - (count % 2); i >= 0; i -= 2) {
                    if (String(tree.value(tree.child(node, i))) === String(segment)) {
                        key = tree.child(node, i);
                        next = tree.child(node, i + 1);
                        break;
                    }
                }
            } else if (node !== undefined && kind === "sequence" && typeof segment === "number" && segment < tree.childCount(node)) {
                next = key = tree.child(node, segment);
            }
            if (next === undefined || key === undefined) {
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
        duplicateKeys: hasDuplicateKeys && root !== undefined ? findDuplicateKeys(tree, root, at) : noDuplicates,
        nodeAt: (path, from = root) => walk(path, from).node,
        locate: (path, from = root, fallback) => {
            const { where } = walk(path, from);
            return where !== undefined ? at(where) : (fallback ?? (from !== undefined ? at(from) : { file, line: 1, column: 1 }));
        },
        blockScalarStart(node) {
            if (node === undefined || tree.kind(node) !== "scalar") {
                return undefined;
            }
            let i = tree.offset(node);
            while (text[i] === " " || text[i] === "\t") {
                i++;
            }
            // `|` or `>` on the key's line; the content starts on the next line.
            return text[i] === "|" || text[i] === ">" ? tree.line(node) + 1 : undefined;
        },
    };
}
