// JSON documents with source positions (source.ts): RFC 8259, as JSON.parse reads it (the last of
// duplicate keys wins), with the line and column of every key and value, and syntax errors that
// say where and what was expected without quoting the file (a file may hold what shouldn't be in a
// CI log).
import type { DocumentText } from "./documents";
import { maxDepth, SourceDocument, sourceDocument, SourceError, SourceNode } from "./source";

class Parser {
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

    private node(kind: SourceNode["kind"], value?: unknown): SourceNode {
        return { kind, offset: this.i, line: this.line, column: this.i - this.lineStart + 1, value, children: [] };
    }

    private value(): { value: unknown; node: SourceNode } {
        const c = this.text[this.i];
        if (c === "{") {
            return this.object();
        }
        if (c === "[") {
            return this.array();
        }
        if (c === '"') {
            const node = this.node("scalar");
            const value = this.string();
            return { value, node: { ...node, value } };
        }
        const node = this.node("scalar");
        const literal = /true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
        literal.lastIndex = this.i;
        const match = literal.exec(this.text);
        if (!match) {
            this.fail(`expected a value, found ${this.found()}`);
        }
        this.i += match[0].length;
        const value = match[0] === "true" ? true : match[0] === "false" ? false : match[0] === "null" ? null : Number(match[0]);
        return { value, node: { ...node, value } };
    }

    private object(): { value: unknown; node: SourceNode } {
        return this.collection("mapping", {} as Record<string, unknown>, "}", "a property value", (value, node) => {
            if (this.text[this.i] !== '"') {
                this.fail(`expected a property name in double quotes, found ${this.found()}`);
            }
            const keyNode = this.node("scalar");
            const key = this.string();
            this.skipBlanks();
            if (this.text[this.i] !== ":") {
                this.fail(`expected \`:\` after a property name, found ${this.found()}`);
            }
            this.i++;
            this.skipBlanks();
            const entry = this.value();
            if (key === "__proto__") {
                Object.defineProperty(value, key, { value: entry.value, enumerable: true, writable: true, configurable: true });
            } else {
                value[key] = entry.value;
            }
            node.children.push({ ...keyNode, value: key }, entry.node);
        });
    }

    private array(): { value: unknown; node: SourceNode } {
        return this.collection("sequence", [] as unknown[], "]", "a list item", (value, node) => {
            const item = this.value();
            value.push(item.value);
            node.children.push(item.node);
        });
    }

    /** `{...}` or `[...]` at its opening bracket, `entry` reading each entry into `value` and `node`. */
    private collection<T>(kind: "mapping" | "sequence", value: T, close: string, entryName: string, entry: (value: T, node: SourceNode) => void): { value: T; node: SourceNode } {
        if (++this.depth > maxDepth) {
            throw new SourceError({ file: this.file, line: this.line, column: this.i - this.lineStart + 1 }, `nested more than ${maxDepth} levels deep, so it is not read`);
        }
        const node = this.node(kind);
        this.i++;
        this.skipBlanks();
        // Empty, or entries with a comma between each two (none after the last).
        for (let more = this.text[this.i] !== close; more; ) {
            entry(value, node);
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
    const { value, root } = new Parser(file, chunk.text, chunk.line).document();
    return sourceDocument(file, chunk.text, value, root);
}
