// YAML (and JSON, a subset of it) with source positions: the documents of a file as plain values,
// and where a property path is written in it, so that a finding points at the line of the field.
//
// js-yaml parses: it is about eight times as fast as the `yaml` package (measured on the bench's
// manifests, 6 KB each: 0.39 s against 3.3 s for 1,000 files, positions included), which is most
// of what a scan costs. Its `listener` reports each node it composes, keys included, in document
// order; that is enough to rebuild the tree of nodes with their positions.
import * as jsyaml from "js-yaml";

/** 1-based, as editors and SARIF count. */
export interface Location {
    /** As shown to the user: relative to the working directory, `<stdin>` for standard input. */
    readonly file: string;
    readonly line: number;
    readonly column: number;
}

/** A property path: `spec.template.spec.containers[1].env` is `["spec", "template", "spec", "containers", 1, "env"]`. */
export type PropertyPath = ReadonlyArray<string | number>;

/** A node of the source: a mapping's children are its keys and values in turn, a sequence's its items. */
export interface SourceNode {
    readonly kind: "mapping" | "sequence" | "scalar" | null;
    /** Offset of the node's first character; for a value after `key:`, right after the colon. */
    readonly offset: number;
    readonly line: number;
    readonly column: number;
    /** A scalar's value (keys are scalars). */
    readonly value?: unknown;
    readonly children: SourceNode[];
}

export interface YamlDocument {
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
}

export interface YamlFile {
    readonly documents: YamlDocument[];
    /** The first line of a block scalar's content (`|`, `>`), from which its lines count; undefined for other nodes. */
    blockScalarStart(node: SourceNode | undefined): number | undefined;
}

export class YamlSyntaxError extends Error {
    constructor(readonly location: Location, message: string) {
        super(message);
    }
}

/** YAML 1.2's core schema (what Kubernetes' and Compose's parsers resolve) with `<<` merge keys, which Compose files use. */
const schema = jsyaml.CORE_SCHEMA.extend({ implicit: [(jsyaml as unknown as { types: { merge: jsyaml.Type } }).types.merge] });

type Frame = { -readonly [K in keyof SourceNode]: SourceNode[K] };

/** Parses every document of a file. Throws YamlSyntaxError. */
export function parseYaml(file: string, text: string): YamlFile {
    const stack: Frame[] = [{ kind: null, offset: 0, line: 0, column: 0, value: undefined, children: [] }];
    let values: unknown[];
    try {
        values = jsyaml.loadAll(text, undefined, {
            schema,
            listener(event, state) {
                if (event === "open") {
                    stack.push({ kind: null, offset: state.position, line: state.line + 1, column: state.position - state.lineStart + 1, value: undefined, children: [] });
                    return;
                }
                const node = stack.pop()!;
                node.kind = state.kind as SourceNode["kind"];
                if (node.kind === "scalar") {
                    node.value = state.result;
                }
                stack[stack.length - 1].children.push(node);
            },
        });
    } catch (e) {
        if (e instanceof jsyaml.YAMLException) {
            throw new YamlSyntaxError({ file, line: (e.mark?.line ?? 0) + 1, column: (e.mark?.column ?? 0) + 1 }, e.reason);
        }
        throw e;
    }
    const roots = stack[0].children;
    const at = (node: SourceNode): Location => ({ file, line: node.line, column: node.column });
    /** Follows `path` as far as it is written: the last node reached, the node that says where, and whether the path ended. */
    const walk = (path: PropertyPath, from: SourceNode | undefined) => {
        let node = from;
        let where: SourceNode | undefined;
        for (const segment of path) {
            let next: SourceNode | undefined;
            let key: SourceNode | undefined;
            if (node?.kind === "mapping") {
                for (let i = 0; i + 1 < node.children.length; i += 2) {
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
        documents: values.map((value, i) => ({
            value,
            root: roots[i],
            nodeAt: (path, from = roots[i]) => walk(path, from).node,
            locate: (path, from = roots[i], fallback) => {
                const { where } = walk(path, from);
                return where ? at(where) : (fallback ?? (from ? at(from) : { file, line: 1, column: 1 }));
            },
        })),
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
