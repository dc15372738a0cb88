// YAML documents with source positions (source.ts), one document's text at a time (documents.ts
// splits a file), and with its aliases' expansion bounded.
//
// js-yaml parses: it is about eight times as fast as the `yaml` package (measured on the bench's
// manifests, 6 KB each: 0.39 s against 3.3 s for 1,000 files, positions included), which is most
// of what a scan costs. Its `listener` reports each node it composes, keys included, in document
// order; that is enough to rebuild the tree of nodes with their positions.
//
// Aliases: js-yaml gives an alias the very object its anchor names, so a "billion laughs" document
// stays small in memory, and code that reads a few known fields of it (the policies, over a
// Kubernetes object) never notices. Whatever walks the whole value (JSON.stringify, a copy) would
// meet each alias expanded: nine nested nines are 9^9 strings. So no document reaches the scan
// whose aliases expand it past ten times its written size (and 1 MiB): it is reported at the alias
// that crosses the limit, and not read. Kubernetes' YAML decoder, go-yaml, bounds the same thing
// since CVE-2019-11254, as a ratio of alias-driven to all decoded nodes.
import * as jsyaml from "js-yaml";
import type { DocumentText } from "./documents";
import { maxDepth, NodeKind, SourceDocument, sourceDocument, SourceError, SourceNode, SourceTree } from "./source";

/** YAML 1.2's core schema (what Kubernetes' and Compose's parsers resolve) with `<<` merge keys, which Compose files use. */
const schema = jsyaml.CORE_SCHEMA.extend({ implicit: [(jsyaml as unknown as { types: { merge: jsyaml.Type } }).types.merge] });

/** How much a document may grow by its aliases: ten times its text, and never less than this many characters. */
export const expansionRatio = 10;
export const expansionFloor = 2 ** 20;

/** A node js-yaml is composing: its children so far, and the value of the last one. */
type Frame = { node: SourceNode; children: SourceNode[]; lastChild: unknown };

/** The documents of one document's text (one, unless the text holds several). Throws SourceError. */
export function parseYamlDocuments(file: string, chunk: DocumentText): SourceDocument[] {
    let parsed: Parsed;
    let duplicates = false;
    try {
        try {
            parsed = parse(file, chunk, false);
        } catch (e) {
            if (!(e instanceof jsyaml.YAMLException) || e.reason !== "duplicated mapping key") {
                throw e;
            }
            // Read again as the API server decodes (the last value wins), and the keys found in the tree.
            parsed = parse(file, chunk, true);
            duplicates = true;
        }
    } catch (e) {
        if (e instanceof jsyaml.YAMLException) {
            const location = { file, line: (e.mark?.line ?? 0) + 1 + chunk.line - 1, column: (e.mark?.column ?? 0) + 1 };
            if (/^nesting exceeded maxDepth/.test(e.reason)) {
                throw new SourceError(location, `nested more than ${maxDepth} levels deep, so it is not read`);
            }
            throw new SourceError(location, e.reason, "YAML");
        }
        throw e;
    }
    const { values, tree, roots, aliases } = parsed;
    return values.map((value, i) => {
        if (aliases && roots[i] !== undefined) {
            checkExpansion(file, chunk.text, tree, roots[i]);
        }
        return sourceDocument(file, chunk.text, value, tree, roots[i], duplicates);
    });
}

interface Parsed {
    values: unknown[];
    tree: SourceTree;
    roots: SourceNode[];
    aliases: boolean;
}

/** js-yaml's documents and their tree; `json` lets a mapping repeat a key (the last value wins), as JSON.parse does. */
function parse(file: string, chunk: DocumentText, json: boolean): Parsed {
    const { text } = chunk;
    const lineOffset = chunk.line - 1;
    const tree = new SourceTree();
    const stack: Frame[] = [{ node: -1, children: [], lastChild: undefined }];
    let aliases = false;
    const limit = expansionLimit(text);
    const values = jsyaml.loadAll(text, undefined, {
        schema,
        json,
        ...({ maxDepth } as jsyaml.LoadOptions), // js-yaml 4.3's, not in its types yet
        listener(event, state) {
            if (event === "open") {
                stack.push({ node: tree.open(state.position, state.line + 1 + lineOffset, state.position - state.lineStart + 1), children: [], lastChild: undefined });
                return;
            }
            const { node, children, lastChild } = stack.pop()!;
            const parent = stack[stack.length - 1];
            let closed = node;
            if (children.length === 0 && text[tokenStart(text, tree.offset(node))] === "*") {
                tree.close(node, "alias", state.result, children);
                aliases = true;
            } else if (children.length === 1 && typeof state.result === "object" && state.result !== null && lastChild === state.result) {
                // A collection that js-yaml first tried as the key of a block mapping (a flow
                // collection on a line of its own, a JSON document): the node is its only child.
                closed = children[0];
            } else {
                const kind = state.kind as NodeKind;
                if (kind === "sequence" && aliases && joinedLength(state.result as unknown[]) > limit) {
                    // A list can be a mapping key (`? [*a, *a]`), which js-yaml turns into its items joined:
                    // refused before that string is built.
                    throw new SourceError({ file, line: tree.line(node), column: tree.column(node) }, `the aliases in this list ${expands}`);
                }
                tree.close(node, kind, kind === "scalar" ? state.result : undefined, children);
            }
            parent.children.push(closed);
            parent.lastChild = state.result;
        },
    });
    return { values, tree, roots: stack[0].children, aliases };
}

const expands = `make this document expand past ${expansionRatio} times its size (a YAML alias bomb?), so it is not read`;

function expansionLimit(text: string): number {
    return Math.max(expansionFloor, expansionRatio * text.length);
}

/** The length of a list's string items joined. */
function joinedLength(items: unknown[]): number {
    let length = 0;
    for (const item of items) {
        length += typeof item === "string" ? item.length + 1 : 1;
    }
    return length;
}

/** Where the node that js-yaml opened at `offset` starts: after blanks and comments. */
function tokenStart(text: string, offset: number): number {
    let i = offset;
    for (;;) {
        const c = text[i];
        if (c === " " || c === "\t" || c === "\r" || c === "\n") {
            i++;
        } else if (c === "#") {
            const end = text.indexOf("\n", i);
            if (end < 0) {
                return text.length;
            }
            i = end + 1;
        } else {
            return i;
        }
    }
}

/** What a value weighs expanded: a character per character of its strings and keys, one per other node. */
function scalarWeight(value: unknown): number {
    return typeof value === "string" ? 1 + value.length : 1;
}

/**
 * Walks the written nodes in document order, each alias weighing what it stands for, and throws
 * at the alias where the total passes the limit. What an anchor stands for is weighed once
 * (`weights`), so this takes time in proportion to the written document, not the expanded one.
 */
function checkExpansion(file: string, text: string, tree: SourceTree, root: SourceNode): void {
    const limit = expansionLimit(text);
    const weights = new Map<object, number>();
    let total = 0;
    const pending: SourceNode[] = [root];
    while (pending.length > 0) {
        const node = pending.pop()!;
        const kind = tree.kind(node);
        if (kind === "alias") {
            total += weigh(tree.value(node), limit - total, weights);
        } else {
            total += scalarWeight(kind === "scalar" ? tree.value(node) : undefined);
            for (let i = tree.childCount(node) - 1; i >= 0; i--) {
                pending.push(tree.child(node, i));
            }
        }
        // Written nodes weigh at most the text: only an alias crosses the limit.
        if (total > limit) {
            const start = tokenStart(text, tree.offset(node));
            const name = text.slice(start, start + 100).split(/[\s,[\]{}]/, 1)[0];
            throw new SourceError({ file, line: tree.line(node), column: tree.column(node) }, `the alias ${name} ${expands.replace(/^make/, "makes")}`);
        }
    }
}

/** The expanded weight of a value, or more than `budget` as soon as it passes it. */
function weigh(value: unknown, budget: number, weights: Map<object, number>): number {
    if (typeof value !== "object" || value === null) {
        return scalarWeight(value);
    }
    const known = weights.get(value);
    if (known !== undefined) {
        return known;
    }
    // Post-order without recursion: each object's weight is known (and kept) before its parent's.
    type Frame = { object: object; items: unknown[]; next: number; sum: number };
    const open = (object: object): Frame => {
        const items = Array.isArray(object) ? object : Object.values(object);
        const keys = Array.isArray(object) ? 0 : Object.keys(object).reduce((sum, key) => sum + key.length + 1, 0);
        return { object, items, next: 0, sum: 1 + keys };
    };
    const frames = [open(value)];
    // Each object's sum is what it adds and what its children bring up: the root's is all added.
    let added = frames[0].sum;
    for (;;) {
        if (added > budget) {
            return added;
        }
        const frame = frames[frames.length - 1];
        if (frame.next < frame.items.length) {
            const item = frame.items[frame.next++];
            const weight = typeof item !== "object" || item === null ? scalarWeight(item) : weights.get(item);
            if (weight !== undefined) {
                frame.sum += weight;
                added += weight;
            } else {
                const child = open(item as object);
                frames.push(child);
                added += child.sum;
            }
            continue;
        }
        weights.set(frame.object, frame.sum);
        frames.pop();
        if (frames.length === 0) {
            return frame.sum;
        }
        frames[frames.length - 1].sum += frame.sum;
    }
}
