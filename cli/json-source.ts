// JSON documents with source positions (source.ts): RFC 8259, as JSON.parse reads it (the last of
// duplicate keys wins, and the document says which keys it repeats), with the line and column of
// every key and value, and syntax errors that say where and what was expected without quoting the
// file (a file may hold what shouldn't be in a CI log).
import type { DocumentText } from "./documents";
import { maxDepth, NodeKind, SourceDocument, sourceDocument, SourceError, SourceNode, SourceTree } from "./source";

const literal = /true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

class Parser {
    readonly tree = new SourceTree();
    /** Whether an object repeats a key (the last value wins, as in JSON.parse). */
    duplicateKeys = false;
    private i = 0;
    private line: number;
    private lineStart = 0;
    private depth = 0;

    constructor(
        private readonly file: string,
        private readonly text: string,
        firstLine: number,
    ) {
        this.line = firstLine;
    }

    document(): { value: unknown; root: SourceNode } {
        this.skipBlanks();
        const { value, node } = this.value();
        this.skipBlanks();
        if (this.i < this.text.length) {
            this.fail("expected the end of the document after its value");
        }
        return { value, root: node };
    }

    private fail(problem: string): never {
        throw new SourceError({ file: this.file, line: this.line, column: this.i - this.lineStart + 1 }, problem, "JSON");
    }

    private found(): string {
        if (this.i >= this.text.length) {
            return "the end of the document";
        }
        const c = this.text[this.i];
        return /[\x21-\x7e]/.test(c) ? `\`${c}\`` : `character U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`;
    }

    private skipBlanks(): void {
        const { text } = this;
        for (; this.i < text.length; this.i++) {
            const c = text.charCodeAt(this.i);
            if (c === 0x0a) {
                this.line++;
                this.lineStart = this.i + 1;
            } else if (c !== 0x20 && c !== 0x09 && c !== 0x0d) {
                return;
            }
        }
    }

    /** A node starting here. */
    private open(): SourceNode {
        return this.tree.open(this.i, this.line, this.i - this.lineStart + 1);
    }

    private scalar(node: SourceNode, value: unknown): { value: unknown; node: SourceNode } {
        this.tree.close(node, "scalar", value, []);
        return { value, node };
    }

    private value(): { value: unknown; node: SourceNode } {
        const c = this.text[this.i];
        if (c === "{") {
            return this.object();
        }
        if (c === "[") {
            return this.array();
        }
        const node = this.open();
        if (c === '"') {
            return this.scalar(node, this.string());
        }
        literal.lastIndex = this.i;
        const match = literal.exec(this.text);
        if (!match) {
            this.fail(`expected a value, found ${this.found()}`);
        }
        this.i += match[0].length;
        return this.scalar(node, match[0] === "true" ? true : match[0] === "false" ? false : match[0] === "null" ? null : Number(match[0]));
    }

    private object(): { value: unknown; node: SourceNode } {
        return this.collection("mapping", {} as Record<string, unknown>, "}", "a property value", (value, children) => {
            if (this.text[this.i] !== '"') {
                this.fail(`expected a property name in double quotes, found ${this.found()}`);
            }
            const keyNode = this.open();
            const key = this.string();
            this.scalar(keyNode, key);
            this.skipBlanks();
            if (this.text[this.i] !== ":") {
                this.fail(`expected \`:\` after a property name, found ${this.found()}`);
            }
            this.i++;
            this.skipBlanks();
            const entry = this.value();
            this.duplicateKeys ||= Object.prototype.hasOwnProperty.call(value, key);
            if (key === "__proto__") {
                Object.defineProperty(value, key, { value: entry.value, enumerable: true, writable: true, configurable: true });
            } else {
                value[key] = entry.value;
            }
            children.push(keyNode, entry.node);
        });
    }

    private array(): { value: unknown; node: SourceNode } {
        return this.collection("sequence", [] as unknown[], "]", "a list item", (value, children) => {
            const item = this.value();
            value.push(item.value);
            children.push(item.node);
        });
    }

    /** `{...}` or `[...]` at its opening bracket, `entry` reading each entry into `value` and its nodes into `children`. */
    private collection<T>(kind: NodeKind, value: T, close: string, entryName: string, entry: (value: T, children: SourceNode[]) => void): { value: T; node: SourceNode } {
        if (++this.depth > maxDepth) {
            throw new SourceError({ file: this.file, line: this.line, column: this.i - this.lineStart + 1 }, `nested more than ${maxDepth} levels deep, so it is not read`);
        }
        const node = this.open();
        const children: SourceNode[] = [];
        this.i++;
        this.skipBlanks();
        // Empty, or entries with a comma between each two (none after the last).
        for (let more = this.text[this.i] !== close; more; ) {
            entry(value, children);
            this.skipBlanks();
            more = this.text[this.i] !== close;
            if (more && this.text[this.i] !== ",") {
                this.fail(`expected \`,\` or \`${close}\` after ${entryName}, found ${this.found()}`);
            }
            if (more) {
                this.i++;
                this.skipBlanks();
            }
        }
        this.i++;
        this.depth--;
        this.tree.close(node, kind, undefined, children);
        return { value, node };
    }

    /** A string at the opening quote. */
    private string(): string {
        const { text } = this;
        const start = this.i;
        let simple = true;
        for (let j = start + 1; j < text.length; j++) {
            const c = text.charCodeAt(j);
            if (c === 0x22) {
                this.i = j + 1;
                return simple ? text.slice(start + 1, j) : this.escapedString(start, j + 1);
            }
            if (c === 0x5c) {
                simple = false;
                j++;
            } else if (c < 0x20) {
                this.i = j;
                this.fail(c === 0x0a ? "a string runs to the end of the line (no closing quote)" : `a control character (U+${c.toString(16).padStart(4, "0")}) in a string must be escaped`);
            }
        }
        this.fail("a string has no closing quote");
    }

    private escapedString(start: number, end: number): string {
        const token = this.text.slice(start, end);
        const escape = /\\(u[0-9a-fA-F]{4}|["\\/bfnrt])?/g;
        for (let match = escape.exec(token); match; match = escape.exec(token)) {
            if (match[1] === undefined) {
                this.i = start + match.index;
                this.fail("a string has an invalid escape sequence");
            }
        }
        return JSON.parse(token) as string;
    }
}

/** The document a JSON text holds. Throws SourceError. */
export function parseJsonDocument(file: string, chunk: DocumentText): SourceDocument {
    const parser = new Parser(file, chunk.text, chunk.line);
    const { value, root } = parser.document();
    return sourceDocument(file, chunk.text, value, parser.tree, root, parser.duplicateKeys);
}
