// A file's text as it is read, cut into its documents, so that the scan holds one document at a
// time, never the whole file (a file can be larger than a string can hold).
//
// YAML: a document ends where a line starts with `---` or `...` followed by a blank or the line's
// end. YAML forbids such a line inside any node (block scalars and quoted strings included), so
// cutting there is what a parser does; the directives and comments before a `---` stay with the
// document it opens. JSON: a document ends where its top-level value closes (a stream of
// values, as `kubectl` and `jq -c` write them).
import { SourceError } from "./source";

export interface DocumentText {
    readonly text: string;
    /** The line of the file its first line is, 1-based. */
    readonly line: number;
}

/** A document longer than this is not read (nor the rest of its file): a manifest is a few kilobytes. */
export const maxDocumentChars = 64 * 2 ** 20;

const marker = /^(?:---|\.\.\.)(?=[ \t\r\n]|$)/gm;
/** A line that is more than a blank, a comment or a directive (`%YAML 1.2`). */
const content = /^(?:[ \t]*[^ \t\r\n#%]|[ \t]+%)/m;

function countLines(text: string): number {
    let lines = 0;
    for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) {
        lines++;
    }
    return lines;
}

function tooLarge(file: string, line: number): SourceError {
    return new SourceError({ file, line, column: 1 }, `a document longer than ${maxDocumentChars / 2 ** 20} MiB starts here, so it and the rest of the file are not read`);
}

/** The YAML documents of a text read in chunks. Throws SourceError for a document over the limit. */
export function* yamlDocuments(file: string, chunks: Iterable<string>): Generator<DocumentText> {
    let document = "";
    let documentLine = 1;
    let hasContent = false;
    /** The text after the last line break read: a line not finished yet. */
    let partial = "";
    const markers = new RegExp(marker); // its own lastIndex
    const add = (text: string) => {
        if (document.length + text.length > maxDocumentChars) {
            throw tooLarge(file, documentLine);
        }
        document += text;
        hasContent ||= content.test(text);
    };
    const finish = (): DocumentText | undefined => {
        const finished = hasContent ? { text: document, line: documentLine } : undefined;
        documentLine += countLines(document);
        document = "";
        hasContent = false;
        return finished;
    };
    for (const chunk of chunks) {
        const lastBreak = chunk.lastIndexOf("\n");
        if (lastBreak < 0) {
            partial += chunk; // a line longer than a chunk: only its own chunks are searched
            if (document.length + partial.length > maxDocumentChars) {
                throw tooLarge(file, documentLine);
            }
            continue;
        }
        const lines = partial + chunk.slice(0, lastBreak + 1);
        partial = chunk.slice(lastBreak + 1);
        let start = 0;
        markers.lastIndex = 0;
        for (let match = markers.exec(lines); match; match = markers.exec(lines)) {
            if (match[0] === "---") {
                add(lines.slice(start, match.index));
                start = match.index;
                if (hasContent) {
                    const finished = finish();
                    if (finished) {
                        yield finished;
                    }
                }
            } else {
                const lineEnd = lines.indexOf("\n", match.index) + 1;
                add(lines.slice(start, lineEnd));
                start = lineEnd;
                const finished = finish();
                if (finished) {
                    yield finished;
                }
            }
        }
        add(lines.slice(start));
    }
    add(partial);
    const last = finish();
    if (last) {
        yield last;
    }
}

/** The JSON values of a text read in chunks, one document each. Throws SourceError for a document over the limit. */
export function* jsonDocuments(file: string, chunks: Iterable<string>): Generator<DocumentText> {
    let document = "";
    let documentLine = 1;
    let line = 1;
    let depth = 0;
    let inString = false;
    let escaped = false;
    for (const chunk of chunks) {
        let start = 0;
        for (let i = 0; i < chunk.length; i++) {
            const c = chunk.charCodeAt(i);
            if (c === 0x0a) {
                line++;
            }
            if (inString) {
                if (escaped) {
                    escaped = false;
                } else if (c === 0x5c) {
                    escaped = true;
                } else if (c === 0x22) {
                    inString = false;
                }
            } else if (c === 0x22) {
                inString = true;
            } else if (c === 0x7b || c === 0x5b) {
                depth++;
            } else if ((c === 0x7d || c === 0x5d) && depth > 0 && --depth === 0) {
                const text = document + chunk.slice(start, i + 1);
                document = "";
                start = i + 1;
                yield { text, line: documentLine };
                documentLine = line;
            }
        }
        const rest = chunk.slice(start);
        if (document.length + rest.length > maxDocumentChars) {
            throw tooLarge(file, documentLine);
        }
        document = depth === 0 && !inString && document.trim() === "" && rest.trim() === "" ? "" : document + rest;
        if (document === "") {
            documentLine = line;
        }
    }
    if (document.trim() !== "") {
        yield { text: document, line: documentLine };
    }
}
